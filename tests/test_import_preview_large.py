"""The import wizard's preview of a large file: what it shows is formatted, not every row."""

from __future__ import annotations

import csv

from ittdesk.spreadsheets import importing
from ui.dialogs.import_wizard import ImportWizard, preview_page


def test_a_large_preview_formats_about_a_screen_of_rows_not_every_row(qtbot, sqlite_db, tmp_path,
                                                                     monkeypatch):
    path = tmp_path / "schools.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["URN", "EstablishmentName", "Postcode", "Town"])
        for n in range(3000):
            out.writerow([200000 + n, f"Example School {n}", "LS1 1AA", "Leeds"])
    source = importing.load_source(path, "schools", None)
    plan = importing.plan_import(source, dict(source.mapping))
    formatted: list[int] = []
    details = preview_page._details

    def counted(item):
        formatted.append(item.row)
        return details(item)

    monkeypatch.setattr(preview_page, "_details", counted)
    wizard = ImportWizard(None)
    qtbot.addWidget(wizard)
    wizard.source = source
    wizard.show()
    wizard.preview_page.show_plan(plan)
    view = wizard.preview_page.add_view
    assert wizard.preview_page.add_model.rowCount() == 3000
    assert wizard.preview_page.tabs.tabText(0) == "To add (3,000)"
    assert len(formatted) <= 2 * preview_page.SIZED_FROM_ROWS  # sized from a screen of rows
    assert view.columnWidth(1) > 0
    # the last row is still there to scroll to, formatted when shown
    view.scrollToBottom()
    assert wizard.preview_page.add_model.index(2999, 2).data() == "Example School 2999"
    assert wizard.preview_page.create_cohorts.isHidden()  # a schools file creates no cohorts
    wizard.done(0)
