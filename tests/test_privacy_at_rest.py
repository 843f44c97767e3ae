"""Protection at rest: every file that holds personal data is readable by its owner only."""

from __future__ import annotations

import os
import stat

from test_privacy_seed import seed_everywhere

from ittdesk import backup
from ittdesk.privacy import sar


def _private(path) -> bool:
    return stat.S_IMODE(path.stat().st_mode) & 0o077 == 0


def test_database_wal_backups_and_exports_are_owner_only_even_with_a_lax_umask(sqlite_db, tmp_path):
    old = os.umask(0o022)  # what most desktops use: new files readable by everyone
    try:
        seeded = seed_everywhere()
        path = sqlite_db.path
        wal = path.with_name(path.name + "-wal")
        shm = path.with_name(path.name + "-shm")
        auto = backup.automatic_backup(sqlite_db, reason="daily")
        manual = backup.backup_to(sqlite_db, tmp_path / "manual.sqlite3")
        _data, export = sar.export(seeded.person.id, tmp_path / "sar.xlsx")
    finally:
        os.umask(old)
    for file in (path, wal, shm, auto, manual, export):
        assert file.exists(), file
        assert _private(file), f"{file.name} is readable by others: {oct(file.stat().st_mode)}"
    assert _private(auto.parent) and stat.S_IMODE(auto.parent.parent.stat().st_mode) & 0o077 == 0


def test_the_data_statement_says_what_is_stored_where_and_recommends_encryption(sqlite_db):
    from ittdesk.privacy.statement import data_statement

    text = data_statement(sqlite_db, html=False)
    assert str(sqlite_db.path) in text and "readable by your user account only" in text
    assert "teacher reference numbers" in text and "full-disk encryption" in text
    html = data_statement(sqlite_db)
    assert html.startswith("<p>") and "BitLocker" in html


def test_files_written_together_are_owner_only_whatever_wrote_them(tmp_path):
    """Statements, the Ofsted pack and letters are staged and moved in together; their writers
    (XlsxWriter, Qt's PDF writer) create files as the umask says."""
    from ittdesk.files import StagedFolder

    old = os.umask(0o022)
    try:
        with StagedFolder(tmp_path / "out") as staged:
            staged.path("statement.xlsx").write_bytes(b"PK")
            staged.path("statement.pdf").write_bytes(b"%PDF")
            moved = staged.move_in()
    finally:
        os.umask(old)
    assert [p.name for p in moved] == ["statement.pdf", "statement.xlsx"]
    assert all(_private(p) for p in moved)
