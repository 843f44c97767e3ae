"""Opens a support agreement in the agreements developer's editor, when it is installed.

``ui.editors.agreement_editor`` provides ``open_agreement_editor(parent, agreement_id)``
(or an ``AgreementEditor(agreement_id, parent)`` dialog); until that module exists nothing opens
(the main window says so in the status bar). The editor's writes tell the main window
themselves (``ui.operations.write``), once each.
"""

from __future__ import annotations

from importlib import import_module


def open_agreement(parent, agreement_id: int | None, **defaults):
    try:
        module = import_module("ui.editors.agreement_editor")
    except ModuleNotFoundError as exc:
        if exc.name and "agreement_editor" in exc.name:
            return None
        raise
    opener = getattr(module, "open_agreement_editor", None)
    if opener is not None:
        editor = opener(parent, agreement_id, **defaults)
    else:
        editor = module.AgreementEditor(agreement_id, parent, **defaults)
        editor.show()
    return editor  # its writes announce the agreement's change to the window (ui.operations)
