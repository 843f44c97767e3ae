"""What the packages promise each other and the tools: re-exports a type checker can see."""

import ittdesk.models as models


def test_models_package_exports_every_table_by_name() -> None:
    # __all__ is spelled out so mypy sees the re-exports; it must not drift from ALL_MODELS.
    assert set(models.__all__) == {m.__name__ for m in models.ALL_MODELS} | {
        "ALL_MODELS",
        "BaseModel",
        "database",
    }
    assert len(models.__all__) == len(set(models.__all__))
