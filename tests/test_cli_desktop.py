"""The CLI borrows the PDF renderer and the app window from main.py (ittdesk.cli.desktop), so the
core never imports ui/: what main.py lends, what a command does with it, and a plain refusal,
with nothing written, when the CLI runs without it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from ittdesk import db as dbmod
from ittdesk.cli import main
from ittdesk.cli.desktop import Desktop
from ittdesk.models import ConfirmationRound, Person, SupportAgreement, database
from main import desktop

ROOT = Path(__file__).resolve().parent.parent


def _refused_in_one_line(capsys, argv: list[str], what: str) -> None:
    code = main(argv)
    out, err = capsys.readouterr()
    assert code == 1, (out, err)
    assert err == (f"ittdesk: {what} needs the desktop app, which this program was started "
                   "without (run it as ittdesk); nothing was written\n")


def test_main_py_lends_the_cli_ui_printing_as_its_pdf_renderer():
    from ui.printing import html_to_pdf

    lent = desktop()
    assert lent.load_pdf_renderer() is html_to_pdf
    assert callable(lent.open_app)


def test_a_command_without_a_pdf_never_loads_ui_or_qt(tmp_path):
    code = ("import sys, main\n"
            f"code = main.main(['version', '--db', {str(tmp_path / 'x.sqlite3')!r}])\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('ui', 'PySide6')))\n"
            "sys.exit(code)")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env=env, cwd=tmp_path, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "[]"


def test_pdf_output_without_the_desktop_is_refused_before_anything_is_written(demo_db, tmp_path,
                                                                              capsys):
    db = ["--db", str(demo_db.path)]
    agreement = SupportAgreement.select().order_by(SupportAgreement.reference).first()
    email = Person.select().where(Person.email.is_null(False)).first().email
    rounds_before = ConfirmationRound.select().count()

    _refused_in_one_line(capsys, ["agreement", "pdf", agreement.reference,
                                  str(tmp_path / "a.pdf"), *db], "Writing a PDF")
    _refused_in_one_line(capsys, ["letters", "agreement", agreement.reference,
                                  str(tmp_path / "letters"), "--combined-pdf", *db],
                         "Writing a PDF")
    _refused_in_one_line(capsys, ["person", "export", email, str(tmp_path / "sar.xlsx"),
                                  "--pdf", *db], "Writing a PDF")
    _refused_in_one_line(capsys, ["leadership", "forms", "--year", "2026/27",
                                  str(tmp_path / "forms"), "--pdf", *db], "Writing a PDF")

    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo.sqlite3"]
    dbmod.open_database(demo_db.url, daily_backup=False)
    assert ConfirmationRound.select().count() == rounds_before


def test_demo_open_hands_its_database_closed_to_the_app_and_returns_its_exit_code(demo_db,
                                                                                  capsys):
    opened: list[tuple[str | None, bool]] = []

    def open_app(url: str | None) -> int:
        opened.append((url, database.is_closed()))
        return 7

    lent = Desktop(load_pdf_renderer=desktop().load_pdf_renderer, open_app=open_app)
    code = main(["demo", "--open", "--db", str(demo_db.path)], desktop=lent)
    out, err = capsys.readouterr()
    assert code == 7, err
    assert "already has records; opening it as it is." in out
    assert opened == [(demo_db.url, True)]


def test_demo_open_without_the_desktop_is_refused_before_a_database_is_made(tmp_path, capsys):
    target = tmp_path / "new.sqlite3"
    _refused_in_one_line(capsys, ["demo", "--open", "--db", str(target)], "Opening the app")
    assert not target.exists()
