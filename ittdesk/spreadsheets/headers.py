"""Finding the header row in a grid of cell values and matching its headings to fields.

Generic on purpose: the importer uses it on the files users send, the returns code uses it on an
LA's blank template. Neither rows nor fields are import-specific types.

Inputs
------
``rows``
    A list of rows, each a list of plain cell values (``str``, ``int``, ``float``, ``date``,
    ``None``) as :mod:`ittdesk.spreadsheets.reading` gives them. Rows may be ragged.
``fields``
    The things a column can be: a sequence of ``(name, label, synonyms)`` tuples, or
    :class:`FieldSpec` objects, or any object with ``name``/``label``/``synonyms`` attributes
    (``synonyms`` may be missing), optionally ``owners``: words naming what the field belongs
    to, which may stand before its name. Name and label are recognised as headings too.

API
---
``normalise(text)``
    The form headings are compared in: camelCase split, lower case, ``&`` -> and, apostrophes
    dropped, other punctuation -> spaces (``"Head's e-mail"`` -> ``"heads e mail"``;
    ``"PhaseOfEducation (name)"`` -> ``"phase of education name"``).
``match_headings(headings, fields, ...) -> dict[int, Match]``
    Column index -> ``Match(field, confidence, column)``; each field is used once at most, the
    most confident pairing first. Confidence is 1.0 for an exact name/label/synonym. A heading
    that holds one as whole words *names* that field only if its other words do not make it
    name something else (see "Headings that name something else" below): with only neutral
    words besides ("School URN (DfE)") it is sure (``SURE`` or more); with words the matcher
    does not know ("Unique school URN") or a near-miss spelling ("Postcdoe") it is a guess,
    below ``SURE``, that the importer marks "check".
``competing(headings, fields)``
    The columns that also named a field another column took (the loser is shown to the user).

Headings that name something else
---------------------------------
Real files put the field's word in headings about other things: ``provider_postcode`` beside
``establishment_postcode``, ``Course Year``, ``Trainee Start Date``, GIAS ``HeadHonours``,
``LinkName``, ``Previous Last Name``, ``Middle name``, ``EstablishmentStatus (code)``,
``Course level``. English puts the thing named last and its owner first, so a heading holding
a field's name is refused for that field when
- a word follows the name that is not neutral ("Head *Honours*", "Course *level*", "Status
  *(code)*": a code column never feeds a text field), or
- a word before it marks another owner or another version (``FOREIGN``: provider, previous,
  middle, link...), or is a word of *another* field of the same kind and none of this one's
  ("*School* name" among people fields is the school's name, not the person's; "*Trainee*
  start date" among placement fields is not the placement's start). Words before one of the
  field's own words describe that owner ("Partner school URN") and only a foreign one refuses.
``find_header(rows, fields, ...) -> HeaderRow | None``
    The row (0-based ``index``) that is the header: the one within the first ``scan`` rows whose
    headings match the most fields, so title rows, merged banners, notes and blank rows above it
    are skipped. When no row matches two fields (an unfamiliar template), the first row that
    looks like headings (several distinct text cells, nearly as wide as the table) is returned
    with a low confidence. ``None`` when nothing looks like a header.
``find_header_in_sheets({sheet: rows}, fields)``
    The same over several sheets: ``(sheet_name, HeaderRow)`` of the best one, or ``None``.
``data_rows(rows, header)``
    The rows under the header as ``(row_number, values)`` (1-based, as the spreadsheet shows
    them), blank rows skipped, stopping at a trailing "Total"/"Notes" row; also says where it
    stopped and how many non-blank rows it left out, so the caller can tell the user.
``signature(headings)``, ``saved_mapping(purpose, headings)``, ``save_mapping(purpose,
headings, mapping)``
    A mapping the user confirmed (column index -> field name) is stored in ``SavedMapping`` under
    a purpose (e.g. ``"import:schools"``) and the SHA-256 of the normalised headings, and offered
    again for any file with the same headings. Only the two mapping functions touch the database.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from difflib import SequenceMatcher
from typing import Any

DEFAULT_THRESHOLD = 0.6
# A match at or above this names its field (exact, or the name with neutral words only); below
# it, the matcher is guessing and the importer asks the user to check the column.
SURE = 0.95
# Words that may stand beside a field's name without changing what the heading names.
NEUTRAL = frozenset({
    "a", "an", "the", "of", "for", "in", "at", "to", "on", "and", "or", "by", "s",
    "number", "no", "num", "nr", "ref", "dfe", "official", "main", "current", "this",
    "if", "known", "optional", "required", "mandatory", "please", "enter", "here", "text",
    "details", "value", "dd", "mm", "yyyy", "yy", "format", "address",
})
# Words before a field's name that make a heading name another owner or another version of it:
# a provider's postcode, a previous or middle name, a GIAS link, a degree's type.
FOREIGN = frozenset({
    "provider", "providers", "previous", "former", "maiden", "middle", "other", "alternative",
    "link", "links", "linked", "honours", "degree", "parent", "parents", "guardian",
    "emergency", "kin", "birth", "sponsor", "sponsors", "federation", "governor", "chair",
    "clerk", "proprietor", "lead", "accredited", "awarding", "institution", "employer",
    "nationality", "country", "old", "prior", "previously", "second", "additional", "ukprn",
    "boarding", "apprenticeship",
})
# One-word names so general that, with a word the matcher does not know before them, they name
# that other thing: GIAS "Gender (name)", "Diocese (name)"; "Ofsted status"; "Contract type".
GENERIC = frozenset({"name", "type", "status", "title", "date", "code", "number", "id",
                     "reference", "ref", "kind", "year", "start", "end"})
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
# "Total", "Grand total:", "Sub-total (all schools)": a totals row, however full it is.
_TOTAL = re.compile(r"^(grand\s+|sub[\s-]?)?totals?\s*(\(.*\))?\s*:?$", re.I)
# "Notes: ...", "Source - ...", "* provisional": a note, when the row is otherwise sparse.
_NOTE = re.compile(r"^((notes?|source|key)\s*([:\-]|$)|\*)", re.I)
# What a row's first text must start with (lower-cased) for _TOTAL or _NOTE to match it:
# their first letters, and the long s that re.IGNORECASE also takes for "s".
_TRAILER_STARTS = frozenset("gstnk*\u017f")


@dataclass(frozen=True)
class FieldSpec:
    """A field a column can be mapped to: its key, what users call it, and other names."""

    name: str
    label: str
    synonyms: tuple[str, ...] = ()
    # Words naming what the field belongs to ("school" for a school's postcode): beside the
    # field's name they do not make the heading name something else.
    owners: tuple[str, ...] = ()


@dataclass(frozen=True)
class Match:
    column: int
    field: str
    confidence: float


@dataclass(frozen=True)
class HeaderRow:
    index: int  # 0-based row index in ``rows``
    headings: list[str]  # the row as text, '' for empty cells, as wide as the widest row
    matches: dict[int, Match]
    confidence: float  # 0..1: how sure we are that this is the header row

    @property
    def row_number(self) -> int:
        """1-based, as a spreadsheet shows it."""
        return self.index + 1

    def mapping(self) -> dict[int, str]:
        return {col: m.field for col, m in self.matches.items()}


@dataclass
class DataBlock:
    rows: list[tuple[int, list[Any]]]  # (1-based row number, values as wide as the header)
    stopped_at: int | None = None  # 1-based row number of a totals/notes row, if any
    stopped_because: str = ""
    left_out: int = 0  # non-blank rows from the stop onwards that were not read
    blank_rows: int = 0
    extra: list[str] = field(default_factory=list)


def as_specs(fields: Iterable[Any]) -> list[FieldSpec]:
    """Accept (name, label, synonyms) tuples, FieldSpecs or objects with those attributes."""
    specs = []
    for f in fields:
        if isinstance(f, FieldSpec):
            specs.append(f)
        elif isinstance(f, (tuple, list)):
            name, label, *rest = f
            specs.append(FieldSpec(name, label, tuple(rest[0]) if rest and rest[0] else (),
                                   tuple(rest[1]) if len(rest) > 1 and rest[1] else ()))
        else:
            specs.append(FieldSpec(f.name, getattr(f, "label", f.name),
                                   tuple(getattr(f, "synonyms", ()) or ()),
                                   tuple(getattr(f, "owners", ()) or ())))
    return specs


def cell_text(value: Any) -> str:
    """A cell as heading text: '' for empty, whole floats without '.0'."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return str(value).strip()


def normalise(text: Any) -> str:
    raw = _CAMEL.sub(" ", cell_text(text))
    raw = raw.lower().replace("&", " and ").replace("'", "").replace("’", "").replace("`", "")
    return re.sub(r"[^0-9a-z\u00c0-\u024f]+", " ", raw).strip()


def _compact(text: str) -> str:
    return text.replace(" ", "")


class _Form:
    """One name of a field, normalised, with what scoring a heading against it needs."""

    __slots__ = ("field", "compact", "tokens", "seq", "count", "chars", "charset")

    def __init__(self, field: str, norm: str):
        self.field = field
        self.compact = _compact(norm)
        self.seq = tuple(norm.split())
        self.tokens = frozenset(self.seq)
        self.count = len(self.seq)
        self.chars = _char_counts(self.compact)
        self.charset = frozenset(self.chars)


def _char_counts(text: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for ch in text:
        counts[ch] = counts.get(ch, 0) + 1
    return counts


class _Names:
    """The normalised names of every field, prepared once per match call.

    A heading is scored only against the names that can score at all: those sharing its
    compact form (exact), one of its words (containment) or a length close enough for a
    near-miss spelling, found through indexes rather than by trying every name. The scores are
    the same as trying every name: the same rules, in the same order, on the same candidates.
    """

    def __init__(self, specs: list[FieldSpec]):
        self.cache: dict[str, dict[str, float]] = {}
        self.exact: dict[str, str] = {}
        self.by_compact: dict[str, list[_Form]] = {}
        self.by_token: dict[str, list[_Form]] = {}
        self.by_length: dict[int, list[_Form]] = {}
        # every word of each field's names, and the fields whose names use each word: a
        # word before a name that belongs to another field only makes the heading that field's
        self.own: dict[str, frozenset[str]] = {}
        self.owned: dict[str, frozenset[str]] = {}  # the owner words alone
        self.owners: dict[str, set[str]] = {}
        for spec in specs:
            owners = frozenset(w for o in spec.owners for w in normalise(o).split())
            self.own[spec.name] = self.own.get(spec.name, frozenset()) | owners
            self.owned[spec.name] = self.owned.get(spec.name, frozenset()) | owners
            for raw in (spec.name.replace("_", " "), spec.label, *spec.synonyms):
                norm = normalise(raw)
                if not norm:
                    continue
                form = _Form(spec.name, norm)
                self.exact.setdefault(form.compact, spec.name)
                self.by_compact.setdefault(form.compact, []).append(form)
                for token in form.tokens:
                    self.by_token.setdefault(token, []).append(form)
                    self.owners.setdefault(token, set()).add(spec.name)
                self.own[spec.name] = self.own.get(spec.name, frozenset()) | form.tokens
                if len(form.compact) >= 5:
                    self.by_length.setdefault(len(form.compact), []).append(form)

    def score(self, heading: str) -> dict[str, float]:
        """Field -> confidence for one normalised heading (cached: data cells repeat)."""
        cached = self.cache.get(heading)
        if cached is None:
            cached = self.cache[heading] = self._score(heading) if len(heading) <= 80 else {}
        return cached

    def _candidates(self, compact: str, token_set: set[str]) -> dict[int, _Form]:
        """Every name that can give ``compact`` a score above 0 (and some that cannot)."""
        found: dict[int, _Form] = {}
        for form in self.by_compact.get(compact, ()):
            found[id(form)] = form
        for token in token_set:
            for form in self.by_token.get(token, ()):
                found[id(form)] = form
        size = len(compact)
        if size >= 5:
            for length in range(max(5, size - 3), size + 4):
                for form in self.by_length.get(length, ()):
                    found[id(form)] = form
        return found

    def _contained(self, form: _Form, tokens: list[str]) -> float:
        """The confidence that ``tokens`` (holding ``form``'s words) name ``form.field``; 0 when
        the other words make it name something else (see the module docstring)."""
        seq, n = form.seq, form.count
        for start in range(len(tokens) - n + 1):
            if tuple(tokens[start:start + n]) == seq:
                break
        else:
            return 0.0  # the words are there but not as the name, in order
        own = self.own.get(form.field, frozenset())
        if form.tokens <= self.owned.get(form.field, frozenset()):
            return 0.0  # "School" names a school's name alone, not "School number" or "type"
        for word in tokens[start + n:]:
            if word not in NEUTRAL and word not in own:
                return 0.0  # "Head honours", "Course level", "Status (code)"
        unknown = False
        owner_seen = False
        for word in reversed(tokens[:start]):
            if word in NEUTRAL:
                continue
            if word in own:
                # Words before one of the field's own ("*Partner* school URN") describe that
                # owner, not another thing: only a foreign word refuses them.
                owner_seen = True
                continue
            if word in FOREIGN or (not owner_seen and word in self.owners):
                return 0.0  # "Provider postcode", "School name" among people's fields
            unknown = True
        if unknown:
            if n == 1 and seq[0] in GENERIC:
                return 0.0  # "Gender (name)" is the gender's name, not the school's
            # Words the matcher does not know ("Unique school URN"): a guess, to be checked.
            return min(0.9, 0.55 + 0.4 * n / len(tokens))
        return SURE + 0.04 * n / len(tokens)

    def _other_words(self, form: _Form, token_set: set[str]) -> bool:
        """Whether the heading has a real word the name lacks: then it is not a misspelling
        (a plural of one of the name's words is still the name: "Last names")."""
        for word in token_set - form.tokens:
            if word.endswith("s") and word[:-1] in form.tokens:
                continue
            if word in NEUTRAL or word in FOREIGN or word in self.owners:
                return True
        return False

    def _score(self, heading: str) -> dict[str, float]:
        compact = _compact(heading)
        scores: dict[str, float] = {}
        if not compact:
            return scores
        tokens = heading.split()
        token_set = set(tokens)
        size = len(compact)
        chars: dict[str, int] | None = None
        charset: frozenset[str] = frozenset()
        best: dict[str, float] = {}
        for form in self._candidates(compact, token_set).values():
            comp = form.compact
            if comp == compact:
                value = 1.0
            elif form.tokens <= token_set:
                # The heading holds the name as whole words ("School URN (DfE)" holds "URN"):
                # it names the field unless its other words name something else.
                value = self._contained(form, tokens)
                if not value:
                    continue
            elif len(comp) >= 5 and size >= 5 and abs(len(comp) - size) <= 3:
                # A near-miss spelling ("Postcdoe"). SequenceMatcher's own quick bounds
                # (lengths, then shared characters) are worked out first without building
                # one: most names fail them.
                total = len(comp) + size
                if 2.0 * min(len(comp), size) / total < 0.86:
                    continue
                if chars is None:
                    chars = _char_counts(compact)
                    charset = frozenset(chars)
                counts = form.chars
                shared = sum([min(counts[ch], chars[ch]) for ch in form.charset & charset])
                if 2.0 * shared / total < 0.86:
                    continue
                if self._other_words(form, token_set):
                    continue  # "Status (code)" is not a misspelt "Status (name)"
                matcher = SequenceMatcher(None, comp, compact)
                if not (matcher.real_quick_ratio() >= 0.86 and matcher.quick_ratio() >= 0.86):
                    continue
                ratio = matcher.ratio()
                if ratio < 0.86:
                    continue
                value = 0.85 * ratio
            else:
                continue
            if value > best.get(form.field, 0.0):
                best[form.field] = value
        exact = self.exact.get(compact)
        if exact is not None:
            scores[exact] = 1.0
        for name, value in best.items():
            if name not in scores:
                scores[name] = round(value, 3)
        return scores


def match_headings(headings: Sequence[Any], fields: Iterable[Any], *,
                   threshold: float = DEFAULT_THRESHOLD,
                   ignore: Iterable[int] = (), _names: _Names | None = None) -> dict[int, Match]:
    """Column index -> Match for the headings that name a field, each field used once."""
    names = _names or _Names(as_specs(fields))
    skip = set(ignore)
    candidates = []
    for col, heading in enumerate(headings):
        if col in skip or not isinstance(heading, str):  # numbers and dates are never headings
            continue
        for name, conf in names.score(normalise(heading)).items():
            if conf >= threshold:
                candidates.append((-conf, col, name))
    candidates.sort()
    result: dict[int, Match] = {}
    used: set[str] = set()
    for neg, col, name in candidates:
        if col in result or name in used:
            continue
        result[col] = Match(col, name, -neg)
        used.add(name)
    return dict(sorted(result.items()))


def competing(headings: Sequence[Any], fields: Iterable[Any], matches: Mapping[int, Match], *,
              threshold: float = DEFAULT_THRESHOLD, ignore: Iterable[int] = ()) -> dict[int, Match]:
    """Columns left unmapped that also named a field another column took, with how closely.

    Shown to the user ("'site_postcode' also looks like Postcode; 'establishment_postcode'
    names it") so a wrong winner is easy to spot and swap.
    """
    names = _Names(as_specs(fields))
    taken = {m.field for m in matches.values()}
    skip = set(ignore) | set(matches)
    result: dict[int, Match] = {}
    for col, heading in enumerate(headings):
        if col in skip or not isinstance(heading, str):
            continue
        scores = [(conf, name) for name, conf in names.score(normalise(heading)).items()
                  if conf >= threshold and name in taken]
        if scores:
            conf, name = max(scores)
            result[col] = Match(col, name, conf)
    return result


def _width(rows: Sequence[Sequence[Any]]) -> int:
    return max((len(r) for r in rows), default=0)


def _padded(row: Sequence[Any], width: int) -> list[str]:
    texts = [cell_text(v) for v in row]
    return texts + [""] * (width - len(texts))


def _looks_like_headings(row: Sequence[Any], widest: int) -> bool:
    texts = [v for v in row if cell_text(v)]
    if len(texts) < 2 or len(texts) < 0.6 * widest:
        return False
    if any(isinstance(v, (int, float, date)) and not isinstance(v, bool) for v in texts):
        return False
    norms = [normalise(v) for v in texts]
    return len(set(norms)) == len(norms) and all(len(n) <= 80 for n in norms)


def find_header(rows: Sequence[Sequence[Any]], fields: Iterable[Any], *, scan: int = 40,
                threshold: float = DEFAULT_THRESHOLD, ignore: Iterable[int] = ()) -> HeaderRow | None:
    """The header row among the first ``scan`` rows (see the module docstring)."""
    specs = as_specs(fields)
    head = [list(r) for r in rows[:scan]]
    width = _width(head)
    skip = set(ignore)
    names = _Names(specs)
    best: tuple[int, float, int, dict[int, Match]] | None = None
    for index, row in enumerate(head):
        if sum(1 for v in row if cell_text(v)) < 1:
            continue
        matches = match_headings(row, specs, threshold=threshold, ignore=skip, _names=names)
        if not matches:
            continue
        total = sum(m.confidence for m in matches.values())
        key = (len(matches), total)
        if best is None or key > (best[0], best[1]):
            best = (len(matches), total, index, matches)
    needed = min(2, len(specs)) or 1
    if best is not None and best[0] >= needed:
        count, total, index, matches = best
        confidence = round(min(1.0, count / 3) * total / count, 3)
        return HeaderRow(index, _padded(head[index], width), matches, confidence)
    widest = max((sum(1 for v in r if cell_text(v)) for r in head), default=0)
    for index, row in enumerate(head):
        if _looks_like_headings(row, widest):
            matches = match_headings(row, specs, threshold=threshold, ignore=skip, _names=names)
            return HeaderRow(index, _padded(row, width), matches, 0.3)
    return None


def find_header_in_sheets(sheets: Mapping[str, Sequence[Sequence[Any]]], fields: Iterable[Any],
                          **kwargs) -> tuple[str, HeaderRow] | None:
    """The sheet whose header matches the most fields (first sheet wins ties)."""
    specs = as_specs(fields)
    best = None
    for name, rows in sheets.items():
        header = find_header(rows, specs, **kwargs)
        if header is None:
            continue
        key = (header.confidence >= 0.5, len(header.matches), header.confidence)
        if best is None or key > best[0]:
            best = (key, name, header)
    return (best[1], best[2]) if best else None


def _filled(v: Any) -> bool:
    if v is None or v == "":
        return False
    return not isinstance(v, str) or bool(v.strip())


def is_blank(row: Sequence[Any]) -> bool:
    """No cell holds anything (stops at the first that does: data rows cost one look)."""
    for v in row:
        if _filled(v):
            return False
    return True


def is_trailer(row: Sequence[Any], header_width: int) -> bool:
    """A totals row (first cell "Total"...) or a sparse notes row ("Notes:", "Source:", "*")."""
    first = next((v for v in row if _filled(v)), None)
    if not isinstance(first, str):
        return False
    first = first.strip()
    if first[:1].lower() not in _TRAILER_STARTS:  # neither pattern can match: most data rows
        return False
    if _TOTAL.match(first):
        return True
    return bool(_NOTE.match(first)) and sum(1 for v in row if _filled(v)) <= max(1, header_width // 2)


def data_rows(rows: Sequence[Sequence[Any]], header: HeaderRow) -> DataBlock:
    """The rows under ``header`` (see the module docstring)."""
    width = len(header.headings)
    header_width = sum(1 for h in header.headings if h)
    block = DataBlock(rows=[])
    for index in range(header.index + 1, len(rows)):
        row = rows[index]
        if is_blank(row):
            block.blank_rows += 1
            continue
        if is_trailer(row, header_width):
            block.stopped_at = index + 1
            block.stopped_because = cell_text(next(v for v in row if _filled(v)))[:40]
            block.left_out = sum(1 for r in rows[index:] if not is_blank(r))
            break
        if len(row) < width:
            row = list(row) + [None] * (width - len(row))
        block.rows.append((index + 1, row))
    return block


# -- saved mappings -----------------------------------------------------------------------


def signature(headings: Sequence[Any]) -> str:
    """SHA-256 of the normalised headings in order (empty trailing ones ignored)."""
    norms = [normalise(h) for h in headings]
    while norms and not norms[-1]:
        norms.pop()
    return hashlib.sha256("\x1f".join(norms).encode("utf-8")).hexdigest()


def saved_mapping(purpose: str, headings: Sequence[Any]) -> dict[int, str] | None:
    """The mapping last confirmed for files with these headings, or None."""
    from ..models import SavedMapping

    row = SavedMapping.get_or_none((SavedMapping.purpose == purpose)
                                   & (SavedMapping.signature == signature(headings)))
    if row is None:
        return None
    try:
        data = json.loads(row.mapping)
        return {int(col): str(name) for col, name in data.get("columns", {}).items()}
    except (ValueError, AttributeError, TypeError):
        return None


def save_mapping(purpose: str, headings: Sequence[Any], mapping: Mapping[int, str]) -> None:
    """Remember ``mapping`` (column index -> field name) for files with these headings."""
    from ..audit import now
    from ..models import SavedMapping, database

    payload = json.dumps({
        "columns": {str(col): name for col, name in sorted(mapping.items()) if name},
        "headings": [cell_text(h) for h in headings],
    }, ensure_ascii=False)
    sig = signature(headings)
    with database.atomic():
        updated = (SavedMapping.update(mapping=payload, updated_at=now())
                   .where((SavedMapping.purpose == purpose) & (SavedMapping.signature == sig))
                   .execute())
        if not updated:
            SavedMapping.create(purpose=purpose, signature=sig, mapping=payload, updated_at=now())
