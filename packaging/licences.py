"""The licences shipped inside the packaged app: ITT Desk's own and every bundled component's.

Called by ``ittdesk.spec`` at build time: it walks the dependencies ITT Desk declares (and
psycopg2-binary, which the build adds), recursively, in the build's own environment, and copies
each distribution's licence files as installed with it, plus Python's own licence, into
``OUT/licences/``, with ``THIRD-PARTY.txt`` listing name, version and declared licence. Reading
them from the environment that is bundled means the list cannot drift from what is shipped.
Qt (LGPLv3, through PySide6) is shipped as separate shared libraries in the app's folder, which
a user may replace: LGPL's relinking condition.
"""

from __future__ import annotations

import re
import shutil
import sys
import sysconfig
from importlib import metadata
from pathlib import Path

LICENCE_NAME = re.compile(r"(LICEN[CS]E|COPYING|NOTICE|AUTHORS)", re.IGNORECASE)
# Qt for Python's wheels carry no licence file: the texts it is used under (LGPL-3.0, which
# builds on GPL-3.0) are kept in packaging/licence-texts and shipped for them.
TEXTS = Path(__file__).resolve().parent / "licence-texts"
NO_FILES = {"pyside6", "pyside6-addons", "pyside6-essentials", "shiboken6"}


def _name(requirement: str) -> str:
    return re.split(r"[\s;<>=!~\[(]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def runtime_distributions(roots: list[str]) -> list[metadata.Distribution]:
    """``roots`` and everything they require (markers for this platform honoured)."""
    from packaging.requirements import Requirement

    seen: dict[str, metadata.Distribution] = {}
    todo = list(roots)
    while todo:
        name = _name(todo.pop())
        if name in seen:
            continue
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue  # an optional requirement for another platform
        seen[name] = dist
        for text in dist.requires or []:
            req = Requirement(text)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                todo.append(req.name)
    return sorted(seen.values(), key=lambda d: d.metadata["Name"].lower())


def _licence_files(dist: metadata.Distribution) -> list[Path]:
    found = []
    for file in dist.files or []:
        parts = Path(str(file)).parts
        if any(".dist-info" in p for p in parts) and LICENCE_NAME.search(parts[-1]):
            found.append(Path(str(dist.locate_file(file))))
    return [p for p in found if p.is_file()]


def _python_licence() -> Path | None:
    for folder in (sysconfig.get_path("stdlib"), sys.base_prefix):
        candidate = Path(folder) / "LICENSE.txt"
        if candidate.is_file():
            return candidate
    return None


def collect(out: Path, own_licence: Path) -> Path:
    """Write ``out/licences`` and return it."""
    folder = out / "licences"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    shutil.copyfile(own_licence, folder / "ITT-Desk-LICENCE.txt")
    lines = ["Components bundled with ITT Desk, their versions and licences.",
             "Each one's licence files as distributed are in the folder named after it.", ""]
    python = _python_licence()
    py_version = ".".join(map(str, sys.version_info[:3]))
    if python is not None:
        (folder / "python").mkdir()
        shutil.copyfile(python, folder / "python" / "LICENSE.txt")
    lines.append(f"Python {py_version}: Python Software Foundation License"
                 + ("" if python else " (https://docs.python.org/3/license.html)"))
    for dist in runtime_distributions(["ittdesk", "psycopg2-binary"]):
        name, version = dist.metadata["Name"], dist.version
        if name.lower() == "ittdesk":
            continue
        declared = (dist.metadata.get("License-Expression") or dist.metadata.get("License")
                    or "; ".join(c.split("::")[-1].strip()
                                 for c in dist.metadata.get_all("Classifier") or []
                                 if c.startswith("License ::")) or "see its licence files")
        declared = declared.splitlines()[0][:120]
        files = _licence_files(dist)
        if not files and name.lower().replace("_", "-") in NO_FILES:
            files = sorted(TEXTS.glob("*.txt"))
        if files:
            target = folder / name
            target.mkdir(exist_ok=True)
            for path in files:
                shutil.copyfile(path, target / path.name)
        lines.append(f"{name} {version}: {declared}"
                     + ("" if files else " (no licence file in its distribution)"))
    (folder / "THIRD-PARTY.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


if __name__ == "__main__":
    print(collect(Path(sys.argv[1]), Path(__file__).resolve().parent / "LICENCE.txt"))
