"""`vmqproof rules [ID]`: the rule catalog; one rule in full."""

from __future__ import annotations

import argparse
import difflib
from typing import TextIO

from vmqproof.cli.common import EXIT_BAD_INPUT, EXIT_LEGAL, FORMATS
from vmqproof.cli.render import report as render
from vmqproof.properties.rules.catalog import catalog_listing, known_ids

NAME = "rules"


def register(commands: argparse._SubParsersAction) -> None:
    rules = commands.add_parser("rules", help="the rule catalog; one rule in full with ID")
    rules.add_argument("id", nargs="?", metavar="ID")
    rules.add_argument("--format", choices=FORMATS, default=None)
    rules.add_argument("--width", type=int, default=None, help=argparse.SUPPRESS)


def run(args: argparse.Namespace, fmt: str, out: TextIO, err: TextIO) -> int:
    listing = catalog_listing()
    if args.id is not None:
        matches = [entry for entry in listing if str(entry["id"]).lower() == args.id.lower()]
        if not matches:
            close = difflib.get_close_matches(args.id, known_ids(), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            print(f"vmqproof rules: unknown rule id {args.id!r}{hint}", file=err)
            return EXIT_BAD_INPUT
        listing = matches
    render.rules_listing(listing, fmt, out, full=args.id is not None, width=args.width)
    return EXIT_LEGAL
