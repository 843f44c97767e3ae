"""Start a confirmation round: which year, which schools (by partnership status), and the
date to return forms by (the Yearly confirmation page's Start round…)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import Shiboken

from ittdesk import fields
from ittdesk.academic_year import AcademicYear
from ittdesk.choices import PARTNERSHIP_STATUSES
from ittdesk.errors import IttDeskError, ValidationError
from ittdesk.leadership import rounds
from ittdesk.models import ConfirmationRound

from ..operations import write_and_wait
from ..widgets.date_edit import DateEdit


def start_round(year: str, statuses: tuple[str, ...], return_by) -> ConfirmationRound:
    """On a worker: the round and its schools, all or nothing (``rounds.start_round``)."""
    return rounds.start_round(year, statuses=statuses, return_by=return_by)


class StartRoundDialog(QDialog):
    """Which year, which schools (by partnership status), and the date to return forms by."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("StartRoundDialog")
        self.setWindowTitle("Start a confirmation round")
        self.round: ConfirmationRound | None = None
        self.year = QComboBox()
        self.year.setObjectName("year")
        self.year.setEditable(True)
        this_year = AcademicYear.current()
        for year in (this_year, this_year.next()):
            if rounds.find_round(year) is None:
                self.year.addItem(str(year))
        self.statuses: dict[str, QCheckBox] = {}
        boxes = QVBoxLayout()
        for key, label in PARTNERSHIP_STATUSES:
            box = QCheckBox(label)
            box.setObjectName(f"status_{key}")
            box.setChecked(key in rounds.DEFAULT_STATUSES)
            self.statuses[key] = box
            boxes.addWidget(box)
        self.return_by = DateEdit()
        self.return_by.setObjectName("return_by")
        self.error = QLabel()
        self.error.setProperty("role", "fieldError")
        self.error.setWordWrap(True)
        self.error.hide()
        form = QFormLayout()
        form.addRow("Academic year", self.year)
        form.addRow("Schools that are", boxes)
        form.addRow("Return forms by", self.return_by)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Start round")
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        self.buttons = buttons
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self._error_about = ""  # what the message shown is about: return_by, schools, year
        self.return_by.changed.connect(self._recheck)
        self.year.currentTextChanged.connect(self._recheck)
        for box in self.statuses.values():
            box.toggled.connect(self._recheck)

    def save(self) -> None:
        """The round is started on a worker (``write_and_wait``); the dialog closes once it is."""
        statuses = tuple(k for k, box in self.statuses.items() if box.isChecked())
        try:
            if not statuses:
                raise ValidationError({"schools": "Tick at least one kind of school"})
            return_by = fields.day(self.return_by.text())
            # Start round and Cancel wait while the round is written: pressed again, it would
            # be written twice (the second refused as "already started" over the first).
            self.buttons.setEnabled(False)
            try:
                started, error = write_and_wait(self, start_round, self.year.currentText(),
                                                statuses, return_by, changes={"round_school"})
            finally:
                if Shiboken.isValid(self.buttons):
                    self.buttons.setEnabled(True)
            if error is not None:
                raise error
            self.round = started
        except ValueError as exc:
            self._show_error(f"Return forms by: {exc}", "return_by")
            return
        except IttDeskError as exc:
            message = "; ".join(exc.errors.values()) if isinstance(exc, ValidationError) else str(exc)
            self._show_error(message, "schools" if isinstance(exc, ValidationError)
                             and set(exc.errors) == {"schools"} else "year")
            return
        self.accept()

    def _show_error(self, text: str, about: str) -> None:
        self.error.setText(text)
        self.error.show()
        self._error_about = about

    def _recheck(self, *_args) -> None:
        """The message goes once what it was about is put right (or the year it named changes):
        a date fixed, a kind of school ticked. The rest is checked again on Start round."""
        if self.error.isHidden():
            return
        if self._error_about == "return_by":
            try:
                fields.day(self.return_by.text())
            except ValueError:
                return
        elif self._error_about == "schools":
            if not any(box.isChecked() for box in self.statuses.values()):
                return
        elif self.sender() is not self.year:
            return
        self.error.hide()
        self.error.clear()
        self._error_about = ""
        self.adjustSize()  # no gap left where the message was
