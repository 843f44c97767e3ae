"""An import's writes: many records of one kind created or changed at once, each audited as
``create`` or ``update`` audits one (``EntityService.create_many`` / ``update_many``).

A seam of its own because it is a different way of writing, not a different rule: the values
come already cleaned and checked (an import's plan), the caller holds the transaction, and the
rows go a block at a time through ``bulk`` (multi-row INSERT ... RETURNING, COPY on
PostgreSQL), ``statements.write_many``, ``bulk_indexes`` and ``sort_fill``, with the audit's bulk
path (``audit.record_created`` / ``record_many``) after each block. What it asks of a service is
its model, its entity name and ``person_of``; ``EntityService`` inherits it, so every service
has the same two bulk writes and a subclass may extend them (a placement's lead mentor).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, Generic, TypeVar

from .. import audit, sort_fill
from ..models.base import Versioned
from . import bulk, bulk_indexes, statements

M = TypeVar("M", bound=Versioned)


class BulkWrites(Generic[M]):
    """``create_many`` and ``update_many``: the bulk writes imports call, on every
    ``EntityService`` (which declares ``model`` and ``entity``)."""

    model: type[M]
    entity: str  # the name audit entries use, e.g. "school"

    # -- a hook for subclasses ---------------------------------------------------------------
    def person_of(self, values: dict[str, Any], record_id: int) -> int | None:
        """``person_id`` for a record not loaded as a model: a bulk write's values and new id.
        By default the record's ``person`` field, as most ``person_id`` hooks read it."""
        return values.get("person") if "person" in self.model._meta.fields else None

    def create_many(self, rows: Sequence[dict[str, Any]], *, person_ids: Sequence[int | None] | None = None,
                    import_run: int | None = None, note: str | None = None,
                    tick: Callable[[int], None] | None = None) -> list[int]:
        """Insert records whose values were already cleaned and checked (an import's plan);
        the new ids in row order. The caller holds the transaction.

        Multi-row inserts, sort keys in the same statement, model defaults filled in; then one
        audit entry per record, the entry ``create`` writes (all in one ``record_many``: COPY on
        PostgreSQL). ``tick(n)`` after each ``bulk.INSERT_CHUNK`` rows lets the caller report
        progress and cancel. ``person_ids`` when the caller knows whom each record
        concerns and the values do not say (a placement's trainee); else ``person_of``.
        """
        if not rows:
            return []
        # Written a block at a time, each block's audit entries straight after it: the rows as
        # the table takes them and the entries' JSON exist for one block, not for all (an
        # import of 50,000 held ~150 MB of them at once). Same rows, ids and entries, in order.
        # Every block writes the same columns (``names``, from all the rows), defaults filled.
        names = bulk.column_names(self.model, rows)
        entity, person_of = self.entity, self.person_of
        # The base hook for every row, without a call each (a school has no person: None)
        plain_person = type(self).person_of is BulkWrites.person_of
        has_person = "person" in self.model._meta.fields
        ids: list[int] = []
        keys_seen: dict[str, dict[str, str]] = {}  # a name's sort key worked out once
        # The search index and sort keys filled a block at a time (not a trigger per row), a
        # table's indexes built after its rows when it more than doubles (bulk_indexes)
        with bulk_indexes.inserting(self.model, len(rows)) as fill:
            for start in range(0, len(rows), bulk.WRITE_BLOCK):
                block = rows[start:start + bulk.WRITE_BLOCK]
                if tick is None:  # insert_returning's own statements: as many rows as fit in one
                    block_ids = bulk.insert_returning(self.model, block, names, keys_seen)
                else:
                    block_ids = []
                    for i in range(0, len(block), bulk.INSERT_CHUNK):
                        part = block[i:i + bulk.INSERT_CHUNK]
                        block_ids.extend(bulk.insert_returning(self.model, part, names, keys_seen))
                        tick(len(part))
                fill(block_ids)
                if person_ids is not None:
                    people = person_ids[start:start + bulk.WRITE_BLOCK]
                elif plain_person:
                    people = ([values.get("person") for values in block] if has_person
                              else [None] * len(block))
                else:
                    people = [person_of(values, new_id)
                              for values, new_id in zip(block, block_ids, strict=True)]
                audit.record_created(entity, block_ids, block, people, note=note, import_run=import_run)
                ids.extend(block_ids)
        return ids

    def update_many(self, diffs: Iterable[tuple[int, dict[str, Any], int | None]], *,
                    import_run: int | None = None, note: str | None = None,
                    tick: Callable[[int], None] | None = None) -> int:
        """Apply ``(record id, {field: (old, new)}, person id)`` changes already cleaned and
        checked (an import's plan), each audited as ``update`` audits it; empty ones skipped.
        Returns how many records changed. The caller holds the transaction. ``tick(n)`` every
        ``bulk.INSERT_CHUNK`` changes and at the end: ``n`` of them done (progress, cancel)."""
        model, entity, changed, entry = self.model, self.entity, audit.changed, audit.entry
        columns = model._meta.fields
        if sort_fill.UPDATE_TRIGGERS.get(model._meta.table_name) is not None:
            diffs = list(diffs)  # counted first: a sort table's rows refilled after many
        entries = []
        # a block's updates written together, one executemany per set of changed fields
        # (statements.write_many); a record changed twice has its first change written first
        pending: dict[int, dict[str, Any]] = {}
        done = written = 0
        with sort_fill.refilled_after_updates(
                model, len(diffs) if isinstance(diffs, list) else 0) as refill:
            for record_id, diff, person_id in diffs:
                if tick is not None:
                    done += 1
                    if done == bulk.INSERT_CHUNK:
                        tick(done)
                        done = 0
                if not diff:
                    continue
                if record_id in pending:
                    statements.write_many(model, list(pending.items()))
                    pending = {}
                pending[record_id] = {k: v[1] for k, v in diff.items()}
                refill(record_id, [columns[k].column_name for k in diff])
                entries.append(entry(entity, record_id, "update", changed(diff),
                                     person_id=person_id, note=note, import_run=import_run))
                if len(entries) == bulk.WRITE_BLOCK:  # audited a block at a time (bounded memory)
                    statements.write_many(model, list(pending.items()))
                    pending = {}
                    audit.record_many(entries)
                    written += len(entries)
                    entries = []
            if tick is not None and done:
                tick(done)
            statements.write_many(model, list(pending.items()))
            audit.record_many(entries)
        return written + len(entries)
