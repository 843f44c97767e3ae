"""Opens every window of the app on one screen size and scale; prints what fits (JSON).

Run by tests/test_gui_fits_screen.py in a fresh process per screen, because the screen's size
and the scale factor are fixed when Qt starts (``QT_QPA_PLATFORM=offscreen:configfile=...``,
``QT_SCALE_FACTOR``). ``python screen_fit_probe.py DATABASE SETTINGS_FILE`` prints one JSON
object: the available screen and, per window, its frame and every button that must stay in
view (any push button not inside a scroll area or a table), or the error that stopped it.
"""

from __future__ import annotations

import json
import sys
import traceback
from pathlib import Path


def main(database: str, settings_file: str) -> dict:
    from PySide6.QtCore import QRect
    from PySide6.QtWidgets import QAbstractButton, QAbstractItemView, QScrollArea

    from ittdesk import db
    from ittdesk.models import (
        ConfirmationRound,
        Enrolment,
        ImportRun,
        Person,
        School,
    )
    from ui import settings as ui_settings
    from ui import sizing
    from ui.app import application
    from ui.main_window import MainWindow

    ui_settings.use_file(Path(settings_file))
    location = db.open_database(database, daily_backup=False)
    app = application()
    window = MainWindow(location)
    window.show()
    for _ in range(50):
        app.processEvents()
    room = sizing.available_rect(window)
    report: dict = {"available": [room.x(), room.y(), room.width(), room.height()],
                    "allowance": [sizing.FRAME_ALLOWANCE.width(), sizing.FRAME_ALLOWANCE.height()],
                    "windows": {}}

    def in_scroller(widget) -> bool:
        parent = widget.parentWidget()
        while parent is not None and not parent.isWindow():
            if isinstance(parent, (QScrollArea, QAbstractItemView)):
                return True
            parent = parent.parentWidget()
        return False

    def measure(name: str, dialog) -> None:
        dialog.show()
        for _ in range(5):
            app.processEvents()
        frame = QRect(dialog.pos(), dialog.size())
        buttons = []
        for button in dialog.findChildren(QAbstractButton):
            if not button.isVisibleTo(dialog) or in_scroller(button) or button.window() is not dialog:
                continue
            if type(button).__name__ not in ("QPushButton",):
                continue
            top_left = button.mapTo(dialog, button.rect().topLeft())
            shown = button.visibleRegion().boundingRect()
            buttons.append({"text": button.text(), "rect": [top_left.x(), top_left.y(),
                                                             button.width(), button.height()],
                            "shown": [shown.width(), shown.height()]})
        report["windows"][name] = {"frame": [frame.x(), frame.y(), frame.width(), frame.height()],
                                   "buttons": buttons}

    def probe(name: str, make) -> None:
        try:
            dialog = make()
            if dialog is None:
                report["windows"][name] = {"error": "nothing opened"}
                return
            measure(name, dialog)
            if hasattr(dialog, "collect"):
                dialog._snapshot = dialog.collect()  # close without asking
            dialog.dirty = False
            dialog.hide()
            dialog.deleteLater()
            app.processEvents()
        except Exception:
            report["windows"][name] = {"error": traceback.format_exc()}

    measure("MainWindow", window)

    from importlib import import_module

    from ittdesk.models import SupportAgreement
    from ittdesk.services.base import EntityService
    from ui.editors import EDITORS
    from ui.main_window import load_target

    services = {}
    for module in ("ittdesk.services.schools", "ittdesk.services.people",
                   "ittdesk.services.programmes", "ittdesk.services.events",
                   "ittdesk.services.placement_rules"):
        for value in vars(import_module(module)).values():
            if isinstance(value, EntityService):
                services[value.entity] = value
    for entity, target in EDITORS.items():
        opener = load_target(target)
        probe(f"{entity} (new)", lambda opener=opener: opener(window, None))
        model = SupportAgreement if entity == "agreement" else services[entity].model
        record = model.select().first()
        if record is not None:
            probe(f"{entity} (#{record.id})", lambda opener=opener, i=record.id: opener(window, i))

    from ui.dialogs import import_wizard

    def wizard_page(page: int):
        wizard = import_wizard.ImportWizard(window)
        wizard.setStartId(page)  # the page shown first
        return wizard

    for page, title in enumerate(("file", "mapping", "preview", "apply")):
        probe(f"import wizard ({title} page)", lambda page=page: wizard_page(page))

    school = School.select().first()
    person = Person.select().first()
    from ui.dialogs.change_holder import ChangeHolderDialog
    from ui.dialogs.database_problem import DatabaseProblemDialog
    from ui.dialogs.person_data import PersonEraseDialog, PersonExportDialog
    from ui.dialogs.provider_settings import ProviderSettingsDialog
    from ui.dialogs.user_guide import UserGuide
    from ui.widgets.record_picker import PickerDialog

    probe("change holder", lambda: ChangeHolderDialog(school.id, "headteacher", window))
    probe("database problem", lambda: DatabaseProblemDialog(
        location, "The database file could not be read: it is damaged. " * 4, window))
    probe("person export", lambda: PersonExportDialog(person.id, window))
    probe("person erase", lambda: PersonEraseDialog(person.id, window))
    probe("provider settings", lambda: ProviderSettingsDialog(window))
    probe("user guide", lambda: UserGuide(window))
    from ittdesk.queries.lists import SCHOOLS

    probe("record picker", lambda: PickerDialog(SCHOOLS, "Choose a school", parent=window))
    from ui.dialogs.contact_list import ContactListDialog

    probe("contact list", lambda: ContactListDialog(window))
    from ui.dialogs.register_files import RegisterFilesDialog

    probe("register files", lambda: RegisterFilesDialog(window))
    from ui.dialogs.letters import LettersDialog
    from ui.dialogs.mentor_funding import MentorFundingDialog
    from ui.dialogs.placement_rules import PlacementRulesDialog
    from ui.dialogs.start_round import StartRoundDialog
    from ui.dialogs.who import WhoDialog

    probe("placement rules", lambda: PlacementRulesDialog(window))
    probe("letters", lambda: LettersDialog(window))
    probe("mentor funding", lambda: MentorFundingDialog(window))
    probe("start round", lambda: StartRoundDialog(window))
    probe("who", lambda: WhoDialog(window))
    round_ = ConfirmationRound.select().first()
    if round_ is not None:
        from ui.dialogs.collect_forms import CollectFormsDialog
        from ui.dialogs.send_mail import SendMailDialog

        probe("collect forms", lambda: CollectFormsDialog(round_.id, window))
        probe("send mail", lambda: SendMailDialog(round_.id, window))
    run = ImportRun.select().first()
    if run is not None:
        from ui.dialogs.mark_partners import MarkPartnersDialog

        probe("mark partners", lambda: MarkPartnersDialog(window, run.id))
    from ittdesk.returns.template import TemplateInfo
    from ui.dialogs.template_fill import TemplateFillDialog

    headings = [f"Column heading {n}" for n in range(1, 25)]
    info = TemplateInfo(path=Path("la-return.xlsx"), key="placements", sheet="Return",
                        header_row=3, headings=headings, columns=[], mapping={}, from_saved=False,
                        data_start=4, stop_row=None)
    probe("template fill", lambda: TemplateFillDialog(info, Enrolment.select().count(),
                                                      "Placements return", window))
    window.hide()
    db.close_database()
    return report


if __name__ == "__main__":
    result = main(sys.argv[1], sys.argv[2])
    sys.stdout.write("PROBE " + json.dumps(result) + "\n")
    sys.stdout.flush()
