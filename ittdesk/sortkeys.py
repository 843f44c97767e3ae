"""Names in the order people expect: a stored sort key beside each person's and school's name.

"Ó Súilleabháin" belongs among the O's, "O'Brien" beside "Obi" and "Émile" among the E's, but
SQLite's ``lower()`` folds ASCII only and the two databases collate differently. So the key is
worked out once, in Python, when the name is written: accents and other marks dropped (NFKD),
case folded (``ß`` -> ``ss``), the few letters Unicode does not decompose mapped by hand
(``Ł`` -> ``l``, ``Ø`` -> ``o``), and everything but letters and digits left out (apostrophes,
hyphens, spaces). The result is plain lower-case letters and digits for Latin names, which
every collation orders the same way, and it is indexed, so the big lists sort by walking it.

The key is written where the row is written, whatever writes it: the models' ``insert``,
``insert_many``, ``update`` and ``save`` fill it in (``SortKeyed``), and the one raw bulk
insert (``services.bulk.insert_returning``) adds them with :func:`key_value`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Any

_NOT_ALNUM_ASCII = re.compile(r"[^0-9a-z]+")

# Letters NFKD leaves whole (they are letters of their own, not a letter plus a mark).
_UNDECOMPOSED = str.maketrans({
    "ł": "l", "ø": "o", "đ": "d", "ð": "d", "ħ": "h", "ı": "i", "ŀ": "l", "ŧ": "t",
    "æ": "ae", "œ": "oe", "þ": "th", "ĸ": "k", "ŋ": "n",
})


def sort_key(text: str | None, limit: int = 0) -> str:
    """The key a name sorts by: ``"Ó Súilleabháin"`` -> ``"osuilleabhain"``.

    ``limit``: the key column's length (NFKD and ``ß`` -> ``ss`` can lengthen a name; the
    order of two names that agree that far does not matter to anyone)."""
    if not text:
        return ""
    if text.isascii():  # most names: no marks to drop, and casefold is lower (faster)
        key = _NOT_ALNUM_ASCII.sub("", text.lower())
        return key[:limit] if limit else key
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    folded = bare.casefold().translate(_UNDECOMPOSED)
    key = "".join(c for c in folded if c.isalnum())
    return key[:limit] if limit else key


def key_fields(model: Any) -> dict[str, Any]:
    """name field -> its key field, for a model that keeps sort keys (else empty)."""
    pairs = getattr(model, "SORT_KEYS", {})
    return {name: model._meta.fields[key] for name, key in pairs.items()}


def key_value(field: Any, value: Any) -> str:
    """The key for ``value`` written to the name field; refuses an SQL expression (its value is
    not known here, and a stale key would sort the row wrongly without anyone noticing)."""
    if value is not None and not isinstance(value, str):
        raise TypeError(f"{field.model.__name__}.{field.name}'s sort key needs the name as text, "
                        f"not {type(value).__name__}")
    return sort_key(value, field.max_length or 0)


def with_keys(model: Any, row: Mapping[str, Any]) -> dict[str, Any]:
    """``row`` (field name -> value) with the keys of the names it sets."""
    full = dict(row)
    for name, key in key_fields(model).items():
        if name in full:
            full[key.name] = key_value(key, full[name])
    return full
