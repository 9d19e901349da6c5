"""What the CLI tests share: running `main` with captured streams, and golden files.

Regenerate golden files after an intended change with VMQPROOF_UPDATE_GOLDEN=1.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

from vmqproof.cli.main import main

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("VMQPROOF_UPDATE_GOLDEN") == "1"


def run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"missing golden file {path.name}; run with VMQPROOF_UPDATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8")
