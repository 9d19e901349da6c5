"""What every command shares: the exit codes, output formats, and the option types (--timeout, --jobs, --rule)."""

from __future__ import annotations

import argparse
import difflib

from vmqproof.model.config.errors import ConfigError
from vmqproof.model.readers.inf import ARCHITECTURES
from vmqproof.properties.rules.catalog import known_ids

EXIT_LEGAL, EXIT_ILLEGAL, EXIT_BAD_INPUT, EXIT_UNKNOWN = 0, 1, 2, 3
FORMATS = ("rich", "plain", "json")
CHECK_FORMATS = FORMATS + ("sarif", "junit")


def seconds(text: str) -> float:
    """The argparse type of `--timeout`: a positive number of seconds."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, given {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, given {text!r}")
    return value


def jobs(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 256:
        raise argparse.ArgumentTypeError(f"expected a number of processes from 1 to 256, given {text!r}")
    return int(text)


def parse_rule_ids(raw: list[str] | None) -> list[str] | None:
    if raw is None:
        return None
    ids = [part.strip() for item in raw for part in item.split(",") if part.strip()]
    known = known_ids()
    for rule_id in ids:
        if rule_id not in known:
            close = difflib.get_close_matches(rule_id, known, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise ConfigError(f"unknown rule id {rule_id!r}{hint}", file="--rule")
    return ids


def add_arch_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--arch", choices=ARCHITECTURES, default=None,
                        help="read INF models and install sections for this architecture (default: amd64 when the "
                             "INF has models for it, else the first its [Manufacturer] decorations name)")
