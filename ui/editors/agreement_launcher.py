"""Opens a support agreement in its editor (``ui.editors.agreement_editor``, imported when
first opened). The editor's writes tell the main window themselves (``ui.operations.write``),
once each.
"""

from __future__ import annotations


def open_agreement(parent, agreement_id: int | None, **defaults):
    from .agreement_editor import open_agreement_editor  # its imports when first opened

    editor = open_agreement_editor(parent, agreement_id, **defaults)
    return editor  # its writes announce the agreement's change to the window (ui.operations)
