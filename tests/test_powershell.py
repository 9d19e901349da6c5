"""Get-NetAdapter* readers: Format-List, default tables (truncated columns), ConvertTo-Json; robustness."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from vmqproof.model.config.errors import ConfigError
from vmqproof.model.readers.dispatch import detect_format, load_config
from vmqproof.model.readers.powershell import build_document, load_powershell, read_records

sys.path.insert(0, str(Path(__file__).parent))
from _support import run  # noqa: E402

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "samples"
OWN = Path(__file__).parent / "fixtures" / "powershell"


def document(path: Path) -> dict:
    return build_document(read_records(path.read_bytes(), path.name), path.name)[0]


def test_realtek_rss_sample() -> None:
    path = SAMPLES / "powershell" / "get-netadapterrss-realtek.txt"
    if not path.exists():
        pytest.skip("../shared/samples is not present")
    config = load_config(path)
    assert config.host is not None
    adapter = config.host.adapters[0]
    assert adapter.name == "Ethernet" and adapter.rss is not None
    assert (adapter.rss.base, adapter.rss.max, adapter.rss.max_processors, adapter.rss.profile) == (0, 2, 2, 4)
    assert adapter.rss.processors == ((0, 0), (2, 0))
    assert config.rss_processors is not None and sorted(config.rss_processors.cpus) == [0, 2]
    utf16 = b"\xff\xfe" + path.read_text().replace("\n", "\r\n").encode("utf-16-le")   # what `>` writes
    assert detect_format(utf16, "rss.txt") == "powershell"
    assert load_powershell(utf16, "rss.txt").host == config.host


def test_format_list_two_adapters_multi_group() -> None:
    adapters = document(OWN / "vmq-list.txt")["host"]["adapters"]
    assert [a["name"] for a in adapters] == ["Port 1", "Port 2"]
    assert adapters[0]["vmq"] == {"enabled": True, "base_processor": "1:2", "max_processor": "1:14",
                                  "max_processors": 4, "number_of_receive_queues": 15}
    assert adapters[0]["numa_node"] == 1


def test_tables_with_truncated_columns() -> None:
    adapters = document(OWN / "vmq-table.txt")["host"]["adapters"]
    assert [(a["name"], a["vmq"]["base_processor"], a["vmq"]["max_processors"]) for a in adapters] == \
        [("SLOT 2 Port 1", "0:2", 7), ("SLOT 2 Port 2", "0:16", 8)]
    truncated = document(OWN / "vmq-truncated-headers.txt")["host"]["adapters"][0]["vmq"]
    assert truncated["number_of_receive_queues"] == 31 and truncated["max_processors"] == 7
    advanced = document(OWN / "advanced-table.txt")
    assert advanced["inf"] == {"*VMQ": 1, "*RSS": 1, "*NumRSSQueues": 8}
    assert advanced["host"]["adapters"][0]["keywords"]["VendorTuning"] == "fast"
    queues = document(OWN / "vmqqueue-table.txt")["queues"]
    assert queues == [{"id": 0, "cpu": "0:0"}, {"id": 1, "cpu": "0:4"}, {"id": 2, "cpu": "0:6"}]


QUEUES = [{"id": 0, "cpu": "0:0"}, {"id": 1, "cpu": "0:8"}, {"id": 2, "cpu": "0:10"}, {"id": 3, "cpu": "0:12"}]


def tabify(line: str, width: int) -> str:
    """Runs of two or more spaces that reach a tab stop become tabs (what `unexpand -a` and editors do)."""
    out, column, pending = [], 0, 0
    for char in line:
        if char == " ":
            pending, column = pending + 1, column + 1
            if column % width == 0:
                out.append("\t" if pending > 1 else " ")
                pending = 0
        else:
            out.append(" " * pending + char)
            pending, column = 0, column + 1
    return "".join(out) + " " * pending


def tab_separated(text: str) -> str:
    """A space-aligned table with one tab between its columns (cut where the dash line's groups start)."""
    lines = text.splitlines()
    dashes = next(i for i, line in enumerate(lines) if line.startswith("--"))
    starts = [m.start() for m in re.finditer(r"-+", lines[dashes])] + [None]
    return "\n".join("\t".join(line[a:b].strip() for a, b in zip(starts, starts[1:])) if line.strip() else ""
                     for line in lines)


def test_vmqqueue_tables_with_tabs() -> None:
    # Issue 15: `0\t\t00-90-…` read as "queueid: not a number".
    aligned = (OWN / "vmqqueue-tab-aligned.txt").read_text()
    assert "1\t\t00-90-" in aligned
    assert document(OWN / "vmqqueue-tab-aligned.txt")["queues"] == QUEUES
    assert document(OWN / "vmqqueue-tab-separated.txt")["queues"] == QUEUES
    code, _, err = run(["check", str(OWN / "vmqqueue-tab-aligned.txt")])
    assert code in (0, 1), err


@pytest.mark.parametrize("name", ["vmq-table.txt", "vmq-truncated-headers.txt", "advanced-table.txt",
                                  "vmqqueue-table.txt"])
@pytest.mark.parametrize("style", ["tabify-8", "tabify-4", "tab-separated"])
def test_tables_with_tabs_read_like_space_aligned(name: str, style: str) -> None:
    text = (OWN / name).read_text()
    converted = tab_separated(text) if style == "tab-separated" else \
        "\n".join(tabify(line, int(style[-1])) for line in text.splitlines())
    assert "\t" in converted
    assert build_document(read_records(converted, name), name) == build_document(read_records(text, name), name)


def test_indented_format_list_is_powershell() -> None:
    # Issue 15: Get-NetAdapterRss Format-List pasted indented, after a blank line, was read as TOML.
    path = OWN / "rss-list-indented.txt"
    assert path.read_bytes().startswith(b"\r\n")
    assert detect_format(path.read_bytes(), path.name) == "powershell"
    assert detect_format(path.read_bytes(), "rss") == "powershell"
    rss = document(path)["host"]["adapters"][0]["rss"]
    assert (rss["profile"], rss["base_processor"], rss["max_processor"], len(rss["processors"])) == \
        ("Closest", "0:2", "0:8", 4)
    code, out, err = run(["check", "--format", "json", str(path)])
    assert code == 0, err
    assert json.loads(out)["files"][0]["status"] == "legal"
    code, _, err = run(["check", "--input-format", "toml", str(path)])      # the override still forces
    assert code == 2 and len(err.splitlines()) == 1 and "malformed TOML" in err and path.name in err


@pytest.mark.parametrize("text,kind", [
    ("\n  Profile : NUMAStatic\n  Enabled : True\n", "powershell"),
    ("[adapter]\nProfile : NUMAStatic\n", "toml"),            # TOML structure: the TOML reader reports it
    ("ndis = \"6.60\"\nEnabled : True\n", "toml"),
    ("Colour : blue\n", "toml"),                               # no property the readers know
])
def test_key_value_detection(text: str, kind: str) -> None:
    assert detect_format(text.encode(), "input") == kind


def test_json_numeric_enums_and_nested_arrays() -> None:
    doc = document(OWN / "rss.json")
    rss = doc["host"]["adapters"][0]["rss"]
    assert rss["profile"] == 4 and rss["base_processor"] == "1:0" and rss["max_processor"] == "2:6"
    assert rss["processors"][2] == {"cpu": "2:4", "numa_distance": 20}
    config = load_powershell((OWN / "rss.json").read_bytes(), "rss.json")
    assert config.host is not None and config.host.adapters[0].rss.profile == 4
    sriov = document(OWN / "sriov.json")["host"]["adapters"][0]["sriov"]
    assert sriov == {"enabled": True, "num_vfs": 32}


def test_every_own_fixture_checks(tmp_path: Path) -> None:
    for path in sorted(OWN.iterdir()):
        code, out, err = run(["check", "--format", "json", str(path)])
        assert code in (0, 1), err
        assert json.loads(out)["files"][0]["status"] in ("legal", "illegal")


@pytest.mark.parametrize("text,message", [
    ("Name : x\nBaseVmqProcessor : 0:99\n", "processor out of range"),
    ("Name : x\nMaxProcessors : lots\n", "not a number"),
    ("[1, 2]", "unexpected JSON"),
    ("Name\tQueueID\tProcessor\n----\t-------\t---------\nPort 1\tzero\t0:0\n", "ps.txt:3: queueid: not a number"),
    ("\n    Name          : x\n    MaxProcessors : lots\n", "ps.txt:3: maxprocessors: not a number"),
])
def test_bad_powershell_is_one_line(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "ps.txt"
    path.write_text(text)
    code, _, err = run(["check", "--input-format", "powershell", str(path)])
    assert code == 2
    assert len(err.splitlines()) == 1 and message in err and "ps.txt" in err


KEYS = st.sampled_from(["Name", "InterfaceDescription", "Enabled", "BaseVmqProcessor", "MaxProcessors",
                        "BaseProcessor: [Group:Number]", "MaxProcessor: [Group:Number]", "Profile", "NumaNode",
                        "RssProcessorArray: [Group:Number/NUMA Distance]", "RegistryKeyword", "RegistryValue",
                        "QueueID", "Processor", "NumVFs", "NumberOfReceiveQueues"])
VALUES = st.one_of(st.sampled_from(["True", "0:2", "1:63", "99:99", "4", "NUMAStatic", "{1}", "*VMQ", "x...",
                                    "0:0/0  0:2/0", "", "-1", "99999999999"]), st.text(max_size=12))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(st.tuples(KEYS, VALUES), max_size=12),
       style=st.sampled_from(["list", "table", "tab-table", "json"]))
def test_generated_powershell_never_tracebacks(rows: list[tuple[str, str]], style: str) -> None:
    if style == "list":
        text = "\n".join(f"{k:<30} : {v}" for k, v in rows)
    elif style in ("table", "tab-table"):
        keys = [k.split(":")[0] for k, _ in rows] or ["Name"]
        gap = "  " if style == "table" else "\t"
        text = gap.join(keys) + "\n" + gap.join("-" * len(k) for k in keys) + "\n" + \
            gap.join(str(v) for _, v in rows)
    else:
        text = json.dumps([{k.split(":")[0]: (int(v) if v.isascii() and v.isdigit() and len(v) < 6 else v)
                            for k, v in rows}])
    try:
        load_powershell(text.encode("utf-8"), "gen.txt")
    except ConfigError as exc:
        assert "gen.txt" in exc.one_line() and "\n" not in exc.one_line()
