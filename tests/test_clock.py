"""One clock: what day it is comes from ittdesk.clock, and the app behaves on the days the
academic year turns over (1 September, 31 August), early in a year (9 October) and on 29 February."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from ittdesk import clock
from ittdesk.academic_year import AcademicYear
from ittdesk.returns import all_returns, make_filters, make_return

ROOT = Path(__file__).resolve().parents[1]

# The days the suite once failed on (1 September to 9 October), a leap day, the year's last day.
AWKWARD_DAYS = [date(2027, 9, 1), date(2027, 10, 9), date(2028, 2, 29), date(2028, 8, 31)]


def test_today_now_and_utcnow_follow_the_day_set_and_return_to_the_real_date(set_today):
    previous = set_today(date(2028, 2, 29))
    assert previous is None or isinstance(previous, date)
    assert clock.today() == date(2028, 2, 29)
    assert clock.now().date() == date(2028, 2, 29)
    # UTC is the local time moved by the same whole days: the two stay the real offset apart.
    offset = datetime.now().astimezone().utcoffset() or timedelta(0)
    assert abs(clock.now() - offset - clock.utcnow()) < timedelta(seconds=5)
    set_today(None)
    assert clock.today() == date.today()
    assert abs(clock.now() - datetime.now()) < timedelta(seconds=5)


def _today_in_a_process(value: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, ITTDESK_TODAY=value)
    return subprocess.run([sys.executable, "-c", "from ittdesk import clock; print(clock.today())"],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=60)


def test_ittdesk_today_sets_the_clock_for_a_whole_process():
    done = _today_in_a_process("2027-09-01")
    assert done.returncode == 0 and done.stdout.strip() == "2027-09-01" and done.stderr == ""


def test_an_ittdesk_today_that_is_not_a_date_is_reported_and_the_real_date_used():
    done = _today_in_a_process("1/9/2027")
    assert done.returncode == 0 and done.stdout.strip() == str(date.today())
    assert done.stderr.count("\n") == 1 and "ITTDESK_TODAY" in done.stderr
    assert "Traceback" not in done.stderr


_ASKS_THE_SYSTEM = re.compile(r"\b(?:date\.today|datetime\.(?:now|today|utcnow)|QDate\.currentDate"
                              r"|QDateTime\.current\w*)\(")


def test_no_module_but_the_clock_asks_the_system_what_day_it_is():
    offenders = []
    for folder in ("ittdesk", "ui"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path == ROOT / "ittdesk" / "clock.py":
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if _ASKS_THE_SYSTEM.search(line):
                    offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []


@pytest.mark.parametrize("day", AWKWARD_DAYS, ids=str)
def test_the_current_year_and_a_returns_as_of_day_turn_over_on_1_september(set_today, day):
    set_today(day)
    expected = AcademicYear(day.year if day.month >= 9 else day.year - 1)
    assert AcademicYear.current() == expected
    filters = make_filters()
    assert filters.year == expected and filters.as_of == day
    assert make_filters(str(expected.previous())).as_of == expected.previous().end


@pytest.mark.slow
@pytest.mark.parametrize("day", AWKWARD_DAYS, ids=str)
def test_the_demo_builds_and_every_return_writes_on_awkward_days(set_today, sqlite_db, tmp_path,
                                                                 day):
    """The demo is built as of today; on each of these days it builds, nothing in it is dated
    after today, and every built-in return of the last complete year has rows (the year that
    began on 1 September may rightly have no mentor training yet)."""
    from ittdesk.demo import build_demo
    from ittdesk.models import MentorTraining

    set_today(day)
    build_demo(seed=2025)
    assert MentorTraining.select().where(MentorTraining.completed_on > day).count() == 0
    last_year = str(AcademicYear.current().previous())
    for spec in all_returns():
        result = make_return(spec.key, tmp_path / f"{spec.key}.xlsx", make_filters(last_year))
        assert result.rows > 0, spec.key
