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
