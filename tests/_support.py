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
    """`main` with streams like a real console's: stdout strict UTF-8 (a lone surrogate would raise), stderr with
    backslash escapes."""
    out_bytes, err_bytes = io.BytesIO(), io.BytesIO()
    out = io.TextIOWrapper(out_bytes, encoding="utf-8", errors="strict", newline="")
    err = io.TextIOWrapper(err_bytes, encoding="utf-8", errors="backslashreplace", newline="")
    code = main(argv, stdout=out, stderr=err)
    out.flush()
    err.flush()
    return code, out_bytes.getvalue().decode("utf-8"), err_bytes.getvalue().decode("utf-8")


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"missing golden file {path.name}; run with VMQPROOF_UPDATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8")
