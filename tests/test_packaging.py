"""The packaged app's pieces that run here without building it (the build and its smoke test
are .ci/build-app and .ci/smoke-app): the smoke hook the frozen app is checked with, and the
licences collected into it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "packaging"))


def _run_app(tmp_path: Path, code: str | None = None) -> subprocess.CompletedProcess:
    """The app from source on a new database with the smoke hook on, as .ci/smoke-app runs the
    frozen one; ``code`` runs first in the process (to break something on purpose)."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", ITTDESK_DATA_DIR=str(tmp_path / "data"),
               ITTDESK_QT_SETTINGS=str(tmp_path / "qt.ini"), PYTHONPATH=str(ROOT),
               ITTDESK_SMOKE_QUIT_AFTER_FIRST_PAGE="1", ITTDESK_SMOKE_TIMEOUT="60")
    env.pop("ITTDESK_DATABASE", None)
    script = (f"{code or ''}\nimport sys, main\n"
              f"sys.exit(main.main(['--db', {str(tmp_path / 'new.sqlite3')!r}]))")
    return subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)


def test_smoke_hook_quits_once_home_is_filled_and_counts_every_target(tmp_path):
    from ittdesk.cli import COMMAND_MODULES
    from ui import editors, views

    proc = _run_app(tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    line = next(x for x in proc.stdout.splitlines() if x.startswith("ITT Desk smoke:"))
    assert "Home filled (welcome)" in line  # a new database: Home shows its welcome
    assert (f"loaded {len(views.PAGES)} pages, {len(views.ACTIONS)} actions, "
            f"{len(editors.EDITORS)} editors, {len(COMMAND_MODULES)} command modules") in line
    painted = float(line.split("painted_at=")[1].split()[0])
    filled = float(line.split("filled_at=")[1].split(";")[0])
    assert painted <= filled


def test_smoke_hook_fails_naming_a_target_that_does_not_load(tmp_path):
    broken = ("import ui.views as v\n"
              "v.ACTIONS.append(v.ActionSpec('Tools', 'Gone', 'ui.no_such_module:open_it'))")
    proc = _run_app(tmp_path, broken)
    assert proc.returncode == 3, proc.stdout + proc.stderr[-2000:]
    assert "ITT Desk smoke: missing ui.no_such_module:open_it" in proc.stderr
    assert "Home filled" in proc.stdout


def test_licences_ship_a_licence_for_every_bundled_distribution(tmp_path):
    import licences

    folder = licences.collect(tmp_path, ROOT / "packaging" / "LICENCE.txt")
    listing = (folder / "THIRD-PARTY.txt").read_text(encoding="utf-8")
    for name in ("PySide6", "shiboken6", "peewee", "openpyxl", "python-calamine", "defusedxml",
                 "platformdirs", "psycopg2-binary", "pillow"):
        assert f"\n{name} " in listing, name
        shipped = folder / name
        assert shipped.is_dir() and any(shipped.iterdir()), f"no licence text for {name}"
    assert "Python 3." in listing
    assert "(no licence file" not in listing
    assert (folder / "ITT-Desk-LICENCE.txt").read_text(encoding="utf-8").startswith("ITT Desk")
    assert any((folder / "PySide6").glob("LGPL-3.0*"))


def test_qt_paths_hook_sets_plugin_path_without_importing_qt(tmp_path):
    """The packaged app's run-time hook in place of PyInstaller's PySide6 one: Qt's paths into
    the app's folder, and no Qt loaded before main.py (a CLI command never needs it)."""
    hook = ROOT / "packaging" / "rthooks" / "pyi_rth_qt_paths.py"
    script = ("import os, runpy, sys\n"
              f"sys._MEIPASS = {str(tmp_path)!r}\n"
              f"runpy.run_path({str(hook)!r})\n"
              "print(os.environ['QT_PLUGIN_PATH'])\n"
              "print(sorted(m for m in sys.modules if m.startswith(('PySide6', 'shiboken6'))))\n")
    env = {k: v for k, v in os.environ.items() if k != "QT_PLUGIN_PATH"}
    proc = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                          text=True, timeout=60, check=True)
    plugins, loaded = proc.stdout.splitlines()
    qt = tmp_path / "PySide6" if sys.platform.startswith("win") else tmp_path / "PySide6" / "Qt"
    assert Path(plugins) == qt / "plugins"
    assert loaded == "[]"


def test_spec_drops_the_runtime_hooks_that_load_qt_and_multiprocessing_early():
    spec = (ROOT / "packaging" / "ittdesk.spec").read_text(encoding="utf-8")
    assert 'UNUSED_RUNTIME_HOOKS = {"pyi_rth_pyside6", "pyi_rth_multiprocessing"}' in spec
    assert "pyi_rth_qt_paths.py" in spec
