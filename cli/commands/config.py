"""`vmqproof config`: the effective check settings and where each came from (file:line, command line, default)."""

from __future__ import annotations

import argparse
import json
from typing import TextIO

from vmqproof.cli import settings
from vmqproof.cli.common import EXIT_LEGAL

NAME = "config"


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(NAME, help="the effective check settings and where each came from")
    settings.add_options(parser)
    parser.add_argument("--json", action="store_true", help="print the settings as JSON")


def run(args: argparse.Namespace, fmt: str, out: TextIO, err: TextIO) -> int:
    project = settings.project_config(args.config, args.isolated)
    effective = settings.effective(project, settings.given_options(args))
    if args.json:
        data = {"file": project.file,
                "settings": {key: {"value": value, "source": source} for key, (value, source) in effective.items()}}
        out.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
        return EXIT_LEGAL
    out.write(f"project configuration: {project.file or 'none'}\n")
    width = max(len(key) for key in effective)
    for key, (value, source) in effective.items():
        out.write(f"{key:<{width}} = {json.dumps(value, ensure_ascii=False)}  ({source})\n")
    return EXIT_LEGAL
