"""``ittdesk export``: built-in returns, an LA's own template filled in, or everything.

    ittdesk export partnership OUT.xlsx [--year 2025/26] [--la NAME] [--programme NAME]
    ittdesk export partnership OUT.xlsx --template LA.xlsx [--mapping M.json] [--save-mapping]
    ittdesk export all OUT.xlsx

With ``--template`` and no ``--mapping`` the saved mapping for that template is used, or else
the suggested one; either way it is printed, with the headings nothing fills.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from . import UsageError, db_option, open_db
from .arguments import academic_year

if TYPE_CHECKING:
    from ..returns.base import Filters

RETURN_NAMES = ["partnership", "placements", "cohorts", "agreements", "mentor-training",
                "engagement"]


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "export", help="write a return for an LA or funder, fill in an LA's template, or "
                       "export every table ('all')",
        description="Write a built-in return, fill in an LA's own template (--template), or "
                    "export every table to one workbook ('all').")
    db_option(p)
    p.add_argument("what", choices=RETURN_NAMES + ["all"], metavar="{" + ",".join(
        RETURN_NAMES + ["all"]) + "}")
    p.add_argument("out", type=Path, metavar="OUT.xlsx")
    p.add_argument("--year", type=academic_year, help="academic year, e.g. 2025/26 (default: the current one)")
    p.add_argument("--la", help="only this local authority (name or code)")
    p.add_argument("--programme", help="only this programme (name or id), where it applies")
    p.add_argument("--template", type=Path, metavar="LA.xlsx",
                   help="fill in this blank template instead of the built-in layout")
    p.add_argument("--mapping", type=Path, metavar="M.json",
                   help='template column -> field, e.g. {"C": "school", "F": null}')
    p.add_argument("--save-mapping", action="store_true",
                   help="remember the mapping used for this template")
    p.set_defaults(run=cmd_export)

    p = sub.add_parser("read-export", help="read a full export ('ittdesk export all') into an "
                                           "empty database",
                       description="Read every record of a full export into this database, "
                                   "which must be empty. All or nothing.")
    db_option(p)
    p.add_argument("file", type=Path, metavar="FILE.xlsx")
    p.set_defaults(run=cmd_read_export)


def cmd_export(args: argparse.Namespace) -> int:
    if args.mapping and not args.template:
        raise UsageError("ittdesk export: --mapping needs --template")
    if args.what == "all" and (args.template or args.la or args.programme or args.year):
        raise UsageError("ittdesk export: 'all' exports every record; it takes no filters or "
                         "template")
    if args.out.suffix.lower() not in (".xlsx", ".xlsm"):
        raise UsageError(f"ittdesk export: {args.out.name}: the output must be an .xlsx file")
    open_db(args)
    if args.what == "all":
        from ..returns.full_export import export_all

        written = export_all(args.out)
        print(f"Exported every table to {args.out}:")
        for name, count in written.items():
            print(f"  {count:6d} {name}")
        return 0

    from ..returns import get_return, make_filters, make_return

    filters = make_filters(args.year, args.la, args.programme)
    spec = get_return(args.what)
    if args.programme and not spec.uses_programme:
        raise UsageError(f"ittdesk export: the {args.what} return has no programme filter")
    if args.template:
        return _fill(args, filters)
    result = make_return(args.what, args.out, filters)
    print(f"{spec.title} for {filters.year}: {result.rows} rows written to {result.path}")
    return 0


def _fill(args: argparse.Namespace, filters: Filters) -> int:
    from ..returns.template import fill_template, inspect_template, read_mapping_file

    info = inspect_template(args.template, args.what, filters)
    mapping = info.mapping
    if args.mapping:
        mapping = read_mapping_file(args.mapping, info)
        info.mapping = mapping
        source = f"from {args.mapping.name}"
    else:
        source = "saved for this template" if info.from_saved else "suggested"
    print(f"Template {info.path.name}: headings on sheet '{info.sheet}', row {info.header_row}")
    print(f"Mapping ({source}):")
    for line in info.describe_mapping():
        print(f"  {line}")
    if info.unmapped:
        print("Headings ITT Desk could not place (left empty): " + "; ".join(info.unmapped))
    result = fill_template(info, args.out, filters, mapping,
                           remember=bool(args.save_mapping or args.mapping))
    for message in result.messages:
        print(message)
    print(f"{result.rows} rows written to {result.path} (the template is unchanged)")
    return 0


def cmd_read_export(args: argparse.Namespace) -> int:
    from ..returns.full_import import restore_export

    location = open_db(args, create=True)
    added = restore_export(args.file)
    print(f"Read {args.file.name} into {location.display}:")
    for name, count in added.items():
        print(f"  {count:6d} {name}")
    return 0
