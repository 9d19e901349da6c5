"""Bad input never shows a traceback: exit 2 and exactly one line on stderr naming the file and where."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from _support import run  # noqa: E402

VALID = """
[receive_filter.hardware]
revision = 2
supported_queue_properties = ["VM_QUEUE_SUPPORTED", "MSI_X_SUPPORTED"]
"""

CASES: dict[str, tuple[str, bytes, tuple[str, ...]]] = {
    # name: (file name, content, fragments the one line must contain)
    "malformed-toml": ("bad.toml", b"[adapter\nname = 1\n", ("bad.toml:1", "malformed TOML")),
    "malformed-json": ("bad.json", b'{"adapter": {"name": }', ("bad.json:1", "malformed JSON")),
    "json-not-object": ("list.json", b"[1, 2]", ("list.json", "a JSON object")),
    "wrong-type": ("t.toml", b"[nic_switch.hardware]\nmax_num_vports = \"many\"\n",
                   ("t.toml:2", "nic_switch.hardware.max_num_vports", "expected an integer", "'many'")),
    "unknown-key": ("k.toml", b"[nic_switch.hardware]\nmax_num_vport = 4\n",
                    ("k.toml:2", "nic_switch.hardware.max_num_vport", "did you mean 'max_num_vports'")),
    "unknown-section": ("s.toml", b"[nic_swtich.hardware]\n", ("s.toml", "nic_swtich", "did you mean 'nic_switch'")),
    "unknown-flag": ("f.toml", b"[nic_switch.hardware]\nnic_switch_capabilities = [\"SINGLE_VPORT_POOLS\"]\n",
                     ("f.toml:2", "nic_switch_capabilities[0]", "did you mean 'SINGLE_VPORT_POOL'")),
    "bad-processor": ("p.toml", b"[rss_processors]\nprocessors = [\"0:0\", \"zero:two\"]\n",
                      ("p.toml:2", "rss_processors.processors[1]", "group:number", "'zero:two'")),
    "processor-out-of-range": ("r.toml", b"[rss_processors]\nprocessors = [\"0:64\"]\n",
                               ("rss_processors.processors[0]", "'0:64'")),
    "negative-number": ("n.toml", b"[msix]\ntable_size = -4\n",
                        ("n.toml:2", "msix.table_size", "[0, 4294967295]", "-4")),
    "huge-number": ("h.toml", b"[msix]\ntable_size = 99999999999999\n", ("msix.table_size", "99999999999999")),
    "empty-file": ("e.toml", b"", ("e.toml", "empty file")),
    "whitespace-file": ("w.toml", b"  \n\n", ("w.toml", "empty file")),
    "binary-file": ("b.toml", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", ("b.toml", "binary file")),
    "not-utf8": ("l.toml", "[adapter]\nname = \"Contoso Ü\"\n".encode("latin-1"), ("l.toml", "not UTF-8")),
    "duplicate-ids": ("d.toml", b"[[queues]]\nid = 1\ncpu = \"0:0\"\n[[queues]]\nid = 1\ncpu = \"0:1\"\n",
                      ("queues[1].id", "duplicate id 1")),
    "bad-ndis": ("v.toml", b"[adapter]\nndis = 6.6\n", ("adapter.ndis", "6.6")),
    "bad-open-value": ("o.toml", b"[msix]\ntable_size = { min = 9, max = 3 }\n", ("msix.table_size", "min <= max")),
    "unknown-open-key": ("u.toml", b"[msix]\ntable_size = { low = 1 }\n", ("msix.table_size.low", "unknown key")),
    "bad-policy": ("y.toml", b"[policy]\nmsix_minimum_reading = \"R2\"\n",
                   ("policy.msix_minimum_reading", "R2a")),
    "unknown-disabled-rule": ("z.toml", b"[policy]\ndisable = [\"NSC-99\"]\n", ("z.toml", "NSC-99")),
    "inf-keyword-typo": ("i.toml", b"[inf]\n\"*RssOnHostVPort\" = 1\n", ("*RssOnHostVPort", "did you mean '*RssOnHostVPorts'")),
    "inf-keyword-no-star": ("j.toml", b"[inf]\nVMQ = 1\n", ("VMQ", "did you mean '*VMQ'")),
    "inf-duplicate": ("c.toml", b"[inf]\n\"*VMQ\" = 1\n\"*vmq\" = 0\n", ("*vmq", "duplicate keyword")),
    "vport-missing-field": ("m.toml", b"[[vports]]\nid = 0\n", ("vports[0].num_queue_pairs", "missing")),
    "wrong-format": ("x.toml", b"format = \"vmqproof/2\"\n", ("format", "vmqproof/1")),
    # found by tests/test_fuzz.py
    "toml-date-in-array": ("a.toml", b"[msix]\ntable_size = [1979-05-27]\n",
                           ("a.toml:2", "msix.table_size", "expected an integer", "1979-05-27")),
    "integer-too-long-toml": ("g.toml", b"[adapter]\n[msix]\ntable_size = " + b"9" * 5000 + b"\n",
                              ("g.toml:3", "malformed TOML: integer too long", "4300 digits")),
    "integer-too-long-json": ("g.json", b'{"msix": {\n"table_size": ' + b"9" * 5000 + b"}}",
                              ("g.json:2", "malformed JSON: integer too long", "4300 digits")),
    "line-break-in-key": ("b.toml", b'[adapter]\n"x\\ry" = 1\n', ("b.toml:2", "adapter.x\\ry", "unknown key")),
    "line-separator-in-key": ("b.json", b'{"inf": {"*Vendor\\u2028": 1.5}}', ('inf."*Vendor\\u2028"', "wrong type")),
    "lone-surrogate-json": ("s.json", b'{"adapter": {"name": "\\ud800"}}', ("s.json", "not UTF-8", "'\\ud800'")),
    "rule-id-with-newline": ("n.toml", b'[policy]\ndisable = ["VMQ-IRQ-5\\n"]\n',
                             ("n.toml:2", "policy.disable[0]", "bad rule id")),
    "line-separator-in-an-inf-value": ("m.inf", "[Version]\r\nSignature = \"$Windows NT$\"\r\n[Manufacturer]\r\n"
                                                "x = Mi\u2028ssing\r\n".encode("utf-8"), ("m.inf",)),
    "over-long-integer-in-powershell-json": ("ps.txt", b'[{"Name": "Ethernet", "x": ' + b"9" * 5000 + b"}]",
                                             ("ps.txt", "integer too long")),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_exits_2_with_one_line(case: str, tmp_path: Path) -> None:
    name, content, fragments = CASES[case]
    path = tmp_path / name
    path.write_bytes(content)
    forced = ["--input-format", "powershell"] if case.endswith("powershell-json") else []
    code, _, err = run(["check", "--format", "plain", *forced, str(path)])
    assert code == 2
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])


def test_lone_surrogate_never_reaches_a_utf8_stdout(tmp_path: Path) -> None:
    """A JSON key escaping a lone surrogate used to crash the JSON and plain renderers on a real (UTF-8) stdout."""
    path = tmp_path / "s.json"
    path.write_bytes(b'{"adapter": {"\\udc80": 1}}')
    for fmt in ("plain", "json"):
        code, _, err = run(["check", "--format", fmt, str(path)])
        assert code == 2
        assert len(err.splitlines()) == 1 and "not UTF-8" in err


@pytest.mark.parametrize("forced,content", [("json", b'{"msix": '), ("toml", b"[msix\n"), ("json", b"")])
def test_forced_input_format_names_the_file_as_given(forced: str, content: bytes, tmp_path: Path) -> None:
    path = tmp_path / "input.txt"
    path.write_bytes(content)
    code, _, err = run(["check", "--input-format", forced, str(path)])
    assert code == 2 and len(err.splitlines()) == 1
    assert err.startswith(f"{path}:") and f"{path}.{forced}" not in err, err


def test_missing_file_and_directory(tmp_path: Path) -> None:
    for target in (tmp_path / "nope.toml", tmp_path):
        code, _, err = run(["check", str(target)])
        assert code == 2 and len(err.splitlines()) == 1 and str(target) in err


def test_one_bad_file_does_not_stop_the_others(tmp_path: Path) -> None:
    good, bad = tmp_path / "good.toml", tmp_path / "bad.toml"
    good.write_text(VALID.replace(', "MSI_X_SUPPORTED"', ""), encoding="utf-8")  # VMQ-IRQ-2 violated
    bad.write_text("[[vports]\n", encoding="utf-8")
    code, out, err = run(["check", "--format", "json", str(good), str(bad)])
    assert code == 2 and len(err.splitlines()) == 1
    assert '"status": "error"' in out and '"illegal": 1' in out


@pytest.mark.parametrize("argv", [["check"], ["check", "--format", "xml", "a.toml"], ["check", "--rule", "NSC-999", "a"],
                                  ["check", "--timeout", "-1", "a.toml"], ["explain", "--timeout", "0", "a.toml"],
                                  ["repair", "--timeout", "-1", "a.toml"], ["graph", "--timeout", "x", "a.toml"],
                                  ["frobnicate"], ["rules", "XYZ-1"]])
def test_usage_errors_exit_2_with_one_line(argv: list[str]) -> None:
    code, _, err = run(argv)
    assert code == 2 and len(err.splitlines()) == 1 and "Traceback" not in err


def test_input_file_is_never_modified(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text(VALID, encoding="utf-8")
    before = path.read_bytes()
    run(["check", str(path)])
    assert path.read_bytes() == before
