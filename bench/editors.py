"""GUI figure ``gui_editors``: opening an existing record's editor on a large database.

Issue 15 item 7 asks that nothing load a whole table on the GUI thread (a figure: opening any
editor < 100 ms). The main window is opened on the database and left to settle, as for the list
figures; then, for each kind of record, a few existing records (spread over the table's ids)
are opened the way the app opens them, ``main_window.open_record(entity, id)``, each timed from
that call until the editor's first frame has been painted (the first paint of a widget in the
new window, then the rest of that frame). The editor is then closed (it is unchanged, so
nothing asks) and the next one opened.

The baseline, in the same process and interleaved with each open: a bare ``QDialog`` with a
``QFormLayout`` of as many label + line-edit rows as the editor has fields, resized to the
editor's size and shown the same way (``open()``), timed the same way. The ratio says what our
code adds to what Qt itself costs for a form of that size.

The first open of each kind also imports its editor's modules: it is reported on its own
(``<kind>_first``), the figure is the median of the later opens. ``<kind>_settled`` is when no
background task was left after the paint (a picker naming its record on a worker, say).

The bench's databases have no support agreements or events: on a fresh copy, a few are made
through the services first (untimed), with parties, a leader and attendance like the demo's.
"""

from __future__ import annotations

import statistics
import time
from functools import partial
from typing import Any

from .gui import _idle, _wait, open_app, shown
from .tasks import NotAvailable, task

#: entity (as main_window.open_record names it) -> the model whose rows it edits
KINDS = ("school", "person", "cohort", "placement", "enrolment", "agreement", "event")


def _model(entity: str):
    from ittdesk import models

    names = {"school": "School", "person": "Person", "cohort": "Cohort",
             "placement": "Placement", "enrolment": "Enrolment",
             "agreement": "SupportAgreement", "event": "Event"}
    return getattr(models, names[entity], None)


def _spread_ids(model, count: int) -> list[int]:
    """``count`` ids spread evenly over the table (first, last and between)."""
    ids = [row[0] for row in model.select(model.id).order_by(model.id).tuples()]
    if len(ids) <= count:
        return ids
    step = (len(ids) - 1) / (count - 1)
    return sorted({ids[round(n * step)] for n in range(count)})


def _add_agreements_and_events(count: int) -> None:
    """A few support agreements and events, made through the services (as a user would)."""
    from datetime import timedelta

    from ittdesk.academic_year import AcademicYear
    from ittdesk.models import Event as EventModel
    from ittdesk.models import Person, School, SupportAgreement
    from ittdesk.services.agreements import agreements, leaders, parties
    from ittdesk.services.events import attendance, events

    year = AcademicYear.current()
    schools = [r[0] for r in School.select(School.id).order_by(School.id).limit(3 * count).tuples()]
    people = [r[0] for r in Person.select(Person.id).order_by(Person.id).limit(40).tuples()]
    if SupportAgreement.select().count() < count:
        for n in range(count):
            agreement = agreements.create({
                "title": f"Bench support agreement {n + 1}", "academic_year": str(year),
                "priorities": "1. Raise attainment.\n2. Build leadership capacity.",
                "start_date": year.start + timedelta(days=30),
                "end_date": year.end - timedelta(days=40), "qa_lead": people[n]})
            for k, role in enumerate(("supported", "supporting", "lead")):
                parties.create({"agreement": agreement.id, "school": schools[3 * n + k],
                                "role": role, "contact": people[k]})
            leaders.create({"agreement": agreement.id, "person": people[10 + n], "days": 6})
    if EventModel.select().count() < count:
        for n in range(count):
            event = events.create({"title": f"Bench event {n + 1}", "kind": "training",
                                   "held_on": year.start + timedelta(days=20 + 30 * n),
                                   "location": "Online"})
            for person in people[:20]:
                attendance.create({"event": event.id, "person": person})


class _Painted:
    """Notes the first paint of any widget in a window other than those open before."""

    def __init__(self, app, known):
        from PySide6.QtCore import QEvent, QObject, QTimer

        outer = self

        class Filter(QObject):
            def eventFilter(self, obj, event):  # noqa: N802 - Qt override
                if (outer.armed and outer.painted_at is None and event.type() == QEvent.Type.Paint
                        and obj.isWidgetType() and obj.window() not in outer.known):
                    outer.painted_at = -1.0
                    QTimer.singleShot(0, outer._done)  # after the rest of this frame
                return False

        self.known = known
        self.armed = False
        self.painted_at: float | None = None
        self.filter = Filter()
        app.installEventFilter(self.filter)

    def _done(self) -> None:
        self.painted_at = time.perf_counter()

    def time(self, opener) -> tuple[float, Any]:
        """Seconds from ``opener()`` to its window's first frame painted, and the window."""
        self.painted_at = None
        self.armed = True
        started = time.perf_counter()
        widget = opener()
        try:
            _wait(lambda: self.painted_at is not None and self.painted_at > 0, timeout=60)
        finally:
            self.armed = False
        return self.painted_at - started, widget


def _close(widget) -> None:
    from PySide6.QtCore import QCoreApplication, QEvent
    from PySide6.QtWidgets import QApplication

    if widget is None:
        return
    widget.close()
    widget.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    QApplication.processEvents()


def _bare_form(parent, fields: int, size):
    """The baseline: a plain dialog with a form of ``fields`` labelled line edits."""
    from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLineEdit, QVBoxLayout

    dialog = QDialog(parent)
    layout = QVBoxLayout(dialog)
    form = QFormLayout()
    for n in range(fields):
        form.addRow(f"Field {n + 1}", QLineEdit(f"value {n + 1}"))
    layout.addLayout(form)
    layout.addWidget(QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                      | QDialogButtonBox.StandardButton.Cancel))
    dialog.resize(size)
    dialog.open()
    return dialog


@task("gui_editors")
def editor_figures(db: str, folder: str, records: int = 5) -> dict[str, Any]:
    """Open each kind's editor on ``records`` existing records (see module)."""
    from PySide6.QtCore import QSize
    from PySide6.QtWidgets import QApplication

    app, location, main_window = open_app(db, folder)
    try:
        from ui.editors import EDITORS
    except ModuleNotFoundError as exc:
        raise NotAvailable(f"the editors are missing ({exc})") from exc
    _add_agreements_and_events(min(records, 3))
    window = shown(main_window(location))
    _wait(_idle)
    painted = _Painted(app, {window})
    result: dict[str, Any] = {}
    worst: tuple[float, str] | None = None
    missing = []
    for entity in KINDS:
        model = _model(entity)
        if entity not in EDITORS or model is None:
            missing.append(entity)
            continue
        ids = _spread_ids(model, records + 1)
        if not ids:
            missing.append(entity)
            continue
        ours, bare, settled = [], [], []
        for n, record_id in enumerate(ids):
            seconds, editor = painted.time(partial(window.open_record, entity, record_id))
            if editor is None:
                raise RuntimeError(f"the {entity} editor did not open record {record_id}")
            started = painted.painted_at - seconds
            _wait(_idle)
            settled_s = time.perf_counter() - started
            fields = len(getattr(editor, "widgets", {})) or 10
            size = editor.size() if editor.size().isValid() else QSize(640, 560)
            _close(editor)
            if n == 0:  # the first open imports the editor's modules
                result[f"{entity}_first"] = seconds
                result[f"{entity}_fields"] = fields
                continue
            settled.append(settled_s)
            ours.append(seconds)
            base, dialog = painted.time(partial(_bare_form, window, fields, size))
            _close(dialog)
            bare.append(base)
            QApplication.processEvents()
        if not ours:
            missing.append(entity)
            continue
        result[entity] = statistics.median(ours)
        result[f"bare_{entity}"] = statistics.median(bare)
        result[f"{entity}_settled"] = statistics.median(settled)
        if worst is None or result[entity] > worst[0]:
            worst = (result[entity], entity)
    if worst is None:
        raise NotAvailable("no editor opened a record")
    result["seconds"] = worst[0]
    result["baseline_seconds"] = result[f"bare_{worst[1]}"]
    result["worst"] = worst[1]
    result["records"] = records
    if missing:
        result["note"] = "no records or no editor for: " + ", ".join(missing)
    return result
