"""Regenerate the README screenshots from the demo partnership (headless).

    python docs/make_screenshots.py            # writes docs/*.png

Builds the demo in a temporary folder, opens each main view at 1280 x 800, selects a row so
the summary pane shows, and saves a PNG (kept small: 8-bit palette when Pillow is present).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

VIEWS = [("home", "home"), ("schools", "schools"), ("people", "people"),
         ("programmes", "cohorts"), ("placements", "placements"), ("agreements", "agreements")]


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="ittdesk-shots-"))
    os.environ["ITTDESK_DATA_DIR"] = str(work)
    os.environ["ITTDESK_QT_SETTINGS"] = str(work / "qt.ini")
    from PySide6.QtCore import QEventLoop, QTimer

    from ittdesk import db
    from ittdesk.demo import build_demo
    from ittdesk.models import School
    from ui.app import application
    from ui.main_window import MainWindow

    app = application()
    location = db.open_database(work / "demo.sqlite3", daily_backup=False)
    build_demo(seed=2025)

    def settle(ms: int = 500) -> None:
        loop = QEventLoop()
        QTimer.singleShot(ms, loop.quit)
        loop.exec()

    window = MainWindow(location)
    window.resize(1280, 800)
    window.show()
    shots = []
    for key, name in VIEWS:
        page = window.show_page(key)
        settle()
        panel = getattr(page, "panel", None)
        panel = panel() if callable(panel) else panel
        if panel is not None:
            panel.table.selectRow(2)
            settle(200)
        shots.append((name, window.grab()))
    school = School.select().where(School.partnership_status == "partner").order_by(School.id).first()
    editor = window.open_record("school", school.id)
    editor.tabs.setCurrentIndex(1)
    settle(300)
    shots.append(("school-editor", editor.grab()))
    editor.reject()
    for name, pixmap in shots:
        out = ROOT / "docs" / f"{name}.png"
        pixmap.save(str(out))
        try:
            from PIL import Image

            Image.open(out).convert("P", palette=Image.ADAPTIVE, colors=256).save(out, optimize=True)
        except ImportError:
            pass
        print(f"{out.relative_to(ROOT)}: {out.stat().st_size // 1024} KB")
    window.close()
    db.close_database()
    app.processEvents()
    return 0


if __name__ == "__main__":
    sys.exit(main())
