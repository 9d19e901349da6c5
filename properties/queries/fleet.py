"""Fleet scale: `check_input` as tasks of a Dask distributed cluster, and the fleet summary of many reports.

The client submits paths, never configurations: each task loads and checks one file on a worker through the
library API (`check_input`) and sends back its `FileReport`. At most `window` files are in flight or waiting in
the reorder buffer at once, so the client's memory does not grow with the fleet; reports are yielded in the
order of the paths, exactly as `check_inputs` returns them. A worker that dies while checking a file is the
scheduler's to handle: it reschedules the task on another worker, up to its `allowed-failures`
(`distributed.scheduler.allowed-failures`, default 3); a task that still fails, or raises, is reported as
`unknown` for every rule it would have checked, with the reason, so every path has exactly one report.

`distributed` is an optional dependency (`pip install "vmqproof[dask]"`); it is imported when a cluster is used.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vmqproof.model.config.errors import VmqproofError
from vmqproof.properties.queries.check import DEFAULT_TIMEOUT, check_rule_ids
from vmqproof.properties.queries.inputs import check_input
from vmqproof.properties.results import FileReport, Result, Severity, Status, Verdict
from vmqproof.properties.rules import all_rules

if TYPE_CHECKING:
    from distributed import Client

INSTALL_HINT = 'pip install "vmqproof[dask]"'
LOCAL = re.compile(r"local(?::(\d+))?")
MAX_LOCAL_WORKERS = 256


class FleetError(VmqproofError, RuntimeError):
    """The cluster cannot be used: the extra is not installed, the scheduler cannot be reached, or it was lost."""


def _distributed() -> Any:
    try:
        import distributed
    except ImportError:
        raise FleetError(f"--dask needs the distributed package: {INSTALL_HINT}") from None
    return distributed


def local_workers(address: str) -> int | None:
    """N of `local:N` (the CPU count for `local`), None for a scheduler address; bad input for `local:0` and such."""
    if not address.startswith("local"):
        return None
    match = LOCAL.fullmatch(address)
    if match is None or not 1 <= int(match.group(1) or 1) <= MAX_LOCAL_WORKERS:
        raise FleetError(f"--dask: expected a scheduler address or local[:N] with N from 1 to {MAX_LOCAL_WORKERS}, "
                         f"given {address!r}")
    return int(match.group(1)) if match.group(1) else os.cpu_count() or 1


@contextmanager
def connect(address: str, connect_timeout: float | None = None) -> Iterator[Client]:
    """A client of the scheduler at `address`, or of a LocalCluster for `local[:N]`: N worker processes of one
    thread each, on loopback (its HTTP server on a free loopback port), logs silenced. `connect_timeout` defaults
    to Dask's `distributed.comm.timeouts.connect`."""
    workers = local_workers(address)
    distributed = _distributed()
    cluster = None
    try:
        if workers is not None:
            cluster = distributed.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                               host="127.0.0.1", dashboard_address="127.0.0.1:0",
                                               silence_logs=logging.CRITICAL)
            client = distributed.Client(cluster, set_as_default=False)
        else:       # an unknown scheme fails before a Client is half made (its __del__ would hang at exit)
            distributed.comm.registry.get_backend(distributed.comm.addressing.parse_address(address)[0])
            timeout = {} if connect_timeout is None else {"timeout": connect_timeout}
            client = distributed.Client(address, set_as_default=False, **timeout)
    except (OSError, ValueError, TypeError, RuntimeError) as exc:
        if cluster is not None:
            cluster.close()
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise FleetError(f"--dask: cannot reach the scheduler at {address}: {reason}") from None
    try:
        yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def undecided_report(path: str, rule_ids: Iterable[str] | None, reason: str) -> FileReport:
    """The report of a file whose check never finished: every rule it would have checked is `unknown`."""
    wanted = None if rule_ids is None else set(rule_ids)
    results = tuple(Result(rule.id, rule.name, rule.severity, Verdict.UNKNOWN, "-", f"not decided: {reason}",
                           rule.source_urls)
                    for rule in all_rules() if wanted is None or rule.id in wanted)
    return FileReport(path=path, results=results)


class _Interner:
    """Shares equal values between reports: most results of a fleet (every `holds` of the same rule and instance)
    are equal, so holding many reports costs little more than their distinct results."""

    def __init__(self) -> None:
        self._results: dict[Result, Result] = {}
        self._readings: dict[tuple[tuple[str, str], ...], Mapping[str, str]] = {}

    def _result(self, result: Result) -> Result:
        try:
            return self._results.setdefault(result, result)
        except TypeError:           # a counterexample holding a list: unhashable, kept as it is
            return result

    def report(self, report: FileReport) -> FileReport:
        readings = self._readings.setdefault(tuple(report.readings.items()), report.readings)
        return dataclasses.replace(report, results=tuple(self._result(r) for r in report.results),
                                   readings=readings)


def _reason(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _failure(exc: BaseException, killed_worker: type[BaseException]) -> str:
    if isinstance(exc, killed_worker):
        return ("every worker that checked this file died (KilledWorker, after the scheduler's allowed-failures "
                "retries)")
    return f"the check raised on the cluster ({_reason(exc)})"


def check_on_cluster(client: Client, paths: Iterable[str | Path], rule_ids: Iterable[str] | None = None,
                     timeout: float | None = DEFAULT_TIMEOUT, input_format: str = "auto",
                     ndis: str | None = None, arch: str | None = None, *,
                     window: int | None = None) -> Iterator[FileReport]:
    """The reports of `paths`, in their order, each file checked by a task on `client`'s cluster; at most `window`
    files (default four per worker thread, at least 8) are submitted and not yet yielded."""
    distributed = _distributed()
    wanted = None if rule_ids is None else list(rule_ids)
    if wanted is not None:
        check_rule_ids(wanted)
    if window is None:
        window = max(8, 4 * sum(client.nthreads().values()))
    pending = iter(enumerate(str(p) for p in paths))
    submitted: dict[Any, tuple[int, str]] = {}
    done: dict[int, FileReport] = {}
    interner = _Interner()
    completed = distributed.as_completed(loop=client.loop)
    next_index = 0
    count = 0

    def submit_more() -> None:
        nonlocal count
        while count < next_index + window:
            item = next(pending, None)
            if item is None:
                return
            try:
                future = client.submit(check_input, item[1], wanted, timeout, input_format, ndis, arch,
                                       pure=False)
            except Exception as exc:    # noqa: BLE001 — the client lost its scheduler
                raise FleetError(f"--dask: lost the scheduler: {_reason(exc)}") from None
            submitted[future] = item
            completed.add(future)
            count += 1

    try:
        submit_more()
        for future in completed:
            index, path = submitted.pop(future)
            if future.status == "cancelled":
                raise FleetError(f"--dask: the cluster dropped the task of {path}; the scheduler was lost")
            if future.status == "error":    # the scheduler gave up (KilledWorker) or check_input raised
                done[index] = undecided_report(path, wanted, _failure(future.exception(), distributed.KilledWorker))
            else:
                done[index] = interner.report(future.result())
            while next_index in done:
                yield done.pop(next_index)
                next_index += 1
            submit_more()
    finally:
        for future in submitted:
            future.cancel()


# -- the fleet summary ---------------------------------------------------------------------------------

_COUNTED = (Verdict.VIOLATED, Verdict.CONDITIONAL, Verdict.UNKNOWN)


@dataclass(frozen=True, slots=True)
class RuleCount:
    """How many files a rule fails in: with a violated instance, a conditional one, an undecided one."""

    rule: str
    name: str
    severity: Severity
    files: int
    violated: int
    conditional: int
    unknown: int


@dataclass(frozen=True, slots=True)
class FailingFile:
    path: str
    status: Status
    rules: tuple[str, ...] = ()         # the rules that fail the file (illegal)
    reason: str | None = None           # why it could not be read (error) or decided (unknown)


@dataclass(frozen=True, slots=True)
class FleetSummary:
    rules: tuple[RuleCount, ...]        # rules that some file violates, is conditional on, or left undecided
    failing: tuple[FailingFile, ...]    # every file that is not legal, in the order checked
    totals: dict[str, int]              # files, legal, illegal, errors, unknown (check's JSON summary)
    obligations: int


def summarize(reports: Iterable[FileReport], strict: bool = False,
              on_report: Callable[[FileReport], None] | None = None) -> FleetSummary:
    """Fold reports one at a time into the fleet summary (nothing but the counts and failing files is kept);
    `on_report` sees each report first."""
    counts: dict[str, dict[str, int]] = {}
    about: dict[str, Result] = {}
    failing: list[FailingFile] = []
    totals = {"files": 0, "legal": 0, "illegal": 0, "errors": 0, "unknown": 0}
    total_key = {Status.LEGAL: "legal", Status.ILLEGAL: "illegal", Status.ERROR: "errors", Status.UNKNOWN: "unknown"}
    obligations = 0
    for report in reports:
        if on_report is not None:
            on_report(report)
        status = report.status(strict)
        totals["files"] += 1
        totals[total_key[status]] += 1
        obligations += len(report.results)
        seen: dict[str, set[Verdict]] = {}
        for result in report.results:
            if result.verdict in _COUNTED:
                seen.setdefault(result.rule, set()).add(result.verdict)
                about.setdefault(result.rule, result)
        for rule_id, verdicts in seen.items():
            per_rule = counts.setdefault(rule_id, {"files": 0, "violated": 0, "conditional": 0, "unknown": 0})
            for verdict in verdicts:
                per_rule[verdict.value] += 1
            per_rule["files"] += bool(verdicts & {Verdict.VIOLATED, Verdict.CONDITIONAL})
        if status is not Status.LEGAL:
            failed = tuple(dict.fromkeys(r.rule for r in report.results if r.fails(strict)))
            reason = report.error if status is Status.ERROR else None
            if status is Status.UNKNOWN:
                reason = next(r.message for r in report.results if r.verdict is Verdict.UNKNOWN)
            failing.append(FailingFile(report.path, status, failed, reason))
    rules = tuple(sorted((RuleCount(rule_id, about[rule_id].name, about[rule_id].severity, **c)
                          for rule_id, c in counts.items()), key=lambda r: (-r.files, -r.unknown, r.rule)))
    return FleetSummary(rules=rules, failing=tuple(failing), totals=totals, obligations=obligations)
