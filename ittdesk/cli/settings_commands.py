"""``ittdesk settings list`` and ``ittdesk settings set KEY VALUE``: the provider's settings.

The same checks as the Provider settings dialog (``ittdesk.settings.clean``): a UKPRN is 8
digits, a logo is a PNG or JPEG file of sane size (stored in the database, so it travels with
it). An empty VALUE ("") puts a setting back to its default.
"""

from __future__ import annotations

import argparse
import sys

from .. import settings
from ..errors import ValidationError
from . import db_option, open_db

#: keys ``settings set`` changes; the retention schedule has its own checks (``retention set``)
SETTABLE = [key for key in settings.OPTIONS if not key.startswith("retention_")]


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("settings", help="list or change the provider's settings (name, UKPRN, logo...)")
    db_option(p)
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True,
                               parser_class=type(p))
    listing = actions.add_parser("list", help="every setting with its value and what it is for")
    db_option(listing)
    listing.set_defaults(run=cmd_list)
    change = actions.add_parser(
        "set", help="change one setting, e.g. settings set provider_ukprn 10012345",
        description="Keys: " + ", ".join(SETTABLE) + " (retention periods: ittdesk retention "
                    "set). provider_logo takes the path "
                    "of a PNG or JPEG file; an empty value (\"\") puts the default back.")
    db_option(change)
    change.add_argument("key", choices=SETTABLE, metavar="KEY")
    change.add_argument("value", metavar="VALUE")
    change.set_defaults(run=cmd_set)


def cmd_list(args: argparse.Namespace) -> int:
    open_db(args)
    values = settings.all_settings()
    width = max(len(key) for key in values)
    for key, value in values.items():
        shown = settings.shown(key, value) or "(not set)"
        print(f"{key:<{width}}  {shown}    # {settings.option(key).label}")
    return 0


def cmd_set(args: argparse.Namespace) -> int:
    open_db(args, create=True)  # naming the provider may be a new partnership's first step
    value = args.value
    if args.value == "" and args.key not in settings.PROVIDER_KEYS:
        value = settings.option(args.key).default
    try:
        settings.set(args.key, value)
    except ValidationError as exc:
        for message in exc.errors.values():
            print(f"ittdesk: {args.key}: {message}; nothing was changed", file=sys.stderr)
        return 1
    print(f"{args.key} = {settings.shown(args.key, settings.get(args.key)) or '(not set)'}")
    return 0
