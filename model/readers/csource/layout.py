"""Which directories are driver source trees, and which of their files the reader reads (no parser needed)."""

from __future__ import annotations

from pathlib import Path

from vmqproof.model.readers.inf import INF_SUFFIXES

__all__ = ["C_SUFFIXES", "INF_SUFFIXES", "is_driver_tree"]

C_SUFFIXES = (".c", ".h")


def is_driver_tree(path: str | Path) -> bool:
    """A directory with C sources (`.c` files) anywhere below it."""
    folder = Path(path)
    return folder.is_dir() and any(p.is_file() for p in folder.rglob("*.c"))
