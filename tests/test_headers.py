"""Header-row detection and heading matching on plain grids (no files, no Qt)."""

from __future__ import annotations

from datetime import date

import pytest

from ittdesk.spreadsheets import headers, heading_match

FIELDS = [
    ("urn", "URN", ("School URN", "DfE number", "Establishment URN")),
    ("name", "Name", ("School name", "Name of School", "Establishment name")),
    ("head_name", "Headteacher", ("Head Teacher", "Head")),
    ("head_email", "Headteacher email", ("Head's e-mail", "Head email")),
    ("postcode", "Postcode", ("Post code",)),
    ("phase", "Phase", ("Phase of education",)),
]


def test_normalise_ignores_case_spacing_punctuation_and_camel_case():
    assert heading_match.normalise("  Head's   E-mail ") == "heads e mail"
    assert heading_match.normalise("PhaseOfEducation (name)") == "phase of education name"
    assert heading_match.normalise("URN") == "urn"
    assert heading_match.normalise(123456.0) == "123456"


def test_headings_match_by_label_synonym_and_containment_with_confidence():
    matches = heading_match.match_headings(
        ["DfE Number", "NAME OF SCHOOL", "head's e-mail", "Post  code", "School URN (old)", "Colour"],
        FIELDS)
    assert {c: m.field for c, m in matches.items()} == {
        0: "urn", 1: "name", 2: "head_email", 3: "postcode"}
    assert all(m.confidence == 1.0 for m in matches.values())


def test_each_field_goes_to_its_most_confident_column():
    matches = heading_match.match_headings(["School URN (old)", "URN"], FIELDS)
    assert {c: m.field for c, m in matches.items()} == {1: "urn"}


def test_a_heading_containing_a_field_name_matches_with_lower_confidence():
    matches = heading_match.match_headings(["Unique School URN number"], FIELDS)
    assert matches[0].field == "urn"
    assert 0.6 <= matches[0].confidence < 1.0


def test_misspelt_heading_still_matches():
    matches = heading_match.match_headings(["Postcdoe"], FIELDS)
    assert matches[0].field == "postcode"


def test_header_found_under_title_banner_notes_and_blank_rows():
    rows = [
        ["Moorside SCITT — partner schools 2025/26", "", "", ""],
        ["", "", "", ""],
        ["Please do not change the headings below. Updated 01/09/2025", "", "", ""],
        [None],
        ["School URN", "Name of School", "Head Teacher", "Phase"],
        [123456.0, "Fernbank Primary", "Siân O'Brien", "primary"],
    ]
    found = headers.find_header(rows, FIELDS)
    assert found.index == 4 and found.row_number == 5
    assert found.mapping() == {0: "urn", 1: "name", 2: "head_name", 3: "phase"}
    assert found.confidence > 0.9


def test_unfamiliar_template_header_is_found_with_low_confidence():
    rows = [["Return for Northmoor LA"], [], ["Ref", "Setting", "Lead contact", "Pupils"], []]
    found = headers.find_header(rows, FIELDS)
    assert found.index == 2 and found.confidence < 0.5
    assert found.headings == ["Ref", "Setting", "Lead contact", "Pupils"]


def test_no_header_in_a_grid_of_numbers():
    assert headers.find_header([[1, 2, 3], [4, 5, 6]], FIELDS) is None
    assert headers.find_header([], FIELDS) is None


def test_best_sheet_is_chosen_among_several():
    sheets = {
        "Instructions": [["How to fill this in"], ["Type one school per row"]],
        "Schools": [["Title"], ["URN", "School name", "Postcode"], [100000, "A", "LS1 1AA"]],
    }
    sheet, found = headers.find_header_in_sheets(sheets, FIELDS)
    assert sheet == "Schools" and found.index == 1


def test_data_rows_skip_blanks_and_stop_at_totals_reporting_what_was_left():
    rows = [
        ["URN", "School name", "Pupils"],
        [100000, "A", 10],
        ["", "", ""],
        [100001, "B", 20],
        ["Total", "", 30],
        ["Notes: figures from the census", "", ""],
    ]
    found = headers.find_header(rows, FIELDS)
    block = headers.data_rows(rows, found)
    assert [n for n, _ in block.rows] == [2, 4]
    assert block.stopped_at == 5 and block.left_out == 2 and block.blank_rows == 1


def test_a_school_called_total_is_not_a_totals_row():
    rows = [["URN", "School name", "Phase"], [100000, "Total Learning Academy", "Primary"]]
    block = headers.data_rows(rows, headers.find_header(rows, FIELDS))
    assert len(block.rows) == 1 and block.stopped_at is None


def test_fields_may_be_objects_with_name_and_label():
    class F:
        def __init__(self, name, label):
            self.name, self.label = name, label

    found = headers.find_header([["URN", "Name"], [1, date(2025, 1, 1)]], [F("urn", "URN"), F("name", "Name")])
    assert found.mapping() == {0: "urn", 1: "name"}


def test_signature_depends_on_normalised_headings_only():
    assert headers.signature(["School URN", "Name"]) == headers.signature([" school urn ", "NAME", ""])
    assert headers.signature(["URN", "Name"]) != headers.signature(["Name", "URN"])


def test_saved_mapping_is_reused_for_the_same_headings(db):
    row = ["Ref", "Setting", "Lead contact"]
    assert headers.saved_mapping("import:schools", row) is None
    headers.save_mapping("import:schools", row, {0: "urn", 1: "name"})
    headers.save_mapping("import:schools", row, {0: "urn", 1: "name", 2: "head_name"})
    assert headers.saved_mapping("import:schools", ["ref", "SETTING", "Lead Contact"]) == {
        0: "urn", 1: "name", 2: "head_name"}
    assert headers.saved_mapping("return:northmoor", row) is None


# -- the indexed scorer gives what trying every name gives ---------------------------------


_PREPARED: dict[int, tuple] = {}


def _reference_forms(specs) -> tuple:
    """Every field's names as (compact, words), and the words each field and all fields use."""
    exact: dict[str, str] = {}
    forms_of: dict[str, list] = {}
    for spec in specs:
        forms = []
        for raw in (spec.name.replace("_", " "), spec.label, *spec.synonyms):
            norm = heading_match.normalise(raw)
            if norm:
                forms.append((norm.replace(" ", ""), tuple(norm.split())))
                exact.setdefault(norm.replace(" ", ""), spec.name)
        forms_of[spec.name] = forms
    own = {name: {t for _c, toks in forms for t in toks} for name, forms in forms_of.items()}
    for spec in specs:
        own[spec.name] |= {w for o in spec.owners for w in heading_match.normalise(o).split()}
    used = set().union(*own.values()) if own else set()
    return exact, forms_of, own, used


def _reference_scores(specs, heading: str) -> dict[str, float]:
    """Scoring as it was written first: every field's every name tried in turn."""
    from difflib import SequenceMatcher

    compact = heading.replace(" ", "")
    if not compact or len(heading) > 80:
        return {}
    tokens = heading.split()
    scores: dict[str, float] = {}
    prepared = _PREPARED.get(id(specs))
    if prepared is None or prepared[0] is not specs:
        prepared = _PREPARED[id(specs)] = (specs, *_reference_forms(specs))
    _specs, exact, forms_of, own, used = prepared
    if compact in exact:
        scores[exact[compact]] = 1.0
    for name, forms in forms_of.items():
        if scores.get(name) == 1.0:
            continue
        best = 0.0
        for comp, toks in forms:
            if comp == compact:
                best = 1.0
                break
            if toks and set(toks) <= set(tokens):
                owned = {w for s in specs if s.name == name for o in s.owners
                         for w in heading_match.normalise(o).split()}
                if not set(toks) <= owned:
                    best = max(best, _reference_contained(toks, tokens, own[name], used))
            elif len(comp) >= 5 and len(compact) >= 5 and abs(len(comp) - len(compact)) <= 3:
                if any(w in heading_match.NEUTRAL or w in heading_match.FOREIGN or w in used
                       for w in set(tokens) - set(toks)
                       if not (w.endswith("s") and w[:-1] in toks)):
                    continue
                matcher = SequenceMatcher(None, comp, compact)
                if matcher.real_quick_ratio() >= 0.86 and matcher.quick_ratio() >= 0.86:
                    ratio = matcher.ratio()
                    if ratio >= 0.86:
                        best = max(best, 0.85 * ratio)
        if best > 0:
            scores[name] = round(best, 3)
    return scores


def _reference_contained(toks: tuple[str, ...], tokens: list[str], own: set[str],
                         used: set[str]) -> float:
    """The containment rule written plainly (the module docstring's wording)."""
    n = len(toks)
    starts = [i for i in range(len(tokens) - n + 1) if tuple(tokens[i:i + n]) == toks]
    if not starts:
        return 0.0
    before, after = tokens[:starts[0]], tokens[starts[0] + n:]
    if any(w not in heading_match.NEUTRAL and w not in own for w in after):
        return 0.0
    last_own = max((i for i, w in enumerate(before) if w in own and w not in heading_match.NEUTRAL),
                   default=-1)
    for i, w in enumerate(before):
        if w in heading_match.NEUTRAL or w in own:
            continue
        if w in heading_match.FOREIGN or (i > last_own and w in used):
            return 0.0
    if any(w not in heading_match.NEUTRAL and w not in own for w in before):
        if n == 1 and toks[0] in heading_match.GENERIC:
            return 0.0
        return min(0.9, 0.55 + 0.4 * n / len(tokens))
    return heading_match.SURE + 0.04 * n / len(tokens)


@pytest.mark.slow
def test_scores_are_those_of_trying_every_name_on_gias_headings_and_cells():
    from bench.gias import GIAS_COLUMNS, school_rows
    from ittdesk.spreadsheets.importing import kinds

    cells = list(GIAS_COLUMNS)
    for row in school_rows(40):
        cells.extend(v for v in row if isinstance(v, str))
    # near misses, partial names, words in another order, accents, names of every kind's fields
    cells += ["Postcdoe", "Shcool name", "Unique School URN number", "name school", "Téléphone",
              "Head teachr email", "URNs", "E mail", "Trainee ID number", "Placment URN", "x", ""]
    for importer in kinds().values():
        specs = heading_match.as_specs(importer.fields)
        cells += [f.label for f in specs] + [s for f in specs for s in f.synonyms]
    for importer in kinds().values():
        specs = heading_match.as_specs(importer.fields)
        names = heading_match.HeadingScorer(specs)
        for cell in cells:
            heading = heading_match.normalise(cell)
            assert names.score(heading) == _reference_scores(specs, heading), (importer.name, cell)


def test_gias_headings_map_to_the_school_fields():
    from bench.gias import GIAS_COLUMNS
    from ittdesk.spreadsheets.importing import kind_for

    found = headers.find_header([list(GIAS_COLUMNS)], kind_for("schools").fields)
    assert {GIAS_COLUMNS[c]: m.field for c, m in found.matches.items()} == {
        "URN": "urn", "LA (code)": "la_code", "LA (name)": "la_name",
        "EstablishmentName": "name", "TypeOfEstablishment (name)": "establishment_type",
        "EstablishmentStatus (name)": "status", "PhaseOfEducation (name)": "phase",
        "Trusts (name)": "trust", "Street": "address1", "Locality": "address2",
        "Address3": "address3", "Town": "town", "Postcode": "postcode",
        "SchoolWebsite": "website", "TelephoneNum": "phone", "HeadTitle (name)": "head_title",
        "HeadFirstName": "head_first_name", "HeadLastName": "head_last_name",
        "HeadPreferredJobTitle": "head_job_title",
        # status from its GIAS code when there is no name column, and from a past close date
        "EstablishmentStatus (code)": "status_code", "CloseDate": "close_date",
        # the district decides a school's mentor-funding region (issue 18)
        "DistrictAdministrative (code)": "district_code"}


def test_the_quick_look_before_the_totals_and_notes_patterns_misses_no_row():
    import sys

    for code in range(sys.maxunicode + 1):
        ch = chr(code)
        if headers._TOTAL.match(ch + "otal") or headers._NOTE.match(ch + "ote:") or (
                headers._NOTE.match(ch + "ource:") or headers._NOTE.match(ch + "ey:")
                or headers._NOTE.match(ch) or headers._TOTAL.match(ch + "rand total")
                or headers._TOTAL.match(ch + "ubtotal")):
            assert ch.lower() in headers._TRAILER_STARTS, hex(code)
    assert headers.is_trailer(["ſubtotal", 3], 4) and headers.is_trailer(["Total"], 4)
    assert not headers.is_trailer(["100000", "School"], 4)


def test_the_same_fields_share_one_scorer_whose_scores_are_a_fresh_ones(monkeypatch):
    """Finding a file's header and then the columns that compete for a field score its
    headings once: the scorer is shared while the fields are the same, and gives what a
    fresh one gives; other fields get their own, and what it remembers is bounded."""
    from bench.gias import GIAS_COLUMNS
    from ittdesk.spreadsheets.importing import kind_for, kinds

    schools = heading_match.as_specs(kind_for("schools").fields)
    shared = heading_match.scorer_for(schools)
    assert heading_match.scorer_for(list(schools)) is shared
    found = headers.find_header([list(GIAS_COLUMNS)], schools)
    assert found is not None and heading_match.normalise("EstablishmentName") in shared.cache
    fresh = heading_match.HeadingScorer(schools)
    for heading in GIAS_COLUMNS:
        norm = heading_match.normalise(heading)
        assert shared.score(norm) == fresh.score(norm)
    others = [k for k in kinds().values() if k.name != "schools"][0]
    assert heading_match.scorer_for(heading_match.as_specs(others.fields)) is not shared
    monkeypatch.setattr(heading_match, "SCORER_CACHE_LIMIT", 3)
    again = heading_match.scorer_for(schools)
    for word in ("a1", "b2", "c3", "d4", "e5"):
        again.score(word)
    assert len(heading_match.scorer_for(schools).cache) == 0
