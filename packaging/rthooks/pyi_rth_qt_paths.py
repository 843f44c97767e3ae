"""Run-time hook of the packaged ITT Desk, in place of PyInstaller's own PySide6 hook.

PyInstaller's ``pyi_rth_pyside6`` sets Qt's search paths and then imports ``PySide6.QtCore``
(with shiboken and its signature modules) before ``main.py`` runs, only to check whether a
``qt.conf`` is embedded; the PySide6 wheels always embed one, so for this app that import only
moved work earlier and made every CLI command load Qt (``ittdesk version`` included), which the
source install never does. This hook sets the same paths and imports nothing from Qt: the app
imports PySide6 when it opens a window or renders a PDF, as from source.
"""

import os
import sys


def _qt_paths() -> None:
    meipass = sys._MEIPASS  # type: ignore[attr-defined]  # given by the bootloader
    on_windows = sys.platform.startswith("win")
    qt = os.path.join(meipass, "PySide6") if on_windows else os.path.join(meipass, "PySide6", "Qt")
    os.environ["QT_PLUGIN_PATH"] = os.path.join(qt, "plugins")
    os.environ["QML2_IMPORT_PATH"] = os.path.join(qt, "qml")
    if on_windows:  # OpenSSL DLLs collected beside the app, as PyInstaller's hook does
        os.environ["PATH"] = os.pathsep.join(p for p in (meipass, os.environ.get("PATH")) if p)
    elif sys.platform == "darwin" and not meipass.endswith(os.path.join("Contents", "Frameworks")):
        old = os.environ.get("DYLD_LIBRARY_PATH")
        os.environ["DYLD_LIBRARY_PATH"] = os.pathsep.join(p for p in (meipass, old) if p)


_qt_paths()
del _qt_paths
