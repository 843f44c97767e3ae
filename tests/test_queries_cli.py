"""``ittdesk attention`` prints the same groups as the Home page."""

from __future__ import annotations

from ittdesk.cli import main


def test_attention_lists_groups_with_counts_and_items(demo_template, tmp_path, capsys):
    from ittdesk import backup

    path = backup.copy_database(demo_template, tmp_path / "demo.sqlite3")
    assert main(["--db", str(path), "attention", "--limit", "2"]) == 0
    out = capsys.readouterr().out
    assert "Placements with no mentor:" in out
    assert "Schools whose leadership is not confirmed" in out
    assert "… and" in out


def test_attention_refuses_a_negative_limit_as_usage(tmp_path, capsys):
    assert main(["--db", str(tmp_path / "x.sqlite3"), "attention", "--limit", "-1"]) == 2
    assert "--limit" in capsys.readouterr().err
