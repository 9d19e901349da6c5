"""One exception root; subclasses also inherit the builtin they refine."""

from __future__ import annotations

import re

# What str.splitlines breaks on, and lone surrogates (no UTF-8 stream can write them): escaped, so that a message
# stays one line whatever the input held.
_LINE_BREAKS = re.compile("[\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029\ud800-\udfff]")


class VmqproofError(Exception):
    """Root of every error vmqproof raises on purpose."""


class ConfigError(VmqproofError, ValueError):
    """Bad input: names the file, the field path (and line where known), what was expected and what was given."""

    def __init__(self, message: str, *, file: str | None = None, path: str | None = None,
                 line: int | None = None, expected: str | None = None, given: str | None = None) -> None:
        self.message = message
        self.file = file
        self.path = path
        self.line = line
        self.expected = expected
        self.given = given
        super().__init__(self.one_line())

    def with_file(self, file: str) -> "ConfigError":
        return ConfigError(self.message, file=file, path=self.path, line=self.line,
                           expected=self.expected, given=self.given)

    def one_line(self) -> str:
        where = self.file or "<input>"
        if self.line is not None:
            where += f":{self.line}"
        parts = [where]
        if self.path:
            parts.append(self.path)
        text = ": ".join(parts) + ": " + self.message
        if self.expected is not None:
            text += f" (expected {self.expected}"
            text += f", given {self.given})" if self.given is not None else ")"
        elif self.given is not None:
            text += f" (given {self.given})"
        return _LINE_BREAKS.sub(lambda match: " " if match.group() == "\n" else ascii(match.group())[1:-1], text)


class UsageError(VmqproofError, ValueError):
    """Bad command-line usage."""
