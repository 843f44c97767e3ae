"""Opens a support agreement in the agreements developer's editor, when it is installed.

``ui.editors.agreement_editor`` provides ``open_agreement_editor(parent, agreement_id)``
(or an ``AgreementEditor(agreement_id, parent)`` dialog); until that module exists nothing opens
(the main window says so in the status bar). The editor's ``saved`` signal, when it has one,
tells the main window so the lists and Home refresh.
"""

from __future__ import annotations

from importlib import import_module


def _main_window(widget):
    from ..main_window import MainWindow

    while widget is not None and not isinstance(widget, MainWindow):
        widget = getattr(widget, "main_window", None) or widget.parentWidget()
    return widget


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
    window = _main_window(parent)
    saved = getattr(editor, "saved", None)
    if window is not None and saved is not None:
        saved.connect(lambda *_: window.records_changed.emit("agreement"))
    return editor
