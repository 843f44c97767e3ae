"""The core asks for printed pages through one declared shape (``ittdesk.documents``): the
GUI and the CLI hand it ``ui.printing``'s and ``ui.print_dialogs``' functions, and every page option the core names is
one those functions take."""

from __future__ import annotations

import inspect
from typing import get_type_hints

import pytest

from ittdesk.documents import PageOptions, RenderPdf


def _keywords(function: object) -> set[str]:
    assert callable(function)
    return {name for name, p in inspect.signature(function).parameters.items()
            if p.kind is inspect.Parameter.KEYWORD_ONLY}


@pytest.mark.parametrize("target", ["ui.printing:html_to_pdf", "ui.print_dialogs:print_preview",
                                    "ui.print_dialogs:print_html", "ui.print_dialogs:save_pdf_as"])
def test_every_page_option_is_a_keyword_each_printing_entry_point_takes(target):
    from importlib import import_module

    module, name = target.split(":")
    options = set(get_type_hints(PageOptions))
    assert options == {"footer_left", "footer_right", "header_left", "header_right",
                       "watermark", "title", "landscape"}
    missing = options - _keywords(getattr(import_module(module), name))
    assert not missing, f"{module}.{name} does not take {sorted(missing)}"


def test_html_to_pdf_takes_the_html_and_the_path_first_as_the_core_passes_them():
    from ui.printing import html_to_pdf

    first_two = list(inspect.signature(html_to_pdf).parameters.values())[:2]
    assert [p.kind for p in first_two] == [inspect.Parameter.POSITIONAL_OR_KEYWORD] * 2
    call = inspect.signature(RenderPdf.__call__).parameters
    assert [p.kind for p in list(call.values())[1:3]] == [inspect.Parameter.POSITIONAL_ONLY] * 2
