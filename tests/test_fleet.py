"""Fleet scale on Dask (issue 17): check --dask gives what --jobs gives, byte for byte; bounded submission in path
order; a killed worker loses no file; an unreachable scheduler or a missing extra is exit 2 with one line; the
fleet summary; the progress bar. One LocalCluster of two worker processes on loopback serves the module."""

from __future__ import annotations

import io
import json
import logging
import os
import signal
import socket
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dask
import pytest
from distributed import Client, LocalCluster

sys.path.insert(0, str(Path(__file__).parent))
from _support import run  # noqa: E402

from vmqproof.cli.render.progress import with_progress
from vmqproof.properties.queries.fleet import FleetError, check_on_cluster, local_workers, undecided_report
from vmqproof.properties.queries.inputs import check_inputs
from vmqproof.properties.results import FileReport, Status, Verdict

CONFIG = """
[receive_filter.hardware]
revision = 2
supported_queue_properties = ["VM_QUEUE_SUPPORTED", "MSI_X_SUPPORTED", "DYNAMIC_PROCESSOR_AFFINITY_CHANGE_SUPPORTED",
    "INTERRUPT_VECTOR_COALESCING_SUPPORTED"]
supported_filter_tests = ["TEST_HEADER_FIELD_EQUAL_SUPPORTED"]
supported_headers = ["MAC_HEADER_SUPPORTED"]
supported_mac_header_fields = ["MAC_HEADER_DEST_ADDR_SUPPORTED"]
num_queues = {queues}
max_mac_header_filters = 8
[receive_filter.current]
revision = 2
[msix]
table_size = {table}
"""


def _fleet(folder: Path, count: int) -> list[str]:
    """Legal files, illegal ones (no MSI-X table: VMQ-IRQ-1), conditional ones (an open queue count) and a bad one."""
    folder.mkdir()
    for index in range(count):
        kind = index % 4
        queues = "{ min = 1, max = 8 }" if kind == 2 else str(1 + index % 7)
        table = 0 if kind == 1 else 5 if kind == 2 else 9
        (folder / f"h{index:03d}.toml").write_text(CONFIG.format(queues=queues, table=table), encoding="utf-8")
    (folder / "broken.json").write_text("{", encoding="utf-8")
    return sorted(str(p) for p in folder.iterdir())


@pytest.fixture(scope="module")
def cluster() -> Iterator[LocalCluster]:
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address="127.0.0.1:0", silence_logs=logging.CRITICAL) as local:
        yield local


@pytest.fixture()
def client(cluster: LocalCluster) -> Iterator[Client]:
    with Client(cluster, set_as_default=False, timeout=30) as connected:
        connected.wait_for_workers(2, timeout=30)
        yield connected


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    return _fleet(tmp_path_factory.mktemp("fleet") / "hosts", 40)


@pytest.fixture(scope="module")
def serial(fleet: list[str]) -> dict[str, FileReport]:
    """Each file's report, checked in this process."""
    return {report.path: report for report in check_inputs(fleet)}


@pytest.mark.parametrize("fmt", ["json", "sarif", "junit"])
def test_dask_output_is_byte_identical_to_jobs(cluster: LocalCluster, fleet: list[str], fmt: str) -> None:
    folder = str(Path(fleet[0]).parent)
    jobs = run(["check", "--format", fmt, "--jobs", "2", folder])
    dask_run = run(["check", "--format", fmt, "--dask", cluster.scheduler_address, folder])
    assert dask_run == jobs
    assert jobs[0] == 2 and len(jobs[2].splitlines()) == 1      # the broken file: exit 2, its one line
    if fmt == "json":
        summary = json.loads(jobs[1])["summary"]
        assert summary == {"files": 41, "legal": 20, "illegal": 20, "errors": 1, "unknown": 0}


def test_a_local_cluster_of_two_workers(tmp_path: Path) -> None:
    paths = _fleet(tmp_path / "hosts", 6)
    assert run(["check", "--format", "json", "--dask", "local:2", *paths]) == run(["check", "--format", "json", *paths])


def test_reports_come_in_path_order_with_a_bounded_window(client: Client, fleet: list[str],
                                                          serial: dict[str, FileReport]) -> None:
    submitted: list[str] = []

    class Counting:
        """The client, counting what is submitted."""

        def __getattr__(self, name: str) -> Any:
            return getattr(client, name)

        def submit(self, function: Any, path: str, *args: Any, **kwargs: Any) -> Any:
            submitted.append(path)
            return client.submit(function, path, *args, **kwargs)

    yielded = 0
    reports = []
    for report in check_on_cluster(Counting(), fleet, window=3):   # type: ignore[arg-type]
        assert len(submitted) - yielded <= 3, "never more than the window in flight or buffered"
        yielded += 1
        reports.append(report)
    assert submitted == fleet
    assert reports == [serial[path] for path in fleet]


def _pids(client: Client) -> list[int]:
    return list(client.run(os.getpid).values())


def _kill_one_worker_during(client: Client, paths: list[str]) -> list[Any]:
    reports = []
    for index, report in enumerate(check_on_cluster(client, paths)):
        if index == 0:
            os.kill(_pids(client)[0], signal.SIGKILL)
        reports.append(report)
    return reports


def test_a_worker_killed_mid_run_loses_no_file(client: Client, fleet: list[str],
                                               serial: dict[str, FileReport]) -> None:
    paths = fleet * 2
    reports = _kill_one_worker_during(client, paths)
    assert [r.path for r in reports] == paths, "every input has exactly one result, in order"
    assert reports == [serial[path] for path in paths], "the killed worker's tasks ran again elsewhere"


def test_a_file_whose_workers_all_die_is_unknown_with_the_reason(cluster: LocalCluster, client: Client,
                                                                fleet: list[str],
                                                                serial: dict[str, FileReport]) -> None:
    paths = fleet * 2
    cluster.scheduler.allowed_failures = 0          # no rescheduling: the killed worker's tasks fail
    try:
        reports = _kill_one_worker_during(client, paths)
    finally:
        cluster.scheduler.allowed_failures = dask.config.get("distributed.scheduler.allowed-failures")
    assert [r.path for r in reports] == paths
    lost = [r for r in reports if r.status() is Status.UNKNOWN]
    assert lost, "the killed worker was running a task"
    for report in lost:
        assert {r.verdict for r in report.results} == {Verdict.UNKNOWN}
        assert "KilledWorker" in report.results[0].message
    assert all(r == serial[r.path] for r in reports if r not in lost)


def test_an_unreachable_scheduler_is_one_line(tmp_path: Path) -> None:
    paths = _fleet(tmp_path / "hosts", 1)
    with socket.socket() as probe:         # a loopback port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        code, out, err = run(["check", "--dask", f"tcp://127.0.0.1:{port}", paths[0]])
    assert (code, out) == (2, "")
    assert len(err.splitlines()) == 1 and f"cannot reach the scheduler at tcp://127.0.0.1:{port}" in err


def test_an_unknown_address_scheme_is_one_line(tmp_path: Path) -> None:
    code, out, err = run(["check", "--dask", "carrier-pigeon://coop", *_fleet(tmp_path / "hosts", 1)])
    assert (code, out) == (2, "") and len(err.splitlines()) == 1 and "unknown address scheme" in err


def test_without_the_extra_dask_is_one_line_telling_how_to_install(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)     # `import distributed` raises ImportError
    code, out, err = run(["check", "--dask", "local:1", *_fleet(tmp_path / "hosts", 1)])
    assert (code, out) == (2, "")
    assert err == '--dask needs the distributed package: pip install "vmqproof[dask]"\n'


@pytest.mark.parametrize("argv, message", [
    (["--dask", "local:0"], "local[:N] with N from 1 to 256"),
    (["--dask", "localhost"], "local[:N] with N from 1 to 256"),
    (["--dask", "local:2", "--jobs", "2"], "not allowed with argument"),
    (["--dask", "local:1", "--rule", "VMQ-NOPE"], "unknown rule id 'VMQ-NOPE'"),
])
def test_bad_dask_usage_is_one_line(tmp_path: Path, argv: list[str], message: str) -> None:
    code, out, err = run(["check", *argv, *_fleet(tmp_path / "hosts", 1)])
    assert (code, out) == (2, "") and len(err.splitlines()) == 1 and message in err


def test_a_rule_that_is_not_checked_fails_before_anything_is_submitted(client: Client, fleet: list[str]) -> None:
    from vmqproof.model.config.errors import ConfigError
    from vmqproof.properties.rules import all_rules
    from vmqproof.properties.rules.catalog import known_ids
    unchecked = sorted(set(known_ids()) - {r.id for r in all_rules()})
    if not unchecked:
        pytest.skip("every catalog rule is checked")
    with pytest.raises(ConfigError, match="unchecked rule id"):
        next(check_on_cluster(client, fleet, [unchecked[0]]))


def test_local_workers() -> None:
    assert local_workers("local:3") == 3
    assert local_workers("local") == (os.cpu_count() or 1)
    assert local_workers("tcp://10.0.0.1:8786") is None
    with pytest.raises(FleetError):
        local_workers("local:x")


def test_an_undecided_report_names_every_rule_it_would_have_checked() -> None:
    report = undecided_report("h.toml", ["VMQ-IRQ-1", "NSC-15"], "the worker died")
    assert sorted(r.rule for r in report.results) == ["NSC-15", "VMQ-IRQ-1"]
    assert report.status() is Status.UNKNOWN
    assert all(r.message == "not decided: the worker died" for r in report.results)


# -- the fleet summary ---------------------------------------------------------------------------------

def test_fleet_summary_counts_files_per_rule(cluster: LocalCluster, fleet: list[str]) -> None:
    folder = str(Path(fleet[0]).parent)
    code, out, err = run(["fleet", "--format", "json", "--dask", cluster.scheduler_address, folder])
    assert code == 2 and err.count("\n") == 1        # the broken file
    summary = json.loads(out)
    _, checked, _ = run(["check", "--format", "json", folder])
    files = json.loads(checked)["files"]
    assert summary["summary"] == dict(json.loads(checked)["summary"],
                                      obligations=sum(len(f["results"]) for f in files))
    expected: dict[str, set[str]] = {}
    for entry in files:
        for result in entry["results"]:
            if result["verdict"] in ("violated", "conditional"):
                expected.setdefault(result["rule"], set()).add(entry["path"])
    assert {r["rule"]: r["files"] for r in summary["rules"]} == {rule: len(p) for rule, p in expected.items()}
    assert summary["rules"][0]["files"] == max(len(p) for p in expected.values()), "most files first"
    irq1 = next(r for r in summary["rules"] if r["rule"] == "VMQ-IRQ-1")
    assert irq1["violated"] == 10 and irq1["severity"] == "error"
    failing = {f["path"]: f for f in summary["failing"]}
    assert set(failing) == {f["path"] for f in files if f["status"] != "legal"}
    assert failing[str(Path(folder) / "broken.json")]["status"] == "error"
    assert all("VMQ-IRQ-1" in failing[f["path"]]["rules"] for f in files
               if f["status"] == "illegal" and any(r["rule"] == "VMQ-IRQ-1" and r["verdict"] == "violated"
                                                   for r in f["results"]))
    assert run(["fleet", "--format", "json", "--jobs", "2", folder])[1] == out


def test_fleet_plain_and_rich(tmp_path: Path) -> None:
    paths = _fleet(tmp_path / "hosts", 2)[1:]       # one legal, one illegal file
    code, plain, _ = run(["fleet", "--format", "plain", *paths])
    assert code == 1
    assert plain == (
        "rule       name                     severity  files  violated  conditional  unknown\n"
        "D-11       per-queue-vector-budget  warning       1         1            0        0\n"
        "D-3        msix-physical-limits     warning       1         1            0        0\n"
        "VMQ-IRQ-1  vmq-requires-msix        error         1         1            0        0\n"
        "VMQ-IRQ-8  msix-minimum-for-queues  error         1         1            0        0\n"
        "\n"
        "failing files:\n"
        f"  {paths[1]}: illegal — VMQ-IRQ-1, VMQ-IRQ-8\n"
        "\n"
        "2 files: 1 legal, 1 illegal, 0 errors, 0 unknown; 368 obligations\n")
    code, rich, _ = run(["fleet", "--format", "rich", "--width", "120", *paths])
    assert code == 1
    assert rich.splitlines()[2].split() == ["D-11", "per-queue-vector-budget", "warning", "1", "1", "0", "0"]
    assert f"failing files\n  {paths[1]}: illegal — VMQ-IRQ-1, VMQ-IRQ-8\n" in rich
    assert rich.endswith("2 files: 1 legal, 1 illegal, 0 errors, 0 unknown; 368 obligations\n")
    code, legal, _ = run(["fleet", "--format", "plain", paths[0]])
    assert (code, legal) == (0, "no rule is violated, conditional or undecided in any file\n\n"
                                "1 file: 1 legal, 0 illegal, 0 errors, 0 unknown; 184 obligations\n")


# -- progress ------------------------------------------------------------------------------------------

class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_is_drawn_on_a_terminal_and_not_otherwise() -> None:
    terminal = _Terminal()
    assert list(with_progress(iter(range(5)), 5, terminal, delay=0)) == list(range(5))
    assert "5/5" in terminal.getvalue()
    pipe = io.StringIO()
    assert list(with_progress(iter(range(5)), 5, pipe, delay=0)) == list(range(5))
    assert pipe.getvalue() == ""
    quick = _Terminal()
    assert list(with_progress(iter(range(5)), 5, quick)) == list(range(5))
    assert quick.getvalue() == "", "a short run draws nothing"


def test_check_json_is_written_file_by_file_with_the_same_text(fleet: list[str], serial: dict[str, FileReport],
                                                                tmp_path: Path) -> None:
    from vmqproof.cli.render.report import check_json, write_check_json
    odd = tmp_path / "hôte «1».toml"
    odd.write_text(CONFIG.format(queues="{ one_of = [1, 9] }", table=3), encoding="utf-8")
    reports = [serial[path] for path in fleet] + check_inputs([odd])
    assert any(r.error for r in reports) and any(r.readings for r in reports)
    assert any(result.counterexample for report in reports for result in report.results)
    for chosen in (reports, reports[:1], []):
        streamed = io.StringIO()
        write_check_json(chosen, streamed, strict=True)
        assert streamed.getvalue() == json.dumps(check_json(chosen, strict=True), indent=2, ensure_ascii=False) + "\n"


def test_check_run_json_with_suppressions_and_a_baseline_is_written_file_by_file(
        fleet: list[str], serial: dict[str, FileReport], tmp_path: Path) -> None:
    from vmqproof.cli.render.report import render_run, run_json
    from vmqproof.properties.queries.triage import triage, write_baseline
    from vmqproof.properties.results import Severity
    reports = [serial[path] for path in fleet]
    baseline = tmp_path / "baseline.json"
    write_baseline(reports[:10], str(baseline))
    suppressed = tmp_path / "suppressed.toml"
    suppressed.write_text(CONFIG.format(queues=3, table=0) + '[policy]\nsuppress = [{ rule = "VMQ-IRQ-1", '
                          'reason = "lab host" }]\n', encoding="utf-8")
    reports += check_inputs([suppressed])
    assert any(result.suppression for result in reports[-1].results)
    check_run = triage(reports, fail_on=Severity.WARNING, baseline=str(baseline))
    assert check_run.fixed or any(r.baseline_state for report in check_run.reports for r in report.results)
    streamed = io.StringIO()
    render_run(check_run, "json", streamed)
    assert streamed.getvalue() == json.dumps(run_json(check_run), indent=2, ensure_ascii=False) + "\n"


def test_dask_takes_the_project_settings_baseline_and_driver_trees_like_jobs(
        cluster: LocalCluster, fleet: list[str], tmp_path: Path) -> None:
    drivers = Path(__file__).parent / "fixtures" / "drivers"
    inputs = [*fleet[:8], str(drivers / "vmq-no-msix"), str(drivers / "ndis-versions")]
    baseline = tmp_path / "baseline.json"
    assert run(["check", "--isolated", "--write-baseline", str(baseline), *inputs[:4]])[0] == 2
    for extra in ([], ["--ndis", "6.30"]):
        for fmt in ("json", "sarif"):
            argv = ["check", "--isolated", "--format", fmt, "--fail-on", "warning", "--baseline", str(baseline),
                    *extra, *inputs]
            jobs = run([*argv, "--jobs", "2"])
            assert run([*argv, "--dask", cluster.scheduler_address]) == jobs
            assert jobs[0] == 2 and "vmq.c" in jobs[1]
