"""Every file dialog names the folder it opens in. Given none (or ""), Qt opens the folder the
app was started from: the packaged app's own folder, where a backup, a form or a letter must
never go (seen in a real window: File > Back up opened in the program's folder)."""

from __future__ import annotations

import ast
from pathlib import Path

UI = Path(__file__).resolve().parent.parent / "ui"
ASKS = {"getOpenFileName", "getOpenFileNames", "getSaveFileName", "getExistingDirectory"}


def _dialog_calls():
    for path in sorted(UI.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in ASKS and isinstance(node.func.value, ast.Name)
                    and node.func.value.id == "QFileDialog"):
                yield f"{path.relative_to(UI.parent)}:{node.lineno}", node


def test_every_file_dialog_names_the_folder_it_opens_in():
    calls = list(_dialog_calls())
    assert len(calls) >= 20  # the walk found the app's dialogs
    unnamed = []
    for where, call in calls:
        folder = call.args[2] if len(call.args) > 2 else next(
            (k.value for k in call.keywords if k.arg == "dir"), None)
        if folder is None or (isinstance(folder, ast.Constant) and not folder.value):
            unnamed.append(where)
    assert unnamed == []
