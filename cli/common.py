"""What every command shares: the exit codes, output formats and the solver budget option."""

from __future__ import annotations

import argparse

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
