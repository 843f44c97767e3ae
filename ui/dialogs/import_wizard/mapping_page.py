"""Page 2: each column of the file with sample values and what it imports as (editable; the
confirmed mapping is saved and reused for files with the same headings)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QVBoxLayout,
)

from ittdesk.spreadsheets import importing

from .models import FieldDelegate, MappingModel, table_view
from .page import ImportPage

if TYPE_CHECKING:
    from .wizard import ImportWizard


class MappingPage(ImportPage):
    """Shows the source the file page loaded; Next plans the import on a worker and moves on to
    the preview once the plan is made (``validatePage`` passes only then)."""

    def __init__(self, wizard: ImportWizard):
        super().__init__(wizard, "2. Check the columns")
        self.planned = False
        layout = QVBoxLayout(self)
        self.mapping_info = QLabel()
        self.mapping_info.setWordWrap(True)
        layout.addWidget(self.mapping_info)
        self.mapping_model = MappingModel(self)
        self.mapping_view = table_view(self.mapping_model, "mappingView")
        self.mapping_view.setItemDelegateForColumn(MappingModel.COL_FIELD,
                                                   FieldDelegate(self.mapping_model, self))
        self.mapping_view.setEditTriggers(QAbstractItemView.EditTrigger.AllEditTriggers)
        header = self.mapping_view.horizontalHeader()
        header.setSectionResizeMode(MappingModel.COL_SAMPLES, QHeaderView.ResizeMode.Stretch)
        header.setStretchLastSection(False)
        layout.addWidget(self.mapping_view, 1)
        row = QHBoxLayout()
        reset = QPushButton("&Reset to suggested")
        reset.clicked.connect(self.mapping_model.reset_to_suggested)
        row.addWidget(reset)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addWidget(self.message)

    def initializePage(self) -> None:  # noqa: N802 - Qt override: entered from the file page
        source = self.import_wizard.source
        if source is None:
            return
        self.say("")
        self.mapping_model.load(source)
        how = ("the columns mapped last time for a file with these headings"
               if source.mapping_from == "saved" else "the columns recognised by their headings")
        info = [f"Sheet '{source.sheet.name}', headings on row {source.header.row_number}. "
                f"Showing {how}: change any in the 'Imports as' column."]
        info += source.notes[1:] if source.notes and source.notes[0].startswith("Headings found") \
            else source.notes
        info.append(importing.kind_for(source.kind).key_help)
        self.mapping_info.setText("\n".join(info))
        self.mapping_view.resizeColumnToContents(MappingModel.COL_HEADING)
        self.mapping_view.setColumnWidth(MappingModel.COL_FIELD, 230)
        self.mapping_view.setColumnWidth(
            MappingModel.COL_HOW, self.fontMetrics().horizontalAdvance("your choice") + 24)

    def validatePage(self) -> bool:  # noqa: N802 - Qt override
        if self.planned:
            self.planned = False
            return True
        if not self.import_wizard.busy():
            self.import_wizard.start_plan()
        return False
