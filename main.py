"""ITT Desk entry point: a subcommand runs the CLI; none opens the desktop app."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    from ittdesk.files import start_up

    start_up()  # a crashed run's temporaries removed; openpyxl's scratch kept in the data folder
    from ittdesk.cli import has_subcommand
    from ittdesk.cli import main as cli_main

    if has_subcommand(argv):
        return cli_main(argv)
    db = None
    for i, arg in enumerate(argv):
        if arg == "--db" and i + 1 < len(argv):
            db = argv[i + 1]
        elif arg.startswith("--db="):
            db = arg.split("=", 1)[1]
    from ui.app import run

    return run(db)


if __name__ == "__main__":
    sys.exit(main())
