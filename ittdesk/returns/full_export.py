"""The full export: every table to one workbook, a sheet per entity, readable by the importer.

Layout (the contract with the importer, see ``SHEETS``):

* one sheet per entity, in dependency order (a sheet only refers to sheets before it);
* row 1 is the header: ``ID`` (the record's id in this database), then the service's Field
  labels ("URN", "Name", "Local authority"...), then the few stored columns that are not
  editable fields (an agreement's "Reference", a person's "Erased");
* a reference to another record holds that record's ``ID`` on the referenced sheet (the
  importer maps those ids to the new records' ids);
* values are what the field parsers read back: vocabulary labels ("Primary", "Placement
  school"), money in pounds, dates as date cells, academic years as ``2025/26``, TRNs as text.

The ``Settings`` sheet has Key/Value rows (JSON values). The audit trail is history, not
records: it goes on the last sheet for reference and an import ignores it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, cast

from ..models import AuditEntry, Setting
from ..services.agreements import (
    activities,
    agreements,
    leaders,
    parties,
    reports,
    signatures,
    spend,
)
from ..services.base import EntityService, Field, Kind
from ..services.events import attendance, events
from ..services.people import designations, mentor_training, people, roles
from ..services.placement_rules import placement_rules, term_dates
from ..services.programmes import cohorts, enrolments, placements, programmes
from ..services.schools import schools
from ..spreadsheets.safe import atomic_write
from ..spreadsheets.writer import (
    CancelFn,
    Cancelled,
    ProgressFn,
    SheetColumn,
    Styles,
    measure,
    row_writer,
    set_widths,
    workbook,
    write_value,
)

ID_HEADING = "ID"


@dataclass(frozen=True)
class Links:
    """Records tied to a sheet's rows that are not fields of theirs (a placement's mentors
    besides its lead): one last column of IDs on the ``target`` sheet, "; " between. ``read``
    gives every row's (one query); ``restore`` links the rows read back, in bulk, and is
    called for every row (an export older than the column restores what the row implies)."""

    heading: str
    target: str
    read: Callable[[], dict[int, list[int]]]
    restore: Callable[[Sequence[tuple[int, Sequence[int]]]], None]


@dataclass(frozen=True)
class Sheet:
    name: str
    service: EntityService[Any]
    extra: tuple[tuple[str, str], ...] = ()  # (model column, heading) not among the Fields
    # Fields whose value is a saved state, not a new record's input: read back as stored and
    # left out of the service's creation rules (an agreement is created as a draft, but an
    # exported active agreement is restored as active).
    state: tuple[str, ...] = ()
    # A sheet added in a later version: an export made before it still reads back without it.
    optional: bool = False
    links: Links | None = None


SHEETS: list[Sheet] = [
    Sheet("Schools", schools),
    Sheet("People", people, (("erased", "Erased"),)),
    Sheet("Roles", roles),
    Sheet("Mentor training", mentor_training),
    Sheet("Designations", designations),
    Sheet("Programmes", programmes),
    Sheet("Cohorts", cohorts),
    Sheet("Enrolments", enrolments),
    Sheet("Placements", placements, links=Links(
        "Other mentors", "People", placements.other_mentors, placements.restore_mentors)),
    Sheet("Support agreements", agreements, (("reference", "Reference"),), state=("status",)),
    Sheet("Agreement parties", parties),
    Sheet("System leaders", leaders),
    Sheet("Agreement activities", activities),
    Sheet("Impact reports", reports),
    Sheet("Spend", spend),
    Sheet("Signatures", signatures),
    Sheet("Events", events, optional=True),
    Sheet("Event attendance", attendance, optional=True),
    Sheet("Term dates", term_dates, optional=True),
    Sheet("Placement rules", placement_rules, optional=True),
]
SETTINGS_SHEET = "Settings"
AUDIT_SHEET = "Audit trail"


#: the writer's column kind for each kind of field (anything else is text as stored)
_COLUMN_KINDS = {Kind.MONEY: "money",  # the writer's money cells show pence as pounds
                 Kind.DATE: "date", Kind.INTEGER: "int", Kind.REFERENCE: "int",
                 Kind.NUMBER: "number"}


Convert = Callable[[Any], Any]  # a stored value -> its cell value


def _kind_and_convert(spec: Field) -> tuple[str, Convert]:
    """The column kind and stored-value -> cell-value conversion for a declared field."""
    vocabulary = spec.choices
    if vocabulary is not None:
        return "text", lambda v: vocabulary.label(v) if v is not None else None
    if spec.kind is Kind.YEAR:
        return "text", lambda v: str(v) if v is not None else None
    return _COLUMN_KINDS.get(spec.kind, "text"), lambda v: v


def sheet_columns(sheet: Sheet) -> tuple[list[SheetColumn], list[str], list[Convert]]:
    """Columns (for the writer), the model attribute each reads, and each value converter."""
    columns = [SheetColumn("id", ID_HEADING, "int", total=False, width=8)]
    attrs = ["id"]
    converters: list[Convert] = [lambda v: v]
    model = sheet.service.model
    for spec in sheet.service.fields:
        kind, convert = _kind_and_convert(spec)
        field = model._meta.fields[spec.name]
        columns.append(SheetColumn(spec.name, spec.label, kind, total=False))
        attrs.append(field.column_name)
        converters.append(convert)
    for attr, heading in sheet.extra:
        columns.append(SheetColumn(attr, heading, total=False))
        attrs.append(model._meta.fields[attr].column_name)
        converters.append(lambda v: v)
    if sheet.links is not None:  # last, after every column a row is read from
        columns.append(SheetColumn(LINKS_KEY, sheet.links.heading, total=False))
    return columns, attrs, converters


LINKS_KEY = "_links"


def links_text(ids: Sequence[int]) -> str | None:
    return "; ".join(str(i) for i in ids) or None


def _rows(sheet: Sheet, attrs: list[str], converters: list[Convert]) -> Iterator[tuple[Any, ...]]:
    model = sheet.service.model
    selected = [model._meta.columns[a] for a in attrs]
    linked = sheet.links.read() if sheet.links is not None else None
    for record in model.select(*selected).order_by(model.id).tuples():
        row = tuple(convert(value) for convert, value in zip(converters, record, strict=True))
        yield row if linked is None else (*row, links_text(linked.get(record[0], ())))


def count_records() -> int:
    return sum(s.service.model.select().count() for s in SHEETS)


def export_all(target: Path, *, progress: ProgressFn | None = None,
               cancelled: CancelFn | None = None, include_audit: bool = True) -> dict[str, int]:
    """Write every table to ``target`` (atomically); returns rows written per sheet."""
    total = count_records() + (AuditEntry.select().count() if include_audit else 0)
    written: dict[str, int] = {}
    done = [0]

    def tick() -> None:
        done[0] += 1
        if not done[0] % 500:
            if cancelled is not None and cancelled():
                raise Cancelled()
            if progress is not None:
                progress(done[0], total)

    def write(tmp: Path) -> None:
        with workbook(tmp) as wb:
            _fill(wb, Styles(wb))

    def _fill(wb: Any, styles: Styles) -> None:  # an xlsxwriter Workbook
        for sheet in SHEETS:
            columns, attrs, converters = sheet_columns(sheet)
            rows = list(_rows(sheet, attrs, converters))
            written[sheet.name] = _write_sheet(wb, styles, sheet.name, columns, rows, tick)
        settings_rows = [(row.key, row.value) for row in Setting.select().order_by(Setting.key)]
        written[SETTINGS_SHEET] = _write_sheet(
            wb, styles, SETTINGS_SHEET, [SheetColumn("key", "Key"), SheetColumn("value", "Value")], settings_rows,
            tick)
        if include_audit:
            columns = [SheetColumn("at", "When", "date"), SheetColumn("user", "User"),
                       SheetColumn("entity", "Record kind"), SheetColumn("entity_id", "Record ID", "int"),
                       SheetColumn("action", "Action"), SheetColumn("changes", "Changes", width=80),
                       SheetColumn("note", "Note")]
            query = cast("Iterable[tuple[datetime, str, str, int | None, str, str | None, str | None]]",
                         AuditEntry.select(AuditEntry.at, AuditEntry.user, AuditEntry.entity,
                                           AuditEntry.entity_id, AuditEntry.action,
                                           AuditEntry.changes, AuditEntry.note)
                         .order_by(AuditEntry.id).tuples())
            written[AUDIT_SHEET] = _write_sheet(wb, styles, AUDIT_SHEET, columns, query, tick)
        if cancelled is not None and cancelled():
            raise Cancelled()

    atomic_write(Path(target), write)
    if progress is not None:
        progress(total, total)
    return written


def _write_sheet(wb: Any, styles: Styles, name: str, columns: list[SheetColumn],
                 rows: Iterable[Sequence[Any]], tick: Callable[[], None]) -> int:
    ws = wb.add_worksheet(name)
    set_widths(ws, measure(columns, rows[:300] if isinstance(rows, list) else []))
    ws.freeze_panes(1, 1)
    for c, column in enumerate(columns):
        write_value(ws, 0, c, column.heading, styles, styles.header)
    cells = row_writer(ws, columns, styles)
    count = 0
    for count, row in enumerate(rows, start=1):
        cells(count, row)
        tick()
    ws.autofilter(0, 0, count, len(columns) - 1)
    return count


def plain_records() -> dict[str, list[dict[str, Any]]]:
    """Every record as plain comparable values, keyed by sheet (for round-trip checks)."""
    result: dict[str, list[dict[str, Any]]] = {}
    for sheet in SHEETS:
        columns, attrs, converters = sheet_columns(sheet)
        result[sheet.name] = [dict(zip([c.heading for c in columns], row, strict=True))
                              for row in _rows(sheet, attrs, converters)]
    return result
