"""The personal-data commands: exit 0 ok, 1 refused with nothing changed, 2 usage; one line."""

from __future__ import annotations

import io

from python_calamine import CalamineWorkbook
from test_privacy_seed import EMAIL, FIRST, LAST, seed_everywhere

from ittdesk import backup
from ittdesk import db as dbmod
from ittdesk.cli import main
from ittdesk.models import AuditEntry, Person
from ittdesk.privacy import sar_sheets
from main import desktop


def run(argv, capsys):
    code = main(argv, desktop=desktop())  # as main.py runs it: PDFs through ui.printing
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


def _seeded(sqlite_db):
    seeded = seed_everywhere()
    dbmod.close_database()
    return seeded, str(sqlite_db.path)


def _reopen(path):
    dbmod.open_database(path, daily_backup=False)


def test_person_export_by_email_writes_the_workbook_and_a_pdf(qapp, sqlite_db, capsys, tmp_path):
    # qapp: in the test session a QApplication must exist before the PDF writer makes a
    # QGuiApplication (the real CLI has neither and gets a headless one).
    seeded, path = _seeded(sqlite_db)
    out = tmp_path / "sar.xlsx"
    code, text, _ = run(["person", "export", EMAIL.upper(), str(out), "--pdf", "--db", path], capsys)
    assert code == 0, text
    assert f"{FIRST} {LAST}" in text and str(out) in text
    titles = CalamineWorkbook.from_path(str(out)).sheet_names
    assert titles[0] == "Cover" and titles[1:-1] == [s.title for s in sar_sheets.SHEETS]
    assert out.with_suffix(".pdf").read_bytes().startswith(b"%PDF")


def test_person_export_of_an_unknown_person_is_one_line_and_exit_1(sqlite_db, capsys, tmp_path):
    _seeded(sqlite_db)
    code, _, err = run(["person", "export", "nobody@example.org", str(tmp_path / "x.xlsx"),
                        "--db", str(sqlite_db.path)], capsys)
    assert code == 1 and err.count("\n") == 1 and "No person" in err
    assert not (tmp_path / "x.xlsx").exists()


def test_person_export_to_a_non_workbook_name_is_a_usage_error(sqlite_db, capsys, tmp_path):
    _seeded(sqlite_db)
    code, _, err = run(["person", "export", "1", str(tmp_path / "x.csv"), "--db", str(sqlite_db.path)],
                       capsys)
    assert code == 2 and ".xlsx" in err


def test_person_erase_without_yes_lists_and_changes_nothing(sqlite_db, capsys):
    seeded, path = _seeded(sqlite_db)
    code, text, _ = run(["person", "erase", str(seeded.person.id), "--db", path], capsys)
    assert code == 0
    assert "What goes:" in text and "What stays" in text and "Nothing was changed" in text
    _reopen(path)
    assert Person.get_by_id(seeded.person.id).first_name == FIRST
    assert not AuditEntry.select().where(AuditEntry.action == "erase").exists()


def test_person_erase_with_yes_erases_and_can_purge_the_old_backups(sqlite_db, capsys):
    seeded = seed_everywhere()
    old = backup.automatic_backup(sqlite_db, reason="daily")
    dbmod.close_database()
    path = str(sqlite_db.path)
    code, text, _ = run(["person", "erase", EMAIL, "--yes", "--db", path], capsys)
    assert code == 0 and "Erased the personal data" in text
    assert "still hold" in text and str(old) in text and old.exists()
    code, text, _ = run(["person", "erase", str(seeded.person.id), "--purge-backups", "--db", path], capsys)
    assert code == 0 and "Deleted 1 automatic backup" in text and not old.exists()
    _reopen(path)
    assert Person.get_by_id(seeded.person.id).erased


def test_retention_review_apply_and_set(sqlite_db, capsys, monkeypatch):
    from ittdesk.services.people import people

    pid = people.create({"first_name": "Lone", "last_name": "Contact"}).id
    dbmod.close_database()
    path = str(sqlite_db.path)
    code, text, _ = run(["retention", "set", "contact", "0", "--db", path], capsys)
    assert code == 0 and "kept 0 years" in text
    code, text, _ = run(["retention", "review", "--date", "01/01/2099", "--db", path], capsys)
    assert code == 0 and "Retention schedule" in text
    assert "1 person is past" in text and f"#{pid} Lone Contact" in text
    code, _, err = run(["retention", "set", "contact", "-3", "--db", path], capsys)
    assert code == 1 and "ittdesk:" in err
    code, _, err = run(["retention", "review", "--date", "31/02/2025", "--db", path], capsys)
    assert code == 2 and "--date" in err
    # Due only in a later review: today apply has nothing to do.
    code, text, _ = run(["retention", "apply", "--db", path], capsys)
    assert code == 0 and "nothing to do" in text
    _reopen(path)
    assert not Person.get_by_id(pid).erased


def test_retention_apply_needs_confirmation_when_not_interactive(sqlite_db, capsys, monkeypatch):
    from ittdesk.services.programmes import cohorts, enrolments, programmes

    programme = programmes.create({"name": "Old SCITT", "kind": "itt"})
    cohort = cohorts.create({"programme": programme.id, "name": "Old", "academic_year": "2010/11"})
    seeded = seed_everywhere()
    pid = enrolments.create({"person": seeded.other.id, "cohort": cohort.id, "status": "applied"}).person_id
    old_applicant = Person.create(first_name="Old", last_name="Applicant").id
    enrolments.create({"person": old_applicant, "cohort": cohort.id, "status": "applied"})
    dbmod.close_database()
    path = str(sqlite_db.path)
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    code, text, err = run(["retention", "apply", "--db", path], capsys)
    assert code == 1 and "--yes" in err and f"#{old_applicant} Old Applicant" in text
    _reopen(path)
    assert not Person.get_by_id(old_applicant).erased
    dbmod.close_database()
    code, text, _ = run(["retention", "apply", "--yes", "--db", path], capsys)
    assert code == 0 and "Anonymised 1 person" in text
    _reopen(path)
    assert Person.get_by_id(old_applicant).erased
    assert not Person.get_by_id(pid).erased  # the other enrolment is current


def test_audit_prints_a_records_history_and_refuses_bad_input(sqlite_db, capsys):
    seeded, path = _seeded(sqlite_db)
    code, text, _ = run(["audit", "--since", "01/01/2020", "--record", f"person:{seeded.person.id}",
                         "--db", path], capsys)
    lines = text.splitlines()
    assert code == 0 and any(f"created person #{seeded.person.id}: " in line for line in lines)
    assert any("Phone: 07700 900124 -> 07700 900123" in line for line in lines)
    code, _, err = run(["audit", "--since", "yesterday-ish", "--db", path], capsys)
    assert code == 2 and "--since" in err
    code, _, err = run(["audit", "--record", "pets:1", "--db", path], capsys)
    assert code == 1 and "not a kind of record" in err
    code, _, err = run(["audit", "--since", "01/01/2099", "--db", path], capsys)
    assert code == 0 and "No audit entries" in err


def test_person_and_retention_without_an_action_are_usage_errors(capsys):
    assert run(["person"], capsys)[0] == 2
    assert run(["retention"], capsys)[0] == 2


def test_erasing_from_the_command_line_takes_no_fresh_backup_of_what_goes(sqlite_db, capsys):
    seeded, path = _seeded(sqlite_db)
    assert backup.automatic_backups(sqlite_db) == []  # none today yet: opening would take one
    code, text, _ = run(["person", "erase", str(seeded.person.id), "--yes", "--db", path], capsys)
    assert code == 0 and "still hold" not in text
    assert backup.automatic_backups(sqlite_db) == []
