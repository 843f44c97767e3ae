"""Render resources/ittdesk.svg into the icon files the packaged app needs.

``python packaging/make_icons.py`` writes ``packaging/icons/ittdesk.png`` (Linux, 256 px),
``ittdesk.ico`` (Windows: 16-256 px in one file) and ``ittdesk.icns`` (macOS). They are small and
committed, so the Windows and macOS builds need no renderer; run this again after the SVG
changes. Qt's SVG renderer draws them, so they look exactly like the icon the running app
shows; Pillow packs the sizes into .ico and .icns.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SVG = ROOT / "resources" / "ittdesk.svg"
OUT = Path(__file__).resolve().parent / "icons"
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
ICNS_SIZES = (16, 32, 64, 128, 256, 512, 1024)  # what Pillow writes from 1024 px


def render(size: int):
    """The SVG drawn at ``size`` x ``size`` on a transparent background."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    QSvgRenderer(str(SVG)).render(painter)
    painter.end()
    return image


def write_multi(png: Path, path: Path, sizes: tuple[int, ...]) -> None:
    """One .ico/.icns holding every size: Pillow (already a dependency) writes both formats
    from the large PNG (Qt's writers take one image per file)."""
    from PIL import Image

    with Image.open(png) as big:
        if path.suffix == ".ico":
            big.save(path, sizes=[(s, s) for s in sizes])
        else:
            big.save(path)  # icns: Pillow writes its standard sizes from the 1024 px image


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication

    _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    OUT.mkdir(exist_ok=True)
    big = OUT / "ittdesk-1024.png"
    for size, path in ((256, OUT / "ittdesk.png"), (1024, big)):
        if not render(size).save(str(path)):
            raise SystemExit(f"could not write {path}")
    write_multi(big, OUT / "ittdesk.ico", ICO_SIZES)
    write_multi(big, OUT / "ittdesk.icns", ICNS_SIZES)
    big.unlink()
    for path in sorted(OUT.iterdir()):
        print(f"{path.relative_to(ROOT)}: {path.stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
