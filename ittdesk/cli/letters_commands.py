"""``ittdesk letters ...``: placement and agreement letters merged into Word templates.

    ittdesk letters placements --cohort ID OUTDIR [--pdf | --combined-pdf]
    ittdesk letters agreement REF OUTDIR [--pdf | --combined-pdf]
    ittdesk letters template KIND OUT.docx

Each letter is written as a Word document (the provider's template, setting letter_<kind>, or
the built-in one); ``--pdf`` also writes each as a PDF, ``--combined-pdf`` one PDF of them all,
printed by the app's own renderer (no LibreOffice needed). All or nothing.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from . import db_option, open_db
from .desktop import pdf_renderer

if TYPE_CHECKING:
    from ..outreach.letters import Letter


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    top = sub.add_parser("letters", help="placement and support agreement letters (Word and PDF)")
    db_option(top)
    actions = top.add_subparsers(dest="letters_command", metavar="ACTION", required=True,
                                 parser_class=type(top))

    def pdf_options(p: argparse.ArgumentParser) -> None:
        group = p.add_mutually_exclusive_group()
        group.add_argument("--pdf", action="store_true",
                           help="also write each letter as a PDF")
        group.add_argument("--combined-pdf", action="store_true",
                           help="also write one PDF holding every letter, to print at once")

    p = actions.add_parser("placements", help="a letter to the school, the mentor and the "
                                              "trainee for every placement of a cohort")
    db_option(p)
    p.add_argument("--cohort", type=int, required=True, metavar="ID", help="the cohort's id")
    p.add_argument("outdir", type=Path, metavar="OUTDIR")
    pdf_options(p)
    p.set_defaults(run=cmd_placements)

    p = actions.add_parser("agreement", help="the covering letter to each school of a support "
                                             "agreement")
    db_option(p)
    p.add_argument("reference", metavar="REF")
    p.add_argument("outdir", type=Path, metavar="OUTDIR")
    pdf_options(p)
    p.set_defaults(run=cmd_agreement)

    from ..outreach.letter_kinds import KINDS

    p = actions.add_parser("template", help="write a built-in letter template to edit in Word "
                                            "(then: ittdesk settings set letter_KIND FILE)")
    db_option(p)
    p.add_argument("kind", choices=list(KINDS), metavar="KIND",
                   help="one of: " + ", ".join(KINDS))
    p.add_argument("out", type=Path, metavar="OUT.docx")
    p.set_defaults(run=cmd_template)


def _write(args: argparse.Namespace, letters: list[Letter], notes: list[str], name: str) -> int:
    from ..outreach import letters as merge

    render = None
    if args.pdf or args.combined_pdf:
        render = pdf_renderer(args)  # Qt renders the PDF (headless), never the core
    result = merge.write_letters(letters, args.outdir, render=render, notes=notes,
                                 combined=f"{name}.pdf" if args.combined_pdf else None)
    print(f"Wrote {len(result.docx)} letter(s) (Word) to {args.outdir}")
    if result.pdf:
        print(f"Wrote {len(result.pdf)} PDF file(s) to {args.outdir}")
    for note in result.notes:
        print(f"ittdesk: note: {note}", file=sys.stderr)
    return 0


def cmd_placements(args: argparse.Namespace) -> int:
    from ..outreach import letters

    open_db(args)
    found, notes = letters.placement_letters(args.cohort)
    return _write(args, found, notes, f"Placement letters - cohort {args.cohort}")


def cmd_agreement(args: argparse.Namespace) -> int:
    from ..outreach import letters

    open_db(args)
    found, notes = letters.agreement_letters(args.reference)
    return _write(args, found, notes, f"Agreement letters - {letters._safe(args.reference)}")


def cmd_template(args: argparse.Namespace) -> int:
    from ..outreach import letters
    from ..outreach.letter_kinds import KINDS

    if args.out.suffix.lower() != ".docx":
        print(f"ittdesk: {args.out.name}: a Word template is saved as a .docx file",
              file=sys.stderr)
        return 2
    target = letters.export_template(args.kind, args.out)
    print(f"Wrote the built-in {KINDS[args.kind].label.lower()} template to {target}. "
          f"Edit it in Word (fields are written like {{recipient}}), then: "
          f"ittdesk settings set letter_{args.kind} {target}")
    return 0
