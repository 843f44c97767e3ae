"""Every window fits the screen, with its buttons in view, on a small and a Full-HD laptop
screen at 100 %, 125 % and 150 % scaling (issue 15 item 2).

Each screen is a fresh process (tests/screen_fit_probe.py): Qt's offscreen platform takes the
screen's size from a config file and the scaling from ``QT_SCALE_FACTOR``, both fixed at start.
The screens are 40 physical pixels shorter, for the task bar, and each window needs room for a
title bar too (``ui.sizing.FRAME_ALLOWANCE``): at 1366×768 and 150 % that leaves 895×445.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

pytestmark = [pytest.mark.gui, pytest.mark.slow]

ROOT = Path(__file__).resolve().parent.parent
TASK_BAR = 40  # physical pixels

SCREENS = [(width, height, scale) for width, height in ((1366, 768), (1920, 1080))
           for scale in (1.0, 1.25, 1.5)]

#: Every window the probe opens; a window missing from its report is a failure too.
EXPECTED = {"MainWindow", "import wizard (file page)", "import wizard (mapping page)",
            "import wizard (preview page)", "import wizard (apply page)", "change holder",
            "database problem", "person export", "person erase", "provider settings",
            "user guide", "record picker", "collect forms", "mark partners", "template fill",
            "placement rules", "letters", "mentor funding", "start round", "who", "send mail",
            *(f"{entity} (new)" for entity in ("school", "person", "programme", "cohort",
                                              "enrolment", "placement", "role", "designation",
                                              "mentor_training", "agreement"))}


@pytest.fixture(scope="module")
def probe_database(demo_template, tmp_path_factory) -> Path:
    """The demo partnership plus a leadership round and a schools import (their dialogs)."""
    from ittdesk import backup
    from ittdesk import db as dbmod
    from ittdesk.academic_year import AcademicYear
    from ittdesk.leadership import rounds
    from ittdesk.models import ImportRun

    path = backup.copy_database(demo_template, tmp_path_factory.mktemp("fit") / "demo.sqlite3")
    dbmod.open_database(path, daily_backup=False)
    try:
        rounds.start_round(AcademicYear.current())
        ImportRun.create(at=datetime(2026, 9, 1, 9, 0), user="test", kind="schools",
                         file_name="gias_sample.csv", added=3)
    finally:
        dbmod.close_database()
    return path


def run_probe(database: Path, folder: Path, width: int, height: int, scale: float) -> dict:
    config = folder / "screen.json"
    config.write_text(json.dumps({"screens": [{"name": "laptop", "x": 0, "y": 0, "width": width,
                                               "height": height - TASK_BAR, "logicalDpi": 96}]}))
    env = dict(os.environ, QT_QPA_PLATFORM=f"offscreen:configfile={config}",
               QT_SCALE_FACTOR=str(scale), ITTDESK_DATA_DIR=str(folder / "data"),
               PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    done = subprocess.run([sys.executable, str(ROOT / "tests" / "screen_fit_probe.py"),
                           str(database), str(folder / "qt-settings.ini")],
                          capture_output=True, text=True, env=env, timeout=240, cwd=folder)
    lines = [line for line in done.stdout.splitlines() if line.startswith("PROBE ")]
    assert done.returncode == 0 and lines, done.stderr[-3000:]
    return json.loads(lines[0][len("PROBE "):])


@pytest.mark.parametrize(("width", "height", "scale"), SCREENS,
                         ids=[f"{w}x{h}@{int(s * 100)}%" for w, h, s in SCREENS])
def test_every_window_and_its_buttons_fit_the_screen(probe_database, tmp_path, width, height, scale):
    database = tmp_path / "demo.sqlite3"
    database.write_bytes(probe_database.read_bytes())
    report = run_probe(database, tmp_path, width, height, scale)
    ax, ay, aw, ah = report["available"]
    assert (aw, ah) == (round(width / scale), round((height - TASK_BAR) / scale))
    allow_w, allow_h = report["allowance"]
    windows = report["windows"]
    assert EXPECTED <= set(windows)
    problems = []
    for name, window in windows.items():
        if "error" in window:
            problems.append(f"{name}: {window['error']}")
            continue
        x, y, w, h = window["frame"]
        if not (x >= ax and y >= ay and x + w + allow_w <= ax + aw and y + h + allow_h <= ay + ah):
            problems.append(f"{name}: {w}×{h} at {x},{y} (with its frame) is off the {aw}×{ah} screen")
        for button in window["buttons"]:
            bx, by, bw, bh = button["rect"]
            inside = bx >= 0 and by >= 0 and bx + bw <= w and by + bh <= h
            if not inside or button["shown"] != [bw, bh]:
                problems.append(f"{name}: button {button['text']!r} is cut off or outside the window")
        if name != "MainWindow" and not window["buttons"]:
            problems.append(f"{name}: no buttons found (the probe saw nothing to check)")
    assert not problems, "\n".join(problems)
