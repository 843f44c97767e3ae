"""Read a full export back into an empty database: the other half of the round trip.

The file is read with the importer's reader (``spreadsheets.reading``: calamine, bad files
refused) and every value goes through the services' own field parsers and rules
(``service.clean`` and ``service.check``), so a record that would be refused when typed is
refused here too. References hold the ``ID`` of a row on an earlier sheet; they are mapped to
the new records' ids as the sheets are read in order. Everything happens in one transaction:
any problem, or Cancel, and nothing is written.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from peewee import IntegrityError

from .. import audit
from .. import settings as settings_mod
from ..errors import RefusedError, ValidationError
from ..models import Setting
from ..models.base import writing
from ..services.base import Field, _integrity_message
from ..spreadsheets import heading_match, reading
from ..spreadsheets.writer import CancelFn, Cancelled, ProgressFn
from .full_export import ID_HEADING, LINKS_KEY, SETTINGS_SHEET, SHEETS, Sheet, sheet_columns

MAX_ERRORS = 20


def _ref_target(spec: Field) -> str:
    """The sheet a reference field points at (the sheet of the model it declares)."""
    assert spec.reference is not None
    for other in SHEETS:
        if other.service.model is spec.reference.model:
            return other.name
    raise KeyError(spec.name)


def _database_is_empty() -> bool:
    return not any(s.service.model.select().exists() for s in SHEETS)


def restore_export(path: Path, *, progress: ProgressFn | None = None,
                   cancelled: CancelFn | None = None) -> dict[str, int]:
    """Load a full export into this (empty) database; returns records added per sheet."""
    if not _database_is_empty():
        raise RefusedError("A full export can only be read into an empty database: this one "
                           "already has records (make a new database first)")
    book = reading.open_book(path)
    try:
        missing = [s.name for s in SHEETS if s.name not in book.sheet_names and not s.optional]
        if missing:
            raise RefusedError(f"{Path(path).name} is not an ITT Desk full export: it has no "
                               f"sheet {', '.join(repr(m) for m in missing)}")
        sheets = {s.name: book.sheet(s.name).rows if s.name in book.sheet_names else []
                  for s in SHEETS}
        settings_rows = (book.sheet(SETTINGS_SHEET).rows
                         if SETTINGS_SHEET in book.sheet_names else [])
    finally:
        book.close()
    total = sum(max(len(rows) - 1, 0) for rows in sheets.values())
    ids: dict[str, dict[Any, int]] = {}
    added: dict[str, int] = {}
    errors: list[str] = []
    done = 0
    with writing() as transaction:
        for sheet in SHEETS:
            ids[sheet.name] = {}
            added[sheet.name] = 0
            rows = sheets[sheet.name]
            if not rows:
                continue
            columns = _columns(sheet, rows[0], Path(path).name)
            audit_rows = []
            linked: list[tuple[int, list[int]]] = []
            for number, raw in enumerate(rows[1:], start=2):
                done += 1
                if cancelled is not None and not done % 200 and cancelled():
                    transaction.rollback()
                    raise Cancelled("Cancelled: nothing was read in")
                if progress is not None and not done % 200:
                    progress(done, total)
                cells = {name: reading.value(raw[i]) if i < len(raw) else None
                         for name, i in columns.items()}
                if all(v is None for v in cells.values()):
                    continue
                new_id = _add(sheet, cells, ids, errors, f"{sheet.name} row {number}")
                if new_id is None:
                    if len(errors) >= MAX_ERRORS:
                        break
                    continue
                ids[sheet.name][cells.get("id")] = new_id
                added[sheet.name] += 1
                if sheet.links is not None:
                    others = _linked_ids(sheet, cells.get(LINKS_KEY), ids, errors,
                                         f"{sheet.name} row {number}")
                    linked.append((new_id, others or []))
                person = _person_id(sheet, new_id, cells, ids)
                audit_rows.append(audit.entry(sheet.service.entity, new_id, "create",
                                              person_id=person,
                                              note=f"read in from full export {Path(path).name}"))
            if errors:
                transaction.rollback()
                more = "" if len(errors) < MAX_ERRORS else " (and possibly more)"
                raise ValidationError({"": "; ".join(errors[:5]) + more})
            if sheet.links is not None:
                sheet.links.restore(linked)
            audit.record_many(audit_rows)
        _restore_settings(settings_rows)
    if progress is not None:
        progress(total, total)
    return added


def _columns(sheet: Sheet, header: list[Any], file_name: str) -> dict[str, int]:
    """Field name -> column index, by the exact headings the export writes."""
    wanted, _attrs, _conv = sheet_columns(sheet)
    by_heading = {heading_match.normalise(h): i for i, h in enumerate(header) if h not in (None, "")}
    result = {}
    for column in wanted:
        index = by_heading.get(heading_match.normalise(column.heading))
        if index is None:
            required = column.heading == ID_HEADING or any(
                f.required for f in sheet.service.fields if f.name == column.key)
            if required:
                raise RefusedError(f"{file_name}: the sheet '{sheet.name}' has no column "
                                   f"'{column.heading}'")
            continue
        result[column.key] = index
    return result


def _add(sheet: Sheet, cells: dict[str, Any], ids: dict[str, dict[Any, int]],
         errors: list[str], where: str) -> int | None:
    service = sheet.service
    data = {}
    for spec in service.fields:
        if spec.name not in cells:
            continue
        value = cells[spec.name]
        if value is not None and spec.reference is not None:
            target = _ref_target(spec)
            mapped = ids[target].get(value)
            if mapped is None:
                errors.append(f"{where}: {spec.label} {value} is not an ID on the "
                              f"'{target}' sheet")
                return None
            value = mapped
        data[spec.name] = value
    values, problems = service.clean(data)
    if not problems:
        checked = {k: v for k, v in values.items() if k not in sheet.state}
        problems = service.check(service.merged(None, checked), None)
    if problems:
        errors.extend(f"{where}: {message}" for message in problems.values())
        return None
    for attr, _heading in sheet.extra:
        value = cells.get(attr)
        if attr == "erased":
            value = bool(value) and str(value).lower() not in ("false", "no", "0")
        elif attr == "reference":
            if not value:
                errors.append(f"{where}: Reference is required")
                return None
            value = str(value).strip().upper()
        values[attr] = value
    try:
        with writing():
            new_id: int = service.model.insert(**{k: v for k, v in values.items()
                                                   if v is not None}).execute()
            return new_id
    except IntegrityError as exc:
        errors.append(f"{where}: {_integrity_message(exc)}")
        return None


def _linked_ids(sheet: Sheet, value: Any, ids: dict[str, dict[Any, int]], errors: list[str],
               where: str) -> list[int] | None:
    """The new ids of the records a row's links column names ("12; 45": IDs on the links'
    sheet); None, with the problem said, when one is not there."""
    assert sheet.links is not None
    found = []
    for part in str(value if value is not None else "").replace(",", ";").split(";"):
        text = part.strip()
        if not text:
            continue
        try:
            old = int(float(text))
        except ValueError:
            old = None
        new = ids[sheet.links.target].get(old)
        if new is None:
            errors.append(f"{where}: {sheet.links.heading} {text} is not an ID on the "
                          f"'{sheet.links.target}' sheet")
            return None
        found.append(new)
    return found


def _person_id(sheet: Sheet, new_id: int, cells: dict[str, Any],
               ids: dict[str, dict[Any, int]]) -> int | None:
    """Whom the audit entry concerns, without a query per row where the row says it."""
    if sheet.name == "People":
        return new_id
    if sheet.name == "Placements":
        return sheet.service.person_id(sheet.service.get(new_id))
    field = getattr(sheet.service, "person_field", "person")
    if field and field in cells and cells[field] is not None:
        return ids["People"].get(cells[field])
    return None


def _restore_settings(rows: list[list[Any]]) -> None:
    for raw in rows[1:]:
        if len(raw) < 2:
            continue
        key, value = reading.value(raw[0]), reading.value(raw[1])
        if key not in settings_mod.DEFAULTS or value is None:
            continue
        try:
            json.loads(str(value))
        except ValueError:
            continue
        Setting.create(key=key, value=str(value))
