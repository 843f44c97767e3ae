"""Every file ITT Desk writes: atomically, durably, and with no temporary copy left unknown.

``atomic_write`` writes to a temporary file, fsyncs it, renames it onto the target and fsyncs
the folder, so a crash or power cut leaves either the old file or the whole new one.

Temporary files hold personal data (a partial backup is a whole database), so they live in the
data folder's ``tmp`` subfolder whenever it is on the target's file system (a rename cannot
cross file systems; otherwise beside the target). Each is named ``.ittdesk-<pid>-...`` after
the process that made it: ``remove_stale_temporaries`` (run at every start of the app and the
CLI) deletes those whose process is gone, and erasure finds the same ones (``stray_temporaries``).
XlsxWriter's scratch files (rows streamed to disk) go through ``tempfile``, which ``start_up``
points at a folder of this process inside ``tmp``.
"""

from __future__ import annotations

import atexit
import errno
import os
import re
import secrets
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from .errors import RefusedError
from .paths import backups_dir, tmp_dir
from .sqlite_file import refuse_database_file

PREFIX = ".ittdesk-"
_OWNED = re.compile(r"^\.ittdesk-(\d+)-")
_OLD_STYLE = re.compile(r"^\.ittdesk-[^-]+\.tmp")  # before pids were in names: mkstemp's
STALE_AFTER = 24 * 3600  # seconds; a temporary this old is abandoned even if its pid lives


def temporary_name(suffix: str = "") -> str:
    """``.ittdesk-<pid>-<random><suffix>``: the pid tells start-up whether its writer lives."""
    return f"{PREFIX}{os.getpid()}-{secrets.token_hex(4)}{suffix}"


def owner_pid(name: str) -> int | None:
    found = _OWNED.match(name)
    return int(found.group(1)) if found else None


def is_temporary(name: str) -> bool:
    return bool(_OWNED.match(name) or _OLD_STYLE.match(name))


def pid_alive(pid: int) -> bool:
    """Whether a process with this id runs (a zombie counts as running until reaped)."""
    if pid <= 0:
        return False
    if pid == os.getpid():
        return True
    if sys.platform == "win32":  # os.kill(pid, 0) would send Ctrl-C there
        import ctypes

        handle = ctypes.windll.kernel32.OpenProcess(0x1000, False, pid)  # QUERY_LIMITED_INFO
        if not handle:
            return False
        code = ctypes.c_ulong()
        ctypes.windll.kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
        ctypes.windll.kernel32.CloseHandle(handle)
        return code.value == 259  # STILL_ACTIVE
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# -- durable writes ------------------------------------------------------------------------------

def fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` durable; not possible (nor needed) on Windows."""
    if sys.platform == "win32":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def temp_folder_for(folder: Path) -> Path:
    """The data folder's ``tmp`` when it shares ``folder``'s file system, else ``folder``."""
    try:
        tmp = tmp_dir()
        if tmp.stat().st_dev == folder.stat().st_dev:
            return tmp
    except OSError:
        pass
    return folder


def atomic_write(target: Path, write: Callable[[Path], object]) -> Path:
    """Call ``write(tmp_path)``, then fsync it, rename it onto ``target`` and fsync the folder.

    A missing folder, one that cannot be written, or a target held open by another program
    (Excel on Windows) is a ``RefusedError`` with a plain message; the temporary file is
    removed whatever happens, interrupts included.
    """
    target = Path(target).expanduser().resolve()
    refuse_database_file(target, "write over")  # never a database under a running app
    folder = target.parent
    if not folder.is_dir():
        raise RefusedError(f"Cannot save {target.name}: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):  # known now, not after writing it all
        raise RefusedError(f"Cannot save in {folder}: permission denied")
    tmp = temp_folder_for(folder) / temporary_name(".tmp" + target.suffix)
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0),
                     0o600)
        os.close(fd)
    except OSError as exc:
        raise RefusedError(f"Cannot save in {tmp.parent}: {exc.strerror or exc}") from exc
    try:
        write(tmp)
        fsync_file(tmp)
        _rename_into(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_folder(folder)
    return target


def _rename_into(tmp: Path, target: Path) -> None:
    try:
        try:
            os.replace(tmp, target)
        except OSError as exc:
            if exc.errno != errno.EXDEV:
                raise
            # Same device number yet another mount (a bind mount): copy beside, then rename.
            beside = target.parent / temporary_name(".tmp" + target.suffix)
            try:
                shutil.copyfile(tmp, beside)
                fsync_file(beside)
                os.replace(beside, target)
            finally:
                beside.unlink(missing_ok=True)
    except PermissionError as exc:
        raise RefusedError(
            f"Cannot save {target.name}: it is open in another program (Excel?) or read-only. "
            "Close it and try again."
        ) from exc
    except OSError as exc:
        raise RefusedError(f"Cannot save {target.name}: {exc.strerror or exc}") from exc


# -- temporary files of this process and of dead ones --------------------------------------------

_started: list[int] = []  # the pid start_up ran in (a forked child runs it afresh)


def process_temp_dir() -> Path:
    """This process's scratch folder inside the data folder's ``tmp`` (created on demand)."""
    folder = tmp_dir() / f"{PREFIX}{os.getpid()}-tempdir"
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder


def start_up() -> list[Path]:
    """At every start (app and CLI): remove what crashed runs left, and send ``tempfile`` users
    (XlsxWriter's scratch files) to this process's folder in the data folder.
    Never fails the start: a folder that cannot be cleaned is tried again next time."""
    if _started == [os.getpid()]:
        return []
    _started[:] = [os.getpid()]
    try:
        removed = remove_stale_temporaries()
        scratch = process_temp_dir()
        tempfile.tempdir = str(scratch)
        atexit.register(shutil.rmtree, scratch, ignore_errors=True)  # a kill: the next start
    except OSError:
        return []
    return removed


def temporary_folders() -> list[Path]:
    """Where temporaries can be: the data folder's ``tmp`` and each database's backup folder
    (copies written before temporaries moved to ``tmp`` were made beside their backup)."""
    folders = [tmp_dir(), backups_dir()]
    folders += [p for p in sorted(backups_dir().iterdir()) if p.is_dir()]
    return folders


def stray_temporaries(folders: Iterable[Path] | None = None, *,
                      now: float | None = None) -> list[Path]:
    """Temporaries no live process is writing: the owner is dead, or the name has no owner
    (an older version's), or what it holds was last touched more than a day ago."""
    now = time.time() if now is None else now
    found = []
    for folder in folders if folders is not None else temporary_folders():
        try:
            entries = list(Path(folder).iterdir())
        except OSError:
            continue
        for path in entries:
            if not is_temporary(path.name):
                continue
            pid = owner_pid(path.name)
            if pid == os.getpid():
                continue
            if pid is not None and pid_alive(pid):
                # The pid may have been reused since the crash: abandoned contents are a day
                # old. A live process's empty scratch folder is never abandoned.
                try:
                    if _is_empty_folder(path) or now - _last_touched(path) < STALE_AFTER:
                        continue
                except OSError:
                    continue
            found.append(path)
    return sorted(found)


def _is_empty_folder(path: Path) -> bool:
    return path.is_dir() and not any(path.iterdir())


def _last_touched(path: Path) -> float:
    newest = path.stat().st_mtime
    if path.is_dir():
        for child in path.rglob("*"):
            newest = max(newest, child.stat().st_mtime)
    return newest


def remove_path(path: Path, *, overwrite: bool = False) -> None:
    """Delete a file or a whole folder; ``overwrite`` zeroes the files first (erasure)."""
    if path.is_dir() and not path.is_symlink():
        if overwrite:
            for child in path.rglob("*"):
                if child.is_file():
                    _zero(child)
        shutil.rmtree(path, ignore_errors=True)
        return
    if overwrite:
        _zero(path)
    path.unlink(missing_ok=True)


def _zero(path: Path) -> None:
    try:
        size = path.stat().st_size
        with path.open("r+b") as fh:  # an undelete tool then finds zeros
            fh.write(b"\0" * size)
            fh.flush()
            os.fsync(fh.fileno())
    except OSError:
        pass


def remove_stale_temporaries(folders: Iterable[Path] | None = None) -> list[Path]:
    """Delete every stray temporary (see ``stray_temporaries``); returns what was removed."""
    removed = []
    for path in stray_temporaries(folders):
        try:
            remove_path(path)
        except OSError:
            continue
        removed.append(path)
    return removed


# -- several files as one step -------------------------------------------------------------------

def nearest_existing(path: Path) -> Path:
    path = Path(path).expanduser().absolute()
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def check_folder(dest: Path) -> Path:
    """``dest`` as a folder that can be written, or a ``RefusedError`` saying why not, before
    anything is written (a missing folder is fine when it can be created)."""
    dest = Path(dest).expanduser().absolute()
    if dest.exists() and not dest.is_dir():
        raise RefusedError(f"{dest} is a file, not a folder")
    base = nearest_existing(dest)
    if not base.is_dir():
        raise RefusedError(f"Cannot create the folder {dest}: {base} is a file")
    if not os.access(base, os.W_OK | os.X_OK):
        raise RefusedError(f"Cannot write in {base}: permission denied")
    return dest


class StagedFolder:
    """Files written privately first, then moved into ``dest`` together.

    Use as a context manager: write each file at ``path(name)``, then ``move_in()``; if a later
    step fails (recording them in the database), ``undo()`` takes them out again and puts back
    any file they replaced, and folders this made are removed. Leaving the ``with`` removes the
    staging folder, so an interrupt or a failure leaves ``dest`` as it was.
    """

    def __init__(self, dest: Path):
        self.dest = check_folder(dest)
        self.folder = temp_folder_for(nearest_existing(self.dest)) / temporary_name(".staged")
        try:
            self.folder.mkdir(mode=0o700)
        except OSError as exc:
            raise RefusedError(f"Cannot write in {self.folder.parent}: "
                               f"{exc.strerror or exc}") from exc
        self._aside = self.folder / ".replaced"
        self._moved: list[Path] = []
        self._replaced: list[tuple[Path, Path]] = []
        self._created: list[Path] = []

    def __enter__(self) -> StagedFolder:
        return self

    def __exit__(self, *exc_info: object) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)

    def path(self, name: str) -> Path:
        return self.folder / name

    def staged(self) -> list[Path]:
        return sorted(p for p in self.folder.iterdir() if p.is_file())

    def move_in(self) -> list[Path]:
        """Every staged file into ``dest`` (a file of the same name is kept aside for undo)."""
        files = self.staged()
        for path in files:
            # owner-only whatever wrote it (XlsxWriter and Qt's PDF writer follow the umask):
            # letters, statements and packs carry personal data
            os.chmod(path, 0o600)
            fsync_file(path)
        missing = []
        folder = self.dest
        while not folder.exists():
            missing.append(folder)
            folder = folder.parent
        self.dest.mkdir(parents=True, exist_ok=True)
        self._created = missing  # deepest first: the order undo removes them in
        self._aside.mkdir(exist_ok=True)
        for path in files:
            target = self.dest / path.name
            if target.exists():
                kept = self._aside / path.name
                os.replace(target, kept)
                self._replaced.append((target, kept))
            os.replace(path, target)
            self._moved.append(target)
        fsync_folder(self.dest)
        return list(self._moved)

    def undo(self) -> None:
        """Take the moved files out again and put back what they replaced."""
        for target in self._moved:
            target.unlink(missing_ok=True)
        for target, kept in self._replaced:
            try:
                os.replace(kept, target)
            except OSError:
                pass
        for folder in self._created:
            try:
                folder.rmdir()
            except OSError:
                pass
        self._moved, self._replaced, self._created = [], [], []
