"""What the packages promise each other and the tools: re-exports a type checker can see."""

import ast
from pathlib import Path

import ittdesk.models as models

ROOT = Path(__file__).resolve().parent.parent


def test_models_package_exports_every_table_by_name() -> None:
    # __all__ is spelled out so mypy sees the re-exports; it must not drift from ALL_MODELS.
    exported = set(models.__all__)
    assert {m.__name__ for m in models.ALL_MODELS} | {"ALL_MODELS", "BaseModel"} <= exported
    assert all(hasattr(models, name) for name in models.__all__)
    assert len(models.__all__) == len(exported)


def _imported_top_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_the_app_never_imports_the_test_tools() -> None:
    # Test helpers live in tests/ (gui_helpers.py): the installed app must not need pytest.
    sources = sorted((ROOT / "ittdesk").rglob("*.py")) + sorted((ROOT / "ui").rglob("*.py"))
    assert len(sources) > 100
    offenders = [
        str(path.relative_to(ROOT))
        for path in sources
        if _imported_top_modules(path) & {"pytest", "pytestqt", "hypothesis", "_pytest"}
    ]
    assert offenders == []


def _imports_anywhere(path: Path) -> set[str]:
    """Every module a file names for import, at the top or inside a function or class: import
    statements, and ``importlib.import_module`` / ``__import__`` called with a literal name."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
        elif (isinstance(node, ast.Call) and node.args
              and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)
              and ast.unparse(node.func).split(".")[-1] in {"import_module", "__import__"}):
            names.add(node.args[0].value)
    return names


def _core_importers(*tops: str) -> list[str]:
    sources = sorted((ROOT / "ittdesk").rglob("*.py"))
    assert len(sources) > 100
    return sorted(
        f"{path.relative_to(ROOT)}: {name}"
        for path in sources
        for name in _imports_anywhere(path)
        if name.split(".")[0] in tops
    )


def test_the_core_never_imports_ui_not_even_inside_a_function() -> None:
    # ittdesk/ runs headless; what only the desktop app can do reaches the CLI from main.py
    # (ittdesk.cli.desktop.Desktop), so no core module names ui, however lazily.
    assert _core_importers("ui") == []


def test_the_core_never_imports_qt() -> None:
    assert _core_importers("PySide6", "shiboken6") == []


def test_the_import_scan_sees_imports_inside_functions(tmp_path: Path) -> None:
    # The two tests above are only as good as this scan: a lazy import must count.
    module = tmp_path / "lazy.py"
    module.write_text("import os\n\ndef f():\n    from ui.printing import html_to_pdf\n"
                      "    import PySide6.QtGui\n    return importlib.import_module('ui.app')\n",
                      encoding="utf-8")
    assert _imports_anywhere(module) == {"os", "ui.printing", "PySide6.QtGui", "ui.app"}
