"""Writing PDFs on a worker never deadlocks the GUI thread (ui.printing._new_document).

The deadlock this pins: a worker made a document's layout, which connects a signal inside Qt
while PySide holds the GIL; the GUI thread, destroying an object PySide tidies under the same
pooled lock, waited for the GIL. Before the fix the script below deadlocked in 5 runs of 6
(and a heavier variant in 9 of 9), at ``make_document``'s ``documentLayout()``, where CI's run
stood for 20 minutes.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from pdf_while_closing import DOCUMENTS

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.gui


def test_pdfs_laid_out_on_a_worker_while_the_gui_thread_destroys_objects_never_deadlock():
    env = {**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"}
    try:
        done = subprocess.run([sys.executable, str(ROOT / "tests" / "pdf_while_closing.py")],
                              env=env, capture_output=True, text=True, timeout=90)
    except subprocess.TimeoutExpired:
        pytest.fail("the GUI thread and a PDF worker deadlocked")
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["documents", str(DOCUMENTS)]
