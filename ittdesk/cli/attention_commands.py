"""``ittdesk attention``: the Home page's "needs attention" list, printed."""

from __future__ import annotations

import argparse

from . import db_option, open_db
from .arguments import whole_number


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("attention", help="what needs attention: reports due, unconfirmed "
                                         "leadership, placements without a mentor, ...")
    db_option(p)
    p.add_argument("--limit", type=whole_number(0), default=10, metavar="N",
                   help="items listed per group (default 10; the count is always complete)")
    p.set_defaults(run=cmd_attention)


def cmd_attention(args: argparse.Namespace) -> int:
    from ..attention import needs_attention

    if args.limit < 0:
        from . import UsageError

        raise UsageError("ittdesk attention: --limit must be 0 or more")
    open_db(args)
    total = 0
    for group in needs_attention(limit=args.limit):
        total += group.count
        print(f"{group.title}: {group.count}")
        for item in group.items:
            print(f"  - {item.text} ({item.detail})" if item.detail else f"  - {item.text}")
        if group.count > len(group.items):
            print(f"  … and {group.count - len(group.items)} more")
    if not total:
        print("Nothing needs attention.")
    return 0
