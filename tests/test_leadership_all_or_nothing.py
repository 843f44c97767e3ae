"""Writing a round's forms is one step: a refusal, a failure part-way or Ctrl-C leaves no round,
no school rows, no form and no "sent" date, and a corrected retry is a first try."""

from __future__ import annotations

import errno
import os
import threading
from datetime import date

import pytest

from ittdesk import db as dbmod
from ittdesk import files
from ittdesk.cli import main
from ittdesk.errors import RefusedError
from ittdesk.leadership import forms, rounds, sending
from ittdesk.models import AuditEntry, ConfirmationRound, RoundSchool, School
from ittdesk.paths import tmp_dir
from ittdesk.services.schools import schools

YEAR = "2026/27"


def run(argv, capsys):
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def _reopen(location):
    dbmod.open_database(location.url, daily_backup=False)


def _nothing_recorded() -> None:
    assert ConfirmationRound.select().count() == 0
    assert RoundSchool.select().count() == 0
    assert not AuditEntry.select().where(AuditEntry.entity.in_(
        ("confirmation_round", "round_school"))).exists()


def _no_staging_left() -> None:
    assert [p.name for p in tmp_dir().iterdir() if p.name.endswith(".staged")] == []


def _fail_on_call(n: int, exc: BaseException, real):
    calls = []

    def wrapper(*args, **kwargs):
        calls.append(1)
        if len(calls) == n:
            raise exc
        return real(*args, **kwargs)

    return wrapper


def test_a_file_given_as_the_folder_is_refused_before_the_round_is_started(demo_db, tmp_path,
                                                                           capsys):
    target = tmp_path / "forms.txt"
    target.write_text("not a folder")
    code, out, err = run(["leadership", "forms", "--year", YEAR, str(target),
                          "--db", str(demo_db.path)], capsys)
    assert code == 1
    assert err.strip().splitlines() == [f"ittdesk: {target} is a file, not a folder"]
    assert target.read_text() == "not a folder"
    _reopen(demo_db)
    _nothing_recorded()


def test_a_folder_that_cannot_be_written_part_way_leaves_no_round_and_no_forms(
        demo_db, tmp_path, capsys, monkeypatch):
    # Tests run as root, where chmod does not stop writes: the third form's save fails instead.
    outdir = tmp_path / "forms"
    real = forms.build_workbook
    built = []

    def build(content):
        workbook = real(content)
        built.append(workbook)
        if len(built) == 3:
            def refuse(path):
                raise PermissionError(errno.EACCES, "Permission denied", str(path))
            workbook.save = refuse
        return workbook

    monkeypatch.setattr(sending, "build_workbook", build)
    code, out, err = run(["leadership", "forms", "--year", YEAR, str(outdir),
                          "--db", str(demo_db.path)], capsys)
    assert code == 1
    assert err.strip().splitlines() == [
        "ittdesk: Cannot write the forms: Permission denied; nothing was changed"]
    assert "Traceback" not in err and len(built) == 3
    assert not outdir.exists()
    _no_staging_left()
    _reopen(demo_db)
    _nothing_recorded()


def test_ctrl_c_while_the_forms_are_written_leaves_no_round_rows_or_forms(
        demo_db, tmp_path, capsys, monkeypatch):
    outdir = tmp_path / "forms"
    outdir.mkdir()
    monkeypatch.setattr(sending, "build_workbook",
                        _fail_on_call(5, KeyboardInterrupt(), forms.build_workbook))
    code, out, err = run(["leadership", "forms", "--year", YEAR, str(outdir),
                          "--db", str(demo_db.path)], capsys)
    assert code == 1
    assert err.strip() == "ittdesk: interrupted; nothing was changed"
    assert list(outdir.iterdir()) == []
    _no_staging_left()
    _reopen(demo_db)
    _nothing_recorded()


@pytest.mark.parametrize("failure", [OSError(errno.EROFS, "Read-only file system"),
                                     KeyboardInterrupt()], ids=["read-only", "ctrl-c"])
@pytest.mark.slow
def test_a_failure_while_moving_the_forms_in_rolls_the_round_back_and_restores_the_folder(
        demo_db, tmp_path, monkeypatch, failure):
    """Regenerating over last time's forms: the ones already replaced are put back."""
    outdir = tmp_path / "forms"
    outdir.mkdir()
    new = rounds.plan_round(YEAR)
    names = sorted(forms.file_name_for(s) for s in
                   School.select().where(School.id.in_(new.school_ids)))
    for name in names[:4]:
        (outdir / name).write_bytes(b"last time's form")
    (outdir / "notes.txt").write_text("kept")
    real_replace = os.replace
    moved = []

    def replace(src, dst):
        staged = os.path.basename(os.path.dirname(os.fspath(src))).endswith(".staged")
        if staged and os.path.dirname(os.fspath(dst)) == str(outdir):
            moved.append(dst)
            if len(moved) == 3:
                raise failure
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    expected = RefusedError if isinstance(failure, OSError) else KeyboardInterrupt
    with pytest.raises(expected):
        sending.start_and_write(YEAR, outdir)
    monkeypatch.undo()
    assert len(moved) == 3
    assert sorted(p.name for p in outdir.iterdir()) == sorted([*names[:4], "notes.txt"])
    assert all((outdir / n).read_bytes() == b"last time's form" for n in names[:4])
    _no_staging_left()
    _nothing_recorded()


@pytest.mark.slow
def test_when_recording_fails_after_the_move_the_forms_are_taken_out_again(
        demo_db, tmp_path, monkeypatch):
    outdir = tmp_path / "new" / "forms"
    real = files.StagedFolder.move_in

    def move_then_fail(self):
        real(self)
        assert len(list(outdir.glob("*.xlsx"))) > 0  # the files were in place
        raise RuntimeError("the database went away")

    monkeypatch.setattr(files.StagedFolder, "move_in", move_then_fail)
    with pytest.raises(RuntimeError):
        sending.start_and_write(YEAR, outdir)
    assert not (tmp_path / "new").exists()  # folders it created are gone too
    _no_staging_left()
    _nothing_recorded()


@pytest.mark.slow
def test_a_corrected_retry_is_a_first_try_and_uses_its_return_by(demo_db, tmp_path, capsys):
    db = ["--db", str(demo_db.path)]
    blocker = tmp_path / "forms"
    blocker.write_text("oops")
    code, _out, _err = run(["leadership", "forms", "--year", YEAR, str(blocker),
                            "--return-by", "01/10/2026", *db], capsys)
    assert code == 1
    outdir = tmp_path / "forms-2026"
    code, out, err = run(["leadership", "forms", "--year", YEAR, str(outdir),
                          "--return-by", "16/10/2026", *db], capsys)
    assert code == 0, err
    assert "Started the 2026/27 confirmation round." in out
    _reopen(demo_db)
    round_ = rounds.get_round(YEAR)
    assert round_.return_by == date(2026, 10, 16)
    assert len(list(outdir.glob("*.xlsx"))) == len(rounds.entries(round_)) == rounds.status(
        round_).written


def test_return_by_for_a_round_started_before_is_reported_as_unused(demo_db, tmp_path, capsys):
    rounds.start_round(YEAR, return_by=date(2026, 10, 16))
    dbmod.close_database()
    code, out, err = run(["leadership", "forms", "--year", YEAR, str(tmp_path / "forms"),
                          "--return-by", "01/11/2026", "--db", str(demo_db.path)], capsys)
    assert code == 0, err
    assert ("The 2026/27 round was started before: --return-by is used only when starting a "
            "round, so the forms keep 16/10/2026.") in out


def test_forms_for_new_partners_are_added_and_written_in_the_same_step(demo_db, tmp_path):
    round_ = rounds.start_round(YEAR)
    before = len(rounds.entries(round_))
    school = schools.create({"urn": 990001, "name": "Quarry Bank Academy",
                             "partnership_status": "partner", "phase": "secondary"})
    result = sending.start_and_write(YEAR, tmp_path / "forms", add=True)
    assert result.added == 1 and not result.started
    assert len(result.written) == before + 1
    assert (tmp_path / "forms" / forms.file_name_for(school)).exists()
    assert rounds.entry_for(round_, school).written_on is not None


def test_cancelling_in_the_app_writes_no_form_and_marks_none_sent(demo_db, tmp_path):
    from ui.views.confirmation_page import write_forms

    round_ = rounds.start_round(YEAR)
    cancel = threading.Event()

    def progress(done, total, message):
        if done == 3:
            cancel.set()

    result, pdfs = write_forms(round_.id, tmp_path / "forms", False, progress, cancel)
    assert result.cancelled and result.written == [] and pdfs == []
    assert not (tmp_path / "forms").exists()
    assert rounds.status(round_).written == 0
    _no_staging_left()


def test_a_failure_in_the_app_is_one_refusal_and_leaves_nothing(demo_db, tmp_path, monkeypatch):
    from ui.views.confirmation_page import write_forms

    round_ = rounds.start_round(YEAR)
    monkeypatch.setattr(sending, "build_workbook",
                        _fail_on_call(2, OSError(errno.ENOSPC, "No space left on device"),
                                      forms.build_workbook))
    with pytest.raises(RefusedError, match="No space left on device; nothing was changed"):
        write_forms(round_.id, tmp_path, False)
    assert list(tmp_path.glob("*.xlsx")) == []
    assert rounds.status(round_).written == 0


def test_moving_failing_part_way_rolls_back_on_every_backend(db, tmp_path, monkeypatch):
    for i, name in enumerate(("Ashby Moor Primary", "Birchcliffe Academy", "Cold Harbour Infants")):
        schools.create({"urn": 990100 + i, "name": name, "partnership_status": "partner",
                        "phase": "primary"})
    outdir = tmp_path / "forms"
    real_replace = os.replace
    moved = []

    def replace(src, dst):
        if os.path.basename(os.path.dirname(os.fspath(src))).endswith(".staged"):
            moved.append(dst)
            if len(moved) == 2:
                raise OSError(errno.ENOSPC, "No space left on device")
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(RefusedError, match="No space left on device; nothing was changed"):
        sending.start_and_write(YEAR, outdir, return_by=date(2026, 10, 1))
    monkeypatch.undo()
    assert not outdir.exists()
    _nothing_recorded()
    result = sending.start_and_write(YEAR, outdir, return_by=date(2026, 10, 16))
    assert result.started and len(result.written) == 3
    assert rounds.get_round(YEAR).return_by == date(2026, 10, 16)
    assert rounds.status(rounds.get_round(YEAR)).written == 3
