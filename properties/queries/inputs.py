"""`check` of any input file: a configuration, a driver INF (every model), or Get-NetAdapter* output.

An INF is checked model by model: each model's declared keywords are open `[inf]` fields over the values its
declarations let a user pick, so every keyword rule is proved for every such value. The results of all models
form one report for the file; each instance is prefixed with the model (its install section).
"""

from __future__ import annotations

import dataclasses
import time
from concurrent.futures import ProcessPoolExecutor
from itertools import repeat
from collections.abc import Iterable, Iterator
from pathlib import Path

from vmqproof.model.config.errors import ConfigError
from vmqproof.model.readers.dispatch import load_inputs
from vmqproof.properties.queries.check import DEFAULT_TIMEOUT, check_config
from vmqproof.properties.queries.triage import suppress_in_file
from vmqproof.properties.results import FileReport, Result, Suppression


def check_input(path: str | Path, rule_ids: Iterable[str] | None = None, timeout: float | None = DEFAULT_TIMEOUT,
                input_format: str = "auto", ndis: str | None = None, arch: str | None = None) -> FileReport:
    """Check one file of any kind (or a driver tree, at NDIS version `ndis` when given; INF models for `arch`
    when given); a file that cannot be read is a report with `error` set."""
    wanted = None if rule_ids is None else list(rule_ids)
    try:
        configs = load_inputs(path, input_format, ndis, arch)
        deadline = None if timeout is None else time.monotonic() + timeout
        results: list[Result] = []
        readings: dict[str, str] = {}
        notes: dict[str, None] = {}
        suppressions: list[Suppression] = []
        for model, config in configs:
            notes.update(dict.fromkeys(config.notes))
            suppressions.extend(config.policy.suppress)
            remaining = None if deadline is None else max(0.001, deadline - time.monotonic())
            report = check_config(config, wanted, remaining)
            readings.update(report.readings)
            for result in report.results:
                results.append(result if model is None else
                               dataclasses.replace(result, instance=f"{model}: {result.instance}"))
        report = FileReport(path=str(path), results=tuple(results), readings=readings, notes=tuple(notes))
        return suppress_in_file(report, suppressions)
    except ConfigError as exc:
        if exc.path == "--rule":
            raise
        return FileReport(path=str(path), error=exc.with_file(exc.file or str(path)).one_line())


def check_inputs(paths: Iterable[str | Path], rule_ids: Iterable[str] | None = None,
                 timeout: float | None = DEFAULT_TIMEOUT, input_format: str = "auto", jobs: int = 1,
                 ndis: str | None = None, arch: str | None = None) -> list[FileReport]:
    """Check many files, in a process pool when `jobs` > 1; the reports come in the order of `paths`."""
    return list(iter_inputs(paths, rule_ids, timeout, input_format, jobs, ndis, arch))


def iter_inputs(paths: Iterable[str | Path], rule_ids: Iterable[str] | None = None,
                timeout: float | None = DEFAULT_TIMEOUT, input_format: str = "auto",
                jobs: int = 1, ndis: str | None = None, arch: str | None = None) -> Iterator[FileReport]:
    """`check_inputs` one report at a time, in the order of `paths`, so that a caller need not hold them all."""
    paths = list(paths)
    wanted = None if rule_ids is None else list(rule_ids)
    if jobs <= 1 or len(paths) <= 1:
        yield from (check_input(path, wanted, timeout, input_format, ndis, arch) for path in paths)
        return
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        yield from pool.map(check_input, paths, repeat(wanted), repeat(timeout), repeat(input_format),
                            repeat(ndis), repeat(arch), chunksize=max(1, len(paths) // (jobs * 8)))
