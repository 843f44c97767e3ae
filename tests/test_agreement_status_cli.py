"""``ittdesk agreement status`` shows the editor's warnings and wants ``--yes`` for a one-way step
that has any; ``ittdesk agreement reopen REF --reason TEXT`` takes a closed agreement back."""

from __future__ import annotations

from datetime import date

import agreement_factory as make
import pytest

from ittdesk import db as dbmod
from ittdesk.cli import main
from ittdesk.models import AuditEntry, ImpactReport, SupportAgreement
from ittdesk.services import agreement_lifecycle as lifecycle
from ittdesk.services.agreements import reports


@pytest.fixture
def active_file(tmp_path, set_today):
    """An SQLite file with SSA-2025-001 active, its final report in, ending 30/06/2026."""
    set_today(date(2025, 12, 1))
    path = tmp_path / "cli.sqlite3"
    dbmod.open_database(path, daily_backup=False)
    a = make.agreement().agreement
    lifecycle.change_status(a.id, "agreed")
    lifecycle.change_status(a.id, "active")
    final = ImpactReport.get((ImpactReport.agreement == a.id) & (ImpactReport.kind == "final"))
    reports.update(final.id, {"submitted_on": "01/12/2025", "summary": "Early."})
    dbmod.close_database()
    return path


def run(path, *args: str) -> int:
    return main(["--db", str(path), *args])


def stored(path, fn):
    dbmod.open_database(path, daily_backup=False)
    try:
        return fn()
    finally:
        dbmod.close_database()


def status_of(path) -> str:
    return stored(path, lambda: SupportAgreement.get(SupportAgreement.reference == "SSA-2025-001").status)


def test_completing_early_with_money_unspent_is_refused_without_yes_naming_each_warning(active_file, capsys):
    assert run(active_file, "agreement", "status", "SSA-2025-001", "completed") == 1
    err = capsys.readouterr().err.splitlines()
    assert err[:2] == [
        "ittdesk: warning: Completing early: 6 months before its end date (30/06/2026)",
        "ittdesk: warning: £4,000.00 of the £4,000.00 agreed is unspent",
    ]
    assert err[2].startswith("ittdesk: SSA-2025-001 was not completed: 2 warnings above. ")
    assert err[2].endswith("Add --yes to go ahead anyway")
    assert len(err) == 3
    assert status_of(active_file) == "active"


def test_yes_completes_it_after_showing_the_warnings(active_file, capsys):
    assert run(active_file, "agreement", "status", "SSA-2025-001", "completed", "--yes") == 0
    out = capsys.readouterr()
    assert out.out == "SSA-2025-001: active -> completed\n"
    assert "Completing early" in out.err
    assert status_of(active_file) == "completed"


def test_a_step_without_warnings_needs_no_yes(active_file, capsys, set_today):
    set_today(date(2026, 7, 1))
    assert run(active_file, "agreement", "status", "SSA-2025-001", "withdrawn", "--reason", "Closed") == 0
    assert capsys.readouterr().err == ""
    assert status_of(active_file) == "withdrawn"


def test_reopen_with_a_reason_restores_active_and_audits_the_reason(active_file, capsys):
    run(active_file, "agreement", "status", "SSA-2025-001", "completed", "--yes")
    capsys.readouterr()
    assert run(active_file, "agreement", "reopen", "SSA-2025-001", "--reason", "Clicked by mistake") == 0
    assert capsys.readouterr().out == "SSA-2025-001: reopened, completed -> active\n"
    assert status_of(active_file) == "active"
    note = stored(active_file, lambda: AuditEntry.select().where(AuditEntry.entity == "agreement")
                  .order_by(AuditEntry.id.desc()).first().note)
    assert note == "Reopened: Clicked by mistake"


def test_reopen_refuses_an_open_agreement_and_wants_a_reason(active_file, capsys):
    assert run(active_file, "agreement", "reopen", "SSA-2025-001", "--reason", "Why not") == 1
    err = capsys.readouterr().err
    assert err == ("ittdesk: SSA-2025-001 is active: only a completed or withdrawn agreement "
                   "can be reopened\n")
    assert run(active_file, "agreement", "reopen", "SSA-2025-001") == 2
    assert "--reason" in capsys.readouterr().err
    assert run(active_file, "agreement", "reopen", "SSA-2025-001", "--reason", "x", "--to", "later") == 2
    assert "'later' is not a status" in capsys.readouterr().err
    assert status_of(active_file) == "active"
