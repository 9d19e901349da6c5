"""The pre-commit hook definition points at the real command and matches the files check reads."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_pre_commit_hooks_run_vmqproof_check() -> None:
    text = (ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8")
    entries = re.findall(r"^\s*entry:\s*(.+)$", text, flags=re.MULTILINE)
    assert entries and all(entry.startswith("vmqproof check") for entry in entries)
    for pattern in re.findall(r"^\s*files:\s*'(.+)'$", text, flags=re.MULTILINE):
        regex = re.compile(pattern)
        assert regex.search("driver/contoso.inf") and regex.search("configs/port1.toml")
        assert regex.search("driver/contoso.inx")
        assert not regex.search("README.md")
