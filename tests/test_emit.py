"""Emitters: the C initialisers compile against tests/ndis_test.h (rules.md §3 values) and name the NDIS macros;
the INF lines declare the standardized keywords with legal defaults and ranges, never the hidden ones."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from vmqproof.model.config import keywords as K
from vmqproof.model.outputs.emit import emit_c, member_name
from vmqproof.model.readers.dispatch import load_config

sys.path.insert(0, str(Path(__file__).parent))
from _support import run  # noqa: E402

HERE = Path(__file__).parent
ROOT = HERE.parent
COMPILER = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")


SYNTH = {
    "vmq": ["--queues", "8", "--processors", "0:0-0:15", "--ndis", "6.30"],
    "vmq-660": ["--queues", "20", "--processors", "0:0-0:31", "--smt"],
    "vmmq": ["--vports", "4", "--queue-pairs", "4", "--processors", "0:0-0:15"],
    "vmmq-680": ["--vports", "3", "--queue-pairs", "2", "--processors", "0:0-0:7", "--ndis", "6.80"],
}


def _compile(source: str, tmp_path: Path) -> None:
    if COMPILER is None:
        pytest.skip("no C compiler")
    path = tmp_path / "caps.c"
    path.write_text('#include "ndis_test.h"\n' + source, encoding="utf-8")
    done = subprocess.run([COMPILER, "-std=c99", "-Wall", "-Wextra", "-Werror", "-Wno-unused-variable",
                           "-Wno-missing-field-initializers", "-I", str(HERE), "-c", str(path), "-o",
                           str(tmp_path / "caps.o")], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("name", sorted(SYNTH))
def test_emitted_c_compiles(name: str, tmp_path: Path) -> None:
    code, out, err = run(["synth", *SYNTH[name], "--emit", "c"])
    assert code == 0, err + out
    for macro in ("NDIS_RECEIVE_FILTER_CAPABILITIES_REVISION_2", "NDIS_SIZEOF_RECEIVE_FILTER_CAPABILITIES_REVISION_2",
                  "NDIS_RECEIVE_FILTER_MSI_X_SUPPORTED |", "NDIS_RECEIVE_SCALE_CAPABILITIES NdisHashFunctionToeplitz"
                  .split(" ")[0]):
        assert macro in out
    if name.startswith("vmmq"):
        assert "NDIS_NIC_SWITCH_CAPABILITIES_REVISION_3" in out
        assert "NDIS_NIC_SWITCH_CAPS_RSS_ON_PF_VPORTS_SUPPORTED" in out
    assert "NdisHashFunctionToeplitz" in out and "unsat at ≤" in out
    _compile(out, tmp_path)


@pytest.mark.parametrize("example", ["vmmq-nic.toml", "vmq-nic.toml"])
def test_examples_emit_and_compile(example: str, tmp_path: Path) -> None:
    _compile(emit_c(load_config(ROOT / "examples" / example)), tmp_path)


def test_member_names() -> None:
    assert member_name("max_num_rss_capable_non_default_pf_vports") == "MaxNumRssCapableNonDefaultPFVPorts"
    assert member_name("supported_ipv4_header_fields") == "SupportedIPv4HeaderFields"
    assert member_name("supported_arp_header_fields") == "SupportedARPHeaderFields"
    assert member_name("max_num_vfs") == "MaxNumVFs"


@pytest.mark.parametrize("name", sorted(SYNTH))
def test_inf_lines(name: str) -> None:
    code, out, err = run(["synth", *SYNTH[name], "--emit", "inf"])
    assert code == 0, err
    lines = [line for line in out.splitlines() if line.startswith("HKR")]
    keys: dict[str, dict[str, str]] = {}
    enums: dict[str, set[int]] = {}
    for line in lines:
        match = re.fullmatch(r'HKR, Ndi\\params\\(\*\w+)(\\Enum)?, +"?(\w+)"?, +0, "([^"]*)"', line)
        assert match, line
        keyword, enum, entry, value = match.groups()
        if enum:
            enums.setdefault(keyword, set()).add(int(entry))
        else:
            keys.setdefault(keyword, {})[entry] = value
    assert "*VMQ" in keys and "*RSS" in keys
    assert "*RssOrVmqPreference" not in keys and "*SriovPreferred" not in keys
    assert ("*RssOnHostVPorts" in keys) == name.startswith("vmmq")
    for keyword, entries in keys.items():
        spec = K.lookup(keyword)
        assert spec is not None and {"ParamDesc", "default", "type"} <= set(entries)
        default = int(entries["default"])
        if entries["type"] == "enum":
            assert enums[keyword] <= set(spec.values) and default in enums[keyword]
        else:
            low, high = int(entries["min"]), int(entries["max"])
            assert spec.lo <= low <= default <= high and entries["step"] == "1"
