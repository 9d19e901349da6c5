"""Shared by the tests: a summary of the soundness differentials in the terminal report, which `-q` keeps (prints
from passing tests are hidden)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

SOUNDNESS_LINES = pytest.StashKey[list[str]]()


@pytest.fixture
def soundness_summary(request: pytest.FixtureRequest) -> Callable[[str], None]:
    """Adds a line to the end-of-run summary (counts, seeds and disagreements of a differential)."""
    lines = request.config.stash.setdefault(SOUNDNESS_LINES, [])
    return lines.append


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, exitstatus: int,
                            config: pytest.Config) -> None:
    lines = config.stash.get(SOUNDNESS_LINES, [])
    if lines:
        terminalreporter.write_sep("-", "soundness differentials")
        for line in lines:
            terminalreporter.write_line(line)
