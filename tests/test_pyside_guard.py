"""PySide6 6.12.0 on Python 3.11 lowers the refcount of None on every void call and aborts.

This guard fails on such a build, before the interpreter dies mysteriously elsewhere.
"""

import sys

from PySide6.QtCore import QObject


def test_void_qt_calls_do_not_leak_references_to_none():
    obj = QObject()
    obj.setObjectName("warm-up")
    before = sys.getrefcount(None)
    for i in range(3000):
        obj.setObjectName(f"name-{i}")
    after = sys.getrefcount(None)
    assert after >= before - 50, f"refcount of None fell from {before} to {after}"
