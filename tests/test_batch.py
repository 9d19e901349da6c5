"""Batch checking: directories, `--jobs N`, stable order, the JSON summary, and picklable library results."""

from __future__ import annotations

import json
import pickle
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _support import run  # noqa: E402

from vmqproof.model.readers.dispatch import load_config
from vmqproof.properties import check_config

LEGAL = """
[receive_filter.hardware]
revision = 2
supported_queue_properties = ["VM_QUEUE_SUPPORTED", "MSI_X_SUPPORTED", "DYNAMIC_PROCESSOR_AFFINITY_CHANGE_SUPPORTED",
    "INTERRUPT_VECTOR_COALESCING_SUPPORTED"]
supported_filter_tests = ["TEST_HEADER_FIELD_EQUAL_SUPPORTED"]
supported_headers = ["MAC_HEADER_SUPPORTED"]
supported_mac_header_fields = ["MAC_HEADER_DEST_ADDR_SUPPORTED"]
num_queues = {queues}
max_mac_header_filters = {queues}
[receive_filter.current]
revision = 2
[msix]
table_size = {table}
"""


def test_a_directory_of_300_configurations_with_two_jobs(tmp_path: Path) -> None:
    folder = tmp_path / "fleet"
    (folder / "nested").mkdir(parents=True)
    illegal = set()
    for index in range(300):
        queues = 1 + index % 60
        table = queues + 1 if index % 3 else 0        # every third file has no MSI-X table entry: VMQ-IRQ-1
        target = folder / ("nested" if index % 2 else "") / f"c{index:03d}.toml"
        target.write_text(LEGAL.format(queues=queues, table=table), encoding="utf-8")
        if not index % 3:
            illegal.add(str(target))
    (folder / "README.md").write_text("not a configuration", encoding="utf-8")
    code, out, _ = run(["check", "--format", "json", "--jobs", "2", str(folder)])
    data = json.loads(out)
    assert code == 1
    assert data["summary"] == {"files": 300, "legal": 200, "illegal": 100, "errors": 0, "unknown": 0}
    paths = [f["path"] for f in data["files"]]
    assert paths == sorted(paths), "results come in a stable (sorted) order"
    assert {f["path"] for f in data["files"] if f["status"] == "illegal"} == illegal
    _, serial, _ = run(["check", "--format", "json", str(folder)])
    assert json.loads(serial) == data, "--jobs changes nothing but the speed"


def test_one_bad_file_in_a_directory_is_reported_and_the_others_checked(tmp_path: Path) -> None:
    (tmp_path / "good.toml").write_text(LEGAL.format(queues=3, table=4), encoding="utf-8")
    (tmp_path / "bad.json").write_text("{", encoding="utf-8")
    code, out, err = run(["check", "--format", "json", "--jobs", "2", str(tmp_path)])
    data = json.loads(out)
    assert code == 2 and len(err.splitlines()) == 1
    assert data["summary"] == {"files": 2, "legal": 1, "illegal": 0, "errors": 1, "unknown": 0}


def test_library_reports_pickle(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text(LEGAL.format(queues=3, table=0), encoding="utf-8")
    report = check_config(load_config(path))
    copy = pickle.loads(pickle.dumps(report))
    assert copy == report and copy.status().value == "illegal"
