"""What the user does with a list's records: open, create, delete, export and print them.

Kept apart from ``list_panel`` (which builds the list and keeps it filled) because these act on
the records a list shows rather than on the list itself, through the main window and the
services. ``ListActions`` is a mixin of ``ListPanel``: it uses the panel's ``table``, ``model``,
``query``, ``service``, ``noun``, ``main_window`` and its selection methods.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMessageBox

from ittdesk.errors import IttDeskError

from ..operations import read, write
from ..tasks import run_task

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from ittdesk.queries import ListQuery

    from ..models.list_model import RecordListModel
    from ..printing import Prepared
    from .list_panel import RecordTable

    _PanelBase = QWidget  # the type checker sees the widget ListPanel mixes this into
else:
    _PanelBase = object


def list_document(query: ListQuery, keys: list[str], ids: list[int], total: int, search: str,
                  filters: dict[str, str], title: str, noun: str, limit: int, dpi: float
                  ) -> tuple[str, bool]:
    """A list's first ``limit`` rows (``ids``, of ``total``) as a printable table, and whether it
    goes landscape: the columns ``keys`` that fit with their longest word whole, headings
    repeated on every page. Reads the rows: call it on a worker (``dpi``: the screen's, asked
    on the GUI thread)."""
    from html import escape

    from ittdesk.queries.export import describe_filters

    from ..table_fit import TABLE_POINTS, fit_table

    cols = [query.column(k) for k in keys]
    rows = query.rows(ids, keys)
    texts = [[c.display(v) for c, v in zip(cols, rows[i], strict=True)]
             for i in ids if i in rows]
    fit = fit_table([c.label for c in cols], texts, dpi=dpi)
    cols = cols[:fit.columns]
    head = "".join(f"<th align='left' width='{pct}%'>{escape(c.label)}</th>"
                   for c, pct in zip(cols, fit.percents, strict=True))
    body = "".join("<tr>" + "".join(f"<td>{escape(t)}</td>" for t in row[:fit.columns])
                   + "</tr>" for row in texts)
    described = "; ".join(f"{k}: {v}" for k, v in describe_filters(query, search, filters))
    more = (f"<p>Showing the first {limit:,} of {total:,}; export the list for "
            "all of them.</p>" if total > limit else "")
    left_out = (f"<p>Left out to fit the page: {escape(', '.join(fit.left_out))}. Hide "
                "other columns (Columns button) to print these.</p>" if fit.left_out else "")
    html = (f"<h2>{escape(title)}</h2><p>{escape(described) or 'All records'} · "
            f"{total:,} {noun}</p>{more}{left_out}"
            f"<table border='1' cellspacing='0' cellpadding='3' width='100%' "
            f"style='font-size: {TABLE_POINTS}pt'>"
            f"<thead><tr>{head}</tr></thead>{body}</table>")
    return html, fit.landscape


def prepare_list(title: str, **request: Any) -> Prepared:
    """Worker: ``list_document`` laid out on its pages, for the preview to paint."""
    from ..printing import page_options, prepare

    html, landscape = list_document(title=title, **request)
    return prepare(html, page_options(title, "", title=title, landscape=landscape))


def delete_each(service: Any, ids: list[int], versions: dict[int, int] | None = None
                ) -> tuple[list[Any], list[str]]:
    """Delete each record (worker thread): the audit entries of those deleted (their undo) and
    the reasons the others were refused. ``versions``: each record's version when the user
    was asked (``seen_for_delete``); one changed since is refused, naming who changed it and
    when (``ConflictError``), not deleted unseen."""
    versions = versions or {}
    entries, refused = [], []
    for record_id in ids:
        try:
            entries.append(service.delete(record_id, expected_version=versions.get(record_id)))
        except IttDeskError as exc:
            refused.append(str(exc))
    return entries, refused


def seen_for_delete(service: Any, ids: list[int]) -> tuple[str | None, dict[int, int]]:
    """What the user is asked about (worker thread): one record's description, and each
    record's version as it is now, which the delete then checks (``delete_each``)."""
    what = service.describe(service.get(ids[0])) if len(ids) == 1 else None
    return what, service.versions(ids)


class ListActions(_PanelBase):
    """The open / new / delete / export / print half of ``ListPanel``."""

    # What it uses of the panel (set by ``ListPanel.__init__``), declared for the type checker.
    main_window: Any
    query: ListQuery
    service: Any
    noun: tuple[str, str]
    model: RecordListModel
    table: RecordTable

    if TYPE_CHECKING:
        def selected_ids(self) -> list[int]: ...
        def current_id(self) -> int | None: ...

    def _add_context_actions(self) -> None:
        open_act = QAction("Open", self.table)
        open_act.triggered.connect(self.open_selected)
        delete_act = QAction("Delete…", self.table)
        delete_act.triggered.connect(self.delete_selected)
        copy_act = QAction("Copy rows", self.table)
        copy_act.triggered.connect(self.copy_selected)
        export_act = QAction("Export list…", self.table)
        export_act.triggered.connect(self.export)
        self.table.addActions([open_act, copy_act, delete_act, export_act])

    def open_selected(self) -> None:
        record_id = self.current_id()
        if record_id is None:
            index = self.table.currentIndex()
            record_id = self.model.id_at(index.row()) if index.isValid() else None
        if record_id is not None:
            self.main_window.open_record(self.query.entity, record_id)

    def new_record(self, **defaults: Any) -> None:
        self.main_window.open_record(self.query.entity, None, **defaults)

    def delete_selected(self) -> None:
        """Asks first, naming what is deleted; the versions read with that name are the ones
        the delete checks, so a record changed by someone else meanwhile is refused, not
        deleted unseen. Read on a worker, one record or many: on a shared database even a
        read by key may wait on the network."""
        ids = self.selected_ids()
        if not ids or self.service is None:
            return
        service = self.service
        read(self, seen_for_delete, service, ids,
             on_done=lambda seen: self._confirm_delete(service, ids, *seen))

    def _confirm_delete(self, service: Any, ids: list[int], one: str | None,
                        versions: dict[int, int]) -> None:
        if one is not None:
            what = one
            question = f"Delete {what}?"
        else:
            what = f"{len(ids)} {self.noun[1]}"
            question = f"Delete these {what}?"
        answer = QMessageBox.question(
            self, "Delete", f"{question}\n\nYou can bring it back straight after with Edit > Undo "
            "delete (Ctrl+Z).", QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel)
        if answer != QMessageBox.StandardButton.Yes:
            return
        noun, kind = self.noun[1], self.query.entity

        def deleted(outcome: tuple[list[Any], list[str]]) -> None:
            entries, refused = outcome
            if entries:
                self.main_window.remember_delete(service, entries, what if not refused
                                                 else f"{len(entries)} {noun}")
            if refused:
                more = f"\n\n…and {len(refused) - 3} more" if len(refused) > 3 else ""
                QMessageBox.warning(self, "Not deleted", "\n\n".join(refused[:3]) + more)

        write(self, delete_each, service, ids, versions, on_done=deleted,
              changes=lambda outcome: {kind} if outcome[0] else ())

    def copy_selected(self) -> None:
        """The selected rows (in the list's order) with headings onto the clipboard as
        tab-separated text, which Excel pastes as cells. Read on a worker: a selection may be the
        whole list of 50,000 schools."""
        ids = self.selected_ids()
        if not ids:
            return
        from ittdesk.queries.export import copy_text

        count = len(ids)

        def copied(text: str) -> None:
            from PySide6.QtGui import QGuiApplication

            QGuiApplication.clipboard().setText(text)
            noun = self.noun[0] if count == 1 else self.noun[1]
            self.main_window.statusBar().showMessage(
                f"Copied {count:,} {noun} with headings: paste them into Excel", 6000)

        run_task(self, copy_text, self.query, ids, self.visible_columns(), on_done=copied,
                 progress_title=f"Copying {self.noun[1]}…")

    def visible_columns(self) -> list[str]:
        header = self.table.horizontalHeader()
        order = sorted(range(len(self.query.columns)), key=header.visualIndex)
        return [self.query.columns[n].key for n in order if not self.table.isColumnHidden(n)]

    def export(self, title: str = "") -> None:
        from ittdesk import clock

        from ..files import ask_save_path

        target = ask_save_path(self, f"Export {self.noun[1]}",
                               f"{self.query.name}-{clock.today():%Y-%m-%d}.xlsx",
                               "Excel workbook (*.xlsx);;CSV file (*.csv)", (".xlsx", ".csv"))
        if target is not None:
            self.export_to(target, title, offer_open=True)

    def export_to(self, target, title: str = "", offer_open: bool = False):
        from ittdesk.queries.export import export_list

        def exported(n: int) -> None:
            text = f"Exported {n:,} {self.noun[1]} to {target}"
            self.main_window.statusBar().showMessage(text, 8000)
            if offer_open:
                from ..files import offer_to_open

                offer_to_open(self, target, f"Exported {n:,} {self.noun[1]}.")

        return run_task(
            self, export_list, self.query, target, search=self.model.search,
            filters=dict(self.model.filters), sort=self.model.sort_key,
            descending=self.model.descending, columns=self.visible_columns(),
            title=title or self.noun[1].capitalize(), on_done=exported,
            progress_title=f"Exporting {self.noun[1]}…")

    def printable_html(self, title: str, limit: int = 2000) -> tuple[str, bool]:
        """The list as a printable table, and whether it goes landscape (``list_document``)."""
        return list_document(**self._print_request(title, limit))

    def _print_request(self, title: str, limit: int) -> dict[str, Any]:
        """What printing the list needs of the panel, as plain values for a worker."""
        from ..table_fit import screen_dpi

        return {"query": self.query, "keys": self.visible_columns(),
                "ids": list(self.model.ids[:limit]), "total": len(self.model.ids),
                "search": self.model.search, "filters": dict(self.model.filters),
                "title": title, "noun": self.noun[1], "limit": limit, "dpi": screen_dpi()}

    def print_list(self, title: str) -> None:
        """Ctrl+P: the rows read, made into a table and laid out on pages on a worker; then the
        preview, which only paints them on the GUI thread (2,000 rows: ~130 pages)."""
        from ..print_dialogs import preview_prepared

        read(self, prepare_list, **self._print_request(title, 2000),
             on_done=lambda prepared: preview_prepared(self, prepared),
             progress_title=f"Preparing the {self.noun[1]} for printing…")
