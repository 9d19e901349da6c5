"""A progress bar on stderr for long runs: shown only on a terminal, and only once a run has taken a while."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from typing import TextIO, TypeVar

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

Item = TypeVar("Item")
DELAY = 2.0     # seconds before the bar appears: short runs print nothing


def with_progress(items: Iterable[Item], total: int, err: TextIO, delay: float = DELAY) -> Iterator[Item]:
    """`items` unchanged; while they come, a bar of `total` files on `err` if it is a terminal."""
    if not err.isatty():
        yield from items
        return
    start = time.monotonic()
    progress: Progress | None = None
    try:
        for done, item in enumerate(items, 1):
            if progress is None and time.monotonic() - start >= delay:
                progress = Progress(TextColumn("checking"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                                    console=Console(file=err), transient=True)
                progress.add_task("files", total=total)
                progress.start()
            if progress is not None:
                progress.update(progress.task_ids[0], completed=done)
            yield item
    finally:
        if progress is not None:
            progress.stop()
