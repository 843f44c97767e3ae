"""Spreadsheet import: read -> find header -> map -> clean -> plan (preview) -> apply (all or nothing).

The same three calls serve the CLI and the GUI wizard (which runs them on ``ui.tasks``)::

    source = load_source(path, "schools", sheet=None)     # refuses bad files; suggests a mapping
    plan = plan_import(source, mapping=None)              # nothing written: adds, updates, refusals
    result = apply_plan(plan, skip_invalid=False)         # one transaction, one ImportRun

Rules the whole import keeps:

- Fields are parsed by the services' own field specs (``service.clean``); an import kind adds only
  what a spreadsheet has and a form does not (e.g. the head teacher's name on a school row).
- A blank cell never wipes a stored value; "n/a", "-", "not given" are blank.
- Every refused row names its spreadsheet row, the column heading and the reason. With any
  refusal nothing is written unless ``skip_invalid`` is given.
- ``apply_plan`` works inside one transaction: if anything was written since the preview (a new
  audit entry exists) it matches the rows again first; it writes in bulk, writes one audit entry
  per changed record (linked to the ImportRun), saves the mapping for these headings, and rolls
  everything back on any error or on cancel.
- Files and mappings: ``ittdesk import KIND FILE --mapping FILE.json`` takes
  ``{"Heading in the file": "field name or label"}``; ``guess_kind`` says what a dropped file
  most looks like; ``past_imports`` lists the ImportRun rows.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from peewee import DataError, IntegrityError, fn

from .. import gcpolicy, memory
from ..errors import RefusedError
from ..models import ImportRun, database
from . import headers, heading_match, reading
from .import_base import (  # noqa: F401 - re-exported: the kinds, the CLI, the wizard, tests
    BAD,
    AddedChanges,
    ImportCancelled,
    ImportField,
    ImportKind,
    Item,
    Plan,
    Progress,
    Result,
    Source,
    warning_notes,
)
from .import_rows import Record, Refusal, read_records, remembering  # noqa: F401

#: Bulk work pauses the cyclic collector through the one policy both its owners respect
#: (ittdesk.gcpolicy): a 50,000-row sheet keeps millions of cells alive, and each collection
#: its allocations trigger — automatic, or the app's own on the GUI thread — walks them all.
paused_gc = gcpolicy.paused


def _show_labels(importer: ImportKind, items: list[Item]) -> None:
    """Vocabulary keys in the preview read as users know them ('primary' -> 'Primary')."""
    vocabularies = {spec.label: spec.choices for spec in importer.service.fields
                    if spec.choices is not None}
    if not vocabularies:
        return

    def relabel(changes: MutableMapping[str, tuple[Any, Any]]) -> None:
        for label, vocabulary in vocabularies.items():
            pair = changes.get(label)
            if pair is not None:
                old, new = pair
                changes[label] = (vocabulary.label(old) if old else old,
                                  vocabulary.label(new) if new else new)

    for item in items:
        changes = item.changes
        if isinstance(changes, AddedChanges):
            changes.after(relabel)  # when shown: an added record's changes are not held
        else:
            relabel(changes)


_KINDS: dict[str, ImportKind] = {}


def kinds() -> dict[str, ImportKind]:
    """schools, people, enrolments, placements (built once; they hold no state)."""
    if not _KINDS:
        from .import_attendance import AttendanceImport
        from .import_enrolments import EnrolmentImport
        from .import_people import PeopleImport
        from .import_placements import PlacementImport
        from .import_schools import SchoolImport

        for k in (SchoolImport(), PeopleImport(), EnrolmentImport(), PlacementImport(),
                  AttendanceImport()):
            _KINDS[k.name] = k
    return _KINDS


def kind_for(name: str) -> ImportKind:
    found = kinds().get(name)
    if found is None:
        raise RefusedError(f"Cannot import '{name}': choose one of {', '.join(kinds())}")
    return found


# -- reading and mapping ------------------------------------------------------------------


def load_source(path: str | Path, kind: str, sheet: str | None = None) -> Source:
    """Open the file, pick the sheet, find the header row and suggest a mapping."""
    with paused_gc():
        return _load_source(path, kind, sheet)


def _load_source(path: str | Path, kind: str, sheet: str | None) -> Source:
    importer = kind_for(kind)
    path = Path(path)
    book = reading.open_book(path)
    try:
        candidates = {sheet: book.sheet(sheet)} if sheet is not None else book.sheets()
        if not candidates:
            raise RefusedError(f"{path.name} has no data: every sheet is empty")
        # The sheet whose header names the most fields; failing that, the first sheet with
        # a row that looks like headings (the user maps its columns by hand).
        best = None
        for candidate in candidates.values():
            found = headers.find_header(candidate.head, importer.fields,
                                        ignore=candidate.hidden_columns)
            if found is None:
                continue
            key = (len(found.matches), found.confidence)
            if best is None or key > best[0]:
                best = (key, candidate, found)
        if best is None:
            where = f"The sheet '{sheet}' in {path.name}" if sheet else path.name
            raise RefusedError(f"{where} has no header row: no row of headings such as "
                               f"{', '.join(f.label for f in importer.fields[:4])}")
        _key, chosen, found = best
        for other_sheet in candidates.values():
            if other_sheet is not chosen:
                other_sheet.done_reading()
        other = importer.not_this_kind(found.headings)
        if other:
            raise RefusedError(f"{path.name} {other}")
    except RefusedError:
        book.close()
        raise
    saved = headers.saved_mapping(importer.purpose, found.headings)
    known = {f.name for f in importer.fields}
    if saved and all(name in known and col < len(found.headings) for col, name in saved.items()):
        mapping, origin = dict(saved), "saved"
    else:
        mapping, origin = found.mapping(), "matched"
    notes = []
    labels = {f.name: f.label for f in importer.fields}
    winners = {name: col for col, name in mapping.items()}
    for col, lost in heading_match.competing(found.headings, importer.fields, found.matches,
                                       ignore=chosen.hidden_columns).items():
        if lost.field in winners and col not in mapping:
            notes.append(f"'{found.headings[col]}' also looks like {labels[lost.field]}; "
                         f"'{found.headings[winners[lost.field]]}' was used as it names it "
                         "more closely (swap them in the mapping if not)")
    if found.index > 0:
        notes.append(f"Headings found on row {found.row_number} of sheet '{chosen.name}'")
    hidden = sorted(c for c in chosen.hidden_columns if c < len(found.headings) and found.headings[c])
    if hidden:
        notes.append("Hidden columns ignored unless you map them: "
                     + ", ".join(f"'{found.headings[c]}'" for c in hidden))
    return Source(path, kind, book, chosen, found, mapping, origin, notes)


def guess_kind(path: str | Path) -> str:
    """The kind of records a file most looks like (for a file dropped on the window)."""
    book = reading.open_book(path)
    try:
        sheets = {name: sheet.head[:40] for name, sheet in book.sheets().items()}
    finally:
        book.close()
    scores = {}
    for name, importer in kinds().items():
        if not getattr(importer, "guessed", True):
            continue  # chosen on purpose only (a sign-in sheet needs its event too)
        found = headers.find_header_in_sheets(sheets, importer.fields)
        if found is not None:
            header = found[1]
            scores[name] = (sum(1 for m in header.matches.values() if m.confidence >= 0.95),
                            header.confidence)
    if not scores:
        return "schools"
    best = max(scores, key=lambda n: scores[n])
    # A trainee list with placement columns (the DfE Register layout) is enrolments first:
    # placements can only be imported for trainees already enrolled.
    if best == "placements" and scores.get("enrolments", (0, 0))[0] >= scores[best][0] - 2:
        best = "enrolments"
    return best


def check_mapping(source: Source, mapping: dict[int, str]) -> None:
    importer = kind_for(source.kind)
    known = {f.name for f in importer.fields}
    seen: dict[str, int] = {}
    for col, name in mapping.items():
        if name not in known:
            raise RefusedError(f"'{name}' is not something {importer.label.lower()} can import "
                               f"(one of: {', '.join(sorted(known))})")
        if not 0 <= col < len(source.headings):
            raise RefusedError(f"The file has no column {col + 1}")
        if name in seen:
            raise RefusedError(f"Two columns are mapped to {importer.field(name).label}: "
                               f"'{source.headings[seen[name]]}' and '{source.headings[col]}'")
        seen[name] = col
    problems = importer.check_mapping(mapping)
    if problems:
        raise RefusedError("; ".join(problems))


def mapping_from_json(source: Source, data: dict[str, Any]) -> dict[int, str]:
    """A mapping file: {"Heading in the file": "field name", ...} (a null/"" value unmaps)."""
    importer = kind_for(source.kind)
    if not isinstance(data, dict):
        raise RefusedError("A mapping file must be a JSON object of heading -> field")
    by_heading = {heading_match.normalise(h): i for i, h in enumerate(source.headings) if h}
    mapping = dict(source.mapping)
    for heading, name in data.items():
        col = by_heading.get(heading_match.normalise(heading))
        if col is None:
            raise RefusedError(f"The mapping names a column '{heading}' the file does not have")
        if not name:
            mapping.pop(col, None)
            continue
        for f in importer.fields:
            if name in (f.name, f.label):
                name = f.name
                break
        else:
            raise RefusedError(f"The mapping maps '{heading}' to '{name}', which "
                               f"{importer.label.lower()} cannot import")
        mapping = {c: n for c, n in mapping.items() if n != name}
        mapping[col] = name
    return mapping


# -- planning -----------------------------------------------------------------------------


def read_source(source: Source, mapping: dict[int, str], refused: list[Refusal],
                notes: list[str], cancel: threading.Event | None = None) -> list[Record]:
    """The rows under the header as records of the mapped cells, read from the file again
    each time (a plan keeps its items, not these): refusals of cells (formulas, a CSV row
    with too many cells) go to ``refused``, where reading stopped to ``notes``."""
    importer = kind_for(source.kind)

    def check_cancel() -> None:
        if cancel is not None and cancel.is_set():
            raise ImportCancelled("Import cancelled; nothing was changed")

    dates = {f.name for f in importer.fields if f.is_date}
    # The sheet's rows are streamed: only the mapped cells of each row are kept (a record).
    block = headers.DataBlock(rows=[])
    records = read_records(headers.iter_data_rows(source.sheet.iter_rows(), source.header, block),
                           sorted(mapping.items()), source.headings, dates,
                           source.book.epoch_1904, refused, check_cancel,
                           delimiter=source.book.delimiter if source.book.kind == "csv" else "")
    source.sheet.done_reading()
    if block.stopped_at:
        notes.append(f"Stopped reading at row {block.stopped_at} ('{block.stopped_because}'): "
                     f"{block.left_out} row(s) from there on were not imported")
    return records


def plan_import(source: Source, mapping: dict[int, str] | None = None, *,
                options: dict[str, Any] | None = None, progress: Progress | None = None,
                cancel: threading.Event | None = None) -> Plan:
    """What applying would do; writes nothing."""
    try:
        with paused_gc(), remembering():
            return _plan_import(source, mapping, options, progress, cancel)
    finally:
        memory.trim()  # the records, parse memo and working sets are gone: free their pages


def _plan_import(source: Source, mapping: dict[int, str] | None, options: dict[str, Any] | None,
                 progress: Progress | None, cancel: threading.Event | None) -> Plan:
    if options is not None:
        source.options = dict(options)
    mapping = dict(source.mapping if mapping is None else mapping)
    importer = kind_for(source.kind)
    if not mapping:
        shown = ", ".join(f"'{h}'" for h in source.headings if h)[:200]
        raise RefusedError(
            f"No heading on row {source.header.row_number} of '{source.sheet.name}' is recognised "
            f"for {importer.label.lower()} ({shown}): map the columns (--mapping FILE.json)")
    check_mapping(source, mapping)
    refused: list[Refusal] = []
    notes = list(source.notes)
    if progress:
        progress(0, None, "Reading rows…")
    records = read_source(source, mapping, refused, notes, cancel)
    if not records and not refused:
        raise RefusedError(f"The sheet '{source.sheet.name}' has headings but no rows to import")
    columns = {name: source.headings[col] for col, name in mapping.items()}
    if progress:
        progress(0, len(records), f"Checking {len(records):,} rows…")
    bad_rows = {r.row for r in refused}
    records = [r for r in records if r.row not in bad_rows]
    mark = _audit_mark()
    items = importer.plan(records, columns, refused, source.options)
    _show_labels(importer, items)
    notes.extend(warning_notes(items))
    refused.sort(key=lambda r: r.row)
    # The records are not kept: applying a plan whose database moved on reads the file again.
    return Plan(source, mapping, items, refused, notes, audit_mark=mark)


def _audit_mark() -> int:
    from ..models import AuditEntry

    return AuditEntry.select(fn.MAX(AuditEntry.id)).scalar() or 0


# -- applying -----------------------------------------------------------------------------


def apply_plan(plan: Plan, *, skip_invalid: bool = False, progress: Progress | None = None,
               cancel: threading.Event | None = None, user_file_name: str | None = None) -> Result:
    """Write the plan in one transaction (re-matched inside it); all or nothing."""
    cache_mb = kind_for(plan.source.kind).apply_cache(plan)
    try:
        with paused_gc(), remembering(), _larger_page_cache(cache_mb):
            return _apply(plan, skip_invalid, progress, cancel, user_file_name)
    except (IntegrityError, DataError) as exc:
        # Validation should have caught it; if the database still says no, say so in one line.
        text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise RefusedError(f"The database refused the import ({text}); nothing was changed") from exc


@contextmanager
def _larger_page_cache(megabytes: int = 32) -> Iterator[None]:
    """SQLite's page cache at ``megabytes`` (the import kind's ``apply_cache_mb``; SQLite's
    default is 2 MB) while an import writes: tens of thousands of rows go into several
    indexes each (school name, postcode, audit entries...), whose pages otherwise leave the
    cache and are read back, and a page written out before the commit is first copied to the
    statement journal. (For the enrolments, 64 or 96 MB took no less CPU than 32 and held 35-70
    MB more: BENCHMARKS.md, E8 and E9.) Set back however the block ends."""
    from ..db import is_postgres

    if is_postgres():
        yield
        return
    old = database.execute_sql("PRAGMA cache_size").fetchone()[0]
    database.execute_sql(f"PRAGMA cache_size = {-1024 * int(megabytes)}")
    try:
        yield
    finally:
        database.execute_sql(f"PRAGMA cache_size = {int(old)}")


def _apply(plan: Plan, skip_invalid: bool, progress: Progress | None,
           cancel: threading.Event | None, user_file_name: str | None) -> Result:
    started = time.perf_counter()
    importer = kind_for(plan.source.kind)
    source = plan.source
    columns = {name: source.headings[col] for col, name in plan.mapping.items()}
    from ..db import write_transaction

    def waiting() -> None:
        if cancel is not None and cancel.is_set():
            raise ImportCancelled("Import cancelled; nothing was changed")
        if progress:
            progress(0, None, "Waiting for another import or save to finish…")

    # BEGIN IMMEDIATE: a second import waits its turn, however long the first one takes.
    with write_transaction(on_wait=waiting) as transaction:
        # Matching is redone here, inside the transaction: the database may have changed
        # since the preview. The rows are read from the file again (a plan keeps what it
        # shows, not the file's cells); a CSV file changed since is refused.
        if plan.audit_mark is not None and plan.audit_mark == _audit_mark():
            refused, items = list(plan.refused), plan.items
        else:
            refused = []
            records = read_source(source, plan.mapping, refused, [], cancel)
            bad_rows = {r.row for r in refused}
            records = [r for r in records if r.row not in bad_rows]
            items = importer.plan(records, columns, refused, source.options)
            del records
            _show_labels(importer, items)
        plan.audit_mark = None  # the writes below fill in ids: a second attempt re-plans
        refused.sort(key=lambda r: r.row)
        if refused and not skip_invalid:
            transaction.rollback()
            raise RefusedError(
                f"{len({r.row for r in refused})} row(s) refused, nothing was imported "
                f"(first: {refused[0]}). Correct the file, or import the valid rows only.")
        bad = {r.row for r in refused}
        items = [i for i in items if i.row not in bad]
        changing = [i for i in items if i.action in ("add", "update")]
        from .. import audit

        run = ImportRun.create(at=audit.now(), user=audit.current_user(), kind=importer.name,
                               file_name=(user_file_name or str(source.path))[-500:],
                               added=sum(1 for i in changing if i.action == "add"),
                               updated=sum(1 for i in changing if i.action == "update"),
                               refused=len(bad))
        total = len(changing)
        done = [0]
        last = [time.perf_counter()]

        def tick(count: int) -> None:
            done[0] += count
            if cancel is not None and cancel.is_set():
                raise ImportCancelled("Import cancelled; nothing was changed")
            now = time.perf_counter()
            if progress and (now - last[0] > 0.1 or done[0] >= total):
                last[0] = now
                rate = done[0] / max(now - started, 1e-6)
                progress(done[0], total, f"{done[0]:,} of {total:,} rows ({rate:,.0f} rows/s)")

        if cancel is not None and cancel.is_set():
            raise ImportCancelled("Import cancelled; nothing was changed")
        importer.write(changing, run.id, tick)
        if cancel is not None and cancel.is_set():
            raise ImportCancelled("Import cancelled; nothing was changed")
        headers.save_mapping(importer.purpose, source.headings, plan.mapping)
    return Result(run.id, run.added, run.updated, sum(1 for i in items if i.action == "same"),
                  refused, time.perf_counter() - started)


def run_import(path: str | Path, kind: str, *, sheet: str | None = None,
               mapping: dict[int, str] | None = None, options: dict[str, Any] | None = None,
               dry_run: bool = False,
               skip_invalid: bool = False, progress: Progress | None = None,
               cancel: threading.Event | None = None) -> tuple[Plan, Result | None]:
    """Load, plan and (unless ``dry_run``) apply: what the CLI does in one call."""
    source = load_source(path, kind, sheet)
    try:
        plan = plan_import(source, mapping, options=options, progress=progress, cancel=cancel)
        if dry_run:
            return plan, None
        return plan, apply_plan(plan, skip_invalid=skip_invalid, progress=progress, cancel=cancel)
    finally:
        source.book.close()


def past_imports(limit: int = 50) -> list[ImportRun]:
    return list(ImportRun.select().order_by(ImportRun.at.desc(), ImportRun.id.desc()).limit(limit))
