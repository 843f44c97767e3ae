"""After a schools import: which of the new schools are partners? A checklist of the schools the
import added that have no partnership status yet, and one status to give the ticked ones."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ittdesk import new_schools
from ittdesk.choices import PARTNERSHIP_STATUSES
from ittdesk.wording import count

from .. import sizing
from ..operations import write
from ..tasks import run_task, show_error

#: Listed at most; a larger import is sorted a screenful at a time (each Apply removes the
#: marked schools and lists the next ones).
SHOWN = 2000


class MarkPartnersDialog(QDialog):
    def __init__(self, main_window, run_id: int, parent: QWidget | None = None):
        super().__init__(parent or main_window)
        self.main_window = main_window
        self.run_id = run_id
        self.setObjectName("MarkPartnersDialog")
        self.setWindowTitle("Mark partners among the imported schools")
        self.intro = QLabel()
        self.intro.setWordWrap(True)
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Find a school by name, URN or LA")
        self.filter.setAccessibleName("Find a school")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self._filter)
        self.list = QListWidget()
        self.list.setObjectName("schools")
        self.list.itemChanged.connect(lambda _item: self._update())
        tick_all = QPushButton("Tick &all shown")
        tick_all.clicked.connect(lambda: self._tick_shown(True))
        tick_none = QPushButton("Tick &none")
        tick_none.clicked.connect(lambda: self._tick_shown(False))
        self.status = QComboBox()
        self.status.setAccessibleName("Partnership status for the ticked schools")
        for key in PARTNERSHIP_STATUSES.keys:
            self.status.addItem(PARTNERSHIP_STATUSES.label(key), key)
        self.status.setCurrentIndex(self.status.findData("partner"))
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.apply_button = self.buttons.addButton("&Mark ticked schools",
                                                   QDialogButtonBox.ButtonRole.ApplyRole)
        self.apply_button.clicked.connect(self.apply)
        self.buttons.rejected.connect(self.reject)
        ticks = QHBoxLayout()
        ticks.addWidget(tick_all)
        ticks.addWidget(tick_none)
        ticks.addStretch(1)
        ticks.addWidget(QLabel("Mark as"))
        ticks.addWidget(self.status)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addWidget(self.filter)
        layout.addWidget(self.list, 1)
        layout.addLayout(ticks)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.resize(560, 520)
        sizing.fit_on_show(self)  # Save / Next stay on screen at any scale
        self.load()

    def load(self) -> None:
        self.apply_button.setEnabled(False)
        run_task(self, lambda: (new_schools.count_unsorted(self.run_id),
                                new_schools.unsorted_schools(self.run_id, SHOWN)),
                 on_done=self._loaded, on_error=lambda exc: show_error(self, exc))

    def _loaded(self, result) -> None:
        total, rows = result
        self.list.blockSignals(True)
        self.list.clear()
        for school_id, name, urn, la in rows:
            item = QListWidgetItem(f"{name} (URN {urn}{', ' + la if la else ''})")
            item.setData(Qt.ItemDataRole.UserRole, school_id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.list.addItem(item)
        self.list.blockSignals(False)
        more = f" The first {SHOWN:,} are listed." if total > len(rows) else ""
        self.intro.setText(f"{count(total, 'schools')} from the import have no partnership status "
                           f"yet. Tick those in your partnership.{more}" if total else
                           "Every school from the import has a partnership status.")
        self._filter(self.filter.text())
        self._update()

    def ticked(self) -> list[int]:
        return [self.list.item(n).data(Qt.ItemDataRole.UserRole) for n in range(self.list.count())
                if self.list.item(n).checkState() == Qt.CheckState.Checked]

    def _filter(self, text: str) -> None:
        words = text.lower().split()
        for n in range(self.list.count()):
            item = self.list.item(n)
            item.setHidden(not all(w in item.text().lower() for w in words))

    def _tick_shown(self, ticked: bool) -> None:
        state = Qt.CheckState.Checked if ticked else Qt.CheckState.Unchecked
        self.list.blockSignals(True)
        for n in range(self.list.count()):
            item = self.list.item(n)
            if not item.isHidden() or not ticked:
                item.setCheckState(state)
        self.list.blockSignals(False)
        self._update()

    def _update(self) -> None:
        n = len(self.ticked())
        self.apply_button.setEnabled(n > 0)
        self.apply_button.setText(f"&Mark {count(n, 'schools')}" if n else "&Mark ticked schools")

    def apply(self) -> None:
        ids, status = self.ticked(), self.status.currentData()
        if not ids:
            return
        self.apply_button.setEnabled(False)

        def done(n: int) -> None:
            self.message.setText(f"{count(n, 'schools')} marked "
                                 f"{PARTNERSHIP_STATUSES.label(status).lower()}.")
            self.load()

        def failed(exc: BaseException) -> None:
            show_error(self, exc)
            self._update()

        write(self, new_schools.set_partnership, ids, status, changes={"school"}, on_done=done,
              on_error=failed,
              progress_title="Marking schools…")


def open_mark_partners(main_window, run_id: int | None = None) -> MarkPartnersDialog | None:
    """The dialog for ``run_id`` (default: the last schools import that added schools)."""
    if run_id is None:
        run = new_schools.last_schools_import()
        if run is None:
            return None
        run_id = run.id
    dialog = MarkPartnersDialog(main_window, run_id)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
    return dialog
