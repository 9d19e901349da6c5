"""Which directories are driver source trees, and which of their files the reader reads (no parser needed)."""

from __future__ import annotations

from pathlib import Path

C_SUFFIXES = (".c", ".h")
INF_SUFFIXES = (".inf", ".inx")


def is_driver_tree(path: str | Path) -> bool:
    """A directory with C sources (`.c` files) anywhere below it."""
    folder = Path(path)
    return folder.is_dir() and any(p.is_file() for p in folder.rglob("*.c"))
