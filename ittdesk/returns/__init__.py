"""Returns for LAs and funders: built-in returns, LA templates filled in, and the full export.

Core only (no Qt): the GUI's Returns page and ``ittdesk export`` both call these functions.
"""

# The built-in returns (builtin, which imports partnership and engagement) register themselves
# (``base.register``) when imported; here, so any use of the package (base included: Python
# runs this first) finds them all.
from . import builtin  # noqa: F401
from .base import (
    Filters,
    ReturnData,
    ReturnSpec,
    all_returns,
    get_return,
    local_authorities,
    make_filters,
    make_return,
    preview,
    programme_names,
)

__all__ = [
    "Filters", "ReturnData", "ReturnSpec", "all_returns", "get_return", "local_authorities",
    "make_filters", "make_return", "preview", "programme_names",
]
