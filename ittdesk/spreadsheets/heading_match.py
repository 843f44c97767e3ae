"""Matching a header row's headings to fields: which column names which field, and how
sure that is (``headers`` finds the header row with it; the importer and the LA template
filler use it too).

Inputs
------
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
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
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

    __slots__ = ("field", "compact", "tokens", "seq", "count", "chars", "charset", "mask")

    def __init__(self, field: str, norm: str):
        self.field = field
        self.compact = _compact(norm)
        self.seq = tuple(norm.split())
        self.tokens = frozenset(self.seq)
        self.count = len(self.seq)
        self.chars = _char_counts(self.compact)
        self.charset = frozenset(self.chars)
        self.mask = _char_mask(self.charset)


def _char_counts(text: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for ch in text:
        counts[ch] = counts.get(ch, 0) + 1
    return counts


# A bit per letter and digit; every other character (accented letters) shares the last one.
_BITS = {ch: 1 << n for n, ch in enumerate("abcdefghijklmnopqrstuvwxyz0123456789")}
_OTHER_BIT = 1 << len(_BITS)


def _char_mask(charset: Iterable[str]) -> int:
    """The characters of a compact heading as bits (see ``HeadingScorer._score``)."""
    mask = 0
    for ch in charset:
        mask |= _BITS.get(ch, _OTHER_BIT)
    return mask


class HeadingScorer:
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
        mask = 0
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
                    mask = _char_mask(charset)
                # Each character of one that the other lacks is one it cannot share: distinct
                # bits are distinct characters, so this bounds the count below from above and
                # refuses only what it would refuse, without counting (most data cells: the
                # header search scores ~60 names for each of ~1,300 cells, BENCHMARKS.md G10).
                bound = min(len(comp) - (form.mask & ~mask).bit_count(),
                            size - (mask & ~form.mask).bit_count())
                if 2.0 * bound / total < 0.86:
                    continue
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


_LAST_SCORER: tuple[tuple[FieldSpec, ...], HeadingScorer] | None = None
#: Headings a shared scorer remembers at most (a session opens many files of one kind).
SCORER_CACHE_LIMIT = 20_000


def scorer_for(specs: Sequence[FieldSpec]) -> HeadingScorer:
    """The scorer for ``specs``, the last one made when they are the same fields: opening a
    file finds its header row (scoring every cell of its first 40 rows) and then looks for
    columns that compete for a field (scoring its headings again), ~20 ms of a 139-column
    GIAS extract's load done twice (BENCHMARKS.md, G10). Scores depend on the specs alone."""
    global _LAST_SCORER
    key = tuple(specs)
    last = _LAST_SCORER
    if last is not None and last[0] == key:
        if len(last[1].cache) > SCORER_CACHE_LIMIT:
            last[1].cache.clear()
        return last[1]
    scorer = HeadingScorer(list(key))
    _LAST_SCORER = (key, scorer)
    return scorer


def match_headings(headings: Sequence[Any], fields: Iterable[Any], *,
                   threshold: float = DEFAULT_THRESHOLD,
                   ignore: Iterable[int] = (), _names: HeadingScorer | None = None) -> dict[int, Match]:
    """Column index -> Match for the headings that name a field, each field used once."""
    names = _names or scorer_for(as_specs(fields))
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
    names = scorer_for(as_specs(fields))
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
