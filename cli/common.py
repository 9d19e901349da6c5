"""What every command shares: the exit codes and output formats."""

from __future__ import annotations

EXIT_LEGAL, EXIT_ILLEGAL, EXIT_BAD_INPUT, EXIT_UNKNOWN = 0, 1, 2, 3
FORMATS = ("rich", "plain", "json")
CHECK_FORMATS = FORMATS + ("sarif", "junit")
