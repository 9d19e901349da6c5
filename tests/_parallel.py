"""Test-only: run a seeded differential over two processes (the outcome does not depend on the split: every
configuration is decided on its own)."""

from __future__ import annotations

import collections
import multiprocessing
import os
import time
from collections.abc import Callable
from typing import Any, TypeVar

Part = TypeVar("Part")


def over_two_processes(work: Callable[[list[int]], Part], seeds: list[int]) -> list[Part]:
    """`work` over every seed: on a machine with two or more cores, half of them in a forked child."""
    if (os.cpu_count() or 1) < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return [work(seeds)]
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)

    def child() -> None:
        try:
            sender.send(work(seeds[1::2]))
        except BaseException as exc:  # noqa: BLE001 - reported by the parent
            sender.send(exc)
        finally:
            sender.close()

    process = context.Process(target=child, daemon=True)
    process.start()
    sender.close()
    mine = work(seeds[0::2])
    theirs = receiver.recv()
    process.join()
    if isinstance(theirs, BaseException):
        raise theirs
    return [mine, theirs]


def tally(work: Callable[[list[int]], dict[str, Any]], seeds: list[int]) -> dict[str, Any]:
    """`work` returns {"counts": Counter, "problems": [text starting "seed=N …"]} for some seeds; this runs it over
    every seed on two processes and merges: the counts summed, the problems in seed order, the wall time."""
    started = time.monotonic()
    parts = over_two_processes(work, seeds)
    counts: collections.Counter[str] = collections.Counter()
    for part in parts:
        counts.update(part["counts"])
    problems = sorted((p for part in parts for p in part["problems"]), key=lambda p: int(p.split()[0][5:]))
    return {"counts": counts, "problems": problems, "seconds": time.monotonic() - started}
