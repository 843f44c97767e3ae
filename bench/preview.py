"""GUI figure ``gui_import_preview``: the import wizard's preview of a large file.

The wizard is driven as a user drives it (the file chosen, Next, Next) on a fresh copy of the
empty database with the 50,000-school GIAS CSV; reading and planning run on workers as usual
and are not the figure (the import figures measure them). The figure is the time from the
plan's arrival on the GUI thread (``ImportWizard._planned``, the moment the work is done)
until the preview's table has painted its first screen of rows: what the user waits for after
the plan, whatever the preview does with 50,000 rows.

The baseline, in the same process straight after: a bare ``QTableView`` over a minimal
``QAbstractTableModel`` of as many rows (fixed texts), shown in a dialog of the wizard's size
and timed the same way, until its first paint.
"""

from __future__ import annotations

import time
from typing import Any

from .gui import _idle, _patch_settings, _wait
from .tasks import NotAvailable, task


class _FirstPaint:
    """The wall-clock time of the first paint of ``widget`` after ``arm()``."""

    def __init__(self, app):
        from PySide6.QtCore import QEvent, QObject

        outer = self
        self.widget = None
        self.painted_at: float | None = None

        class Filter(QObject):
            def eventFilter(self, obj, event):  # noqa: N802 - Qt override
                if (outer.widget is not None and outer.painted_at is None
                        and event.type() == QEvent.Type.Paint and obj is outer.widget):
                    outer.painted_at = time.perf_counter()
                return False

        self.filter = Filter()
        app.installEventFilter(self.filter)

    def arm(self, widget) -> None:
        self.widget = widget
        self.painted_at = None


def _bare_table(rows: int, columns: int, size):
    from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
    from PySide6.QtWidgets import QDialog, QTableView, QVBoxLayout

    class Model(QAbstractTableModel):
        def rowCount(self, parent=QModelIndex()):  # noqa: B008, N802 - Qt override
            return 0 if parent.isValid() else rows

        def columnCount(self, parent=QModelIndex()):  # noqa: B008, N802 - Qt override
            return 0 if parent.isValid() else columns

        def data(self, index, role=Qt.ItemDataRole.DisplayRole):
            if role == Qt.ItemDataRole.DisplayRole:
                return f"row {index.row() + 1} column {index.column() + 1}"
            return None

    dialog = QDialog()
    layout = QVBoxLayout(dialog)
    view = QTableView()
    model = Model(view)
    view.setModel(model)
    layout.addWidget(view)
    dialog.resize(size)
    return dialog, view


@task("gui_import_preview")
def import_preview(db: str, path: str, kind: str, folder: str) -> dict[str, Any]:
    """Drive the wizard to the preview of ``path`` (see module)."""
    _patch_settings(folder)
    from PySide6.QtWidgets import QApplication

    try:
        from ui.app import application
        from ui.dialogs.import_wizard import ImportWizard
    except ModuleNotFoundError as exc:
        raise NotAvailable(f"the import wizard is missing ({exc})") from exc
    from ittdesk import db as dbmod

    app = application()
    dbmod.open_database(db, daily_backup=False)
    painted = _FirstPaint(app)
    wizard = ImportWizard(None, path)
    wizard.show()
    _wait(lambda: wizard.file_page.guessed_path == str(path) and _idle())
    index = wizard.file_page.kind_combo.findData(kind)
    wizard.file_page.kind_combo.setCurrentIndex(max(index, 0))
    started = time.perf_counter()
    wizard.next()
    _wait(lambda: wizard.currentId() == ImportWizard.PAGE_MAPPING and wizard.task is None)
    loaded = time.perf_counter() - started
    view = wizard.preview_page.add_view
    planned: dict[str, float] = {}
    original = wizard._planned

    def planned_then_shown(plan):
        planned["at"] = time.perf_counter()
        painted.arm(view.viewport())
        original(plan)

    wizard._planned = planned_then_shown
    wizard.mapping_page.planned = False
    started = time.perf_counter()
    wizard.next()
    _wait(lambda: wizard.currentId() == ImportWizard.PAGE_PREVIEW and wizard.task is None
          and painted.painted_at is not None)
    QApplication.processEvents()
    result: dict[str, Any] = {
        "seconds": painted.painted_at - planned["at"],
        "plan_s": planned["at"] - started, "load_s": loaded,
        "rows": wizard.preview_page.add_model.rowCount(),
    }
    size = wizard.size()
    wizard.done(0)  # closed without asking (close() would ask: nothing imported yet)
    dialog, bare_view = _bare_table(result["rows"], 4, size)
    painted.arm(bare_view.viewport())
    started = time.perf_counter()
    dialog.show()
    _wait(lambda: painted.painted_at is not None)
    result["baseline_seconds"] = painted.painted_at - started
    dialog.close()
    return result
