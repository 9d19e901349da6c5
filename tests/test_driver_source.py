"""The reader of a miniport's C source tree (model/readers/csource): the fixture miniports of
tests/fixtures/drivers with their expected results, the `synth --emit c` round trip, the C shapes the reader
follows, and the bad input it reports."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest
from vmqproof.model.config.errors import ConfigError
from vmqproof.model.outputs.emit import emit_c
from vmqproof.model.readers.csource.driver import load_driver, read_driver, variant_config
from vmqproof.model.readers.csource.layout import is_driver_tree
from vmqproof.model.readers.dispatch import load_config, loads_config
from vmqproof.properties.queries.check import check_config
from vmqproof.properties.queries.inputs import check_input
from vmqproof.properties.results import Verdict

sys.path.insert(0, str(Path(__file__).parent))
from _support import ROOT, run  # noqa: E402

DRIVERS = Path(__file__).parent / "fixtures" / "drivers"


def _driver(name: str) -> str:
    return str(DRIVERS / name)


def _results(report, rule: str) -> list:
    return [r for r in report.results if r.rule == rule]


def _only_config(name: str, ndis: str | None = None):
    configs = load_driver(_driver(name), ndis)
    assert len(configs) == 1
    return configs[0][1]


def _value(config, path: str):
    section, _, name = path.rpartition(".")
    return config.structure(section).values[name]


# -- the fixture miniports and what they give -----------------------------------------------------------------

def test_locals_memcpy_and_cleared_flags_give_open_current_values() -> None:
    config = _only_config("vmq-memcpy")
    hardware, current = config.structure("receive_filter.hardware"), config.structure("receive_filter.current")
    assert hardware.values["num_queues"] == 15                    # NIC_MAX_VM_QUEUES - 1
    assert hardware.values["supported_queue_properties"] == 0x1B
    assert (hardware.values["revision"], hardware.values["size"], hardware.values["type"]) == (2, 84, 0x80)
    assert current.values["num_queues"].one_of == (0, 15)          # the !VMQ_ENABLED branch clears it
    assert current.values["supported_queue_properties"].one_of == (0x19, 0x1B)     # &= ~VM_QUEUE_SUPPORTED
    source = config.source_of("receive_filter.current.supported_queue_properties")
    assert source.of(0x19).endswith("miniport.c:36") and source.of(0x1B).endswith("miniport.c:27")
    report = check_input(_driver("vmq-memcpy"))
    assert report.status().value == "legal", [r for r in report.results if r.fails()]


def test_static_table_entry_without_the_flag_is_conditional_with_the_entry_line() -> None:
    report = check_input(_driver("static-table"))
    (result,) = _results(report, "RF-CAP-5")
    assert result.verdict is Verdict.CONDITIONAL
    assert (result.file, result.line) == (str(DRIVERS / "static-table" / "caps_table.c"), 36)
    assert [v.location.rsplit("/", 1)[-1] for v in result.counterexample] == ["caps_table.c:36"]
    assert [v.location.rsplit("/", 1)[-1] for v in result.witness] == ["caps_table.c:21"]
    config = _only_config("static-table")
    assert _value(config, "receive_filter.hardware.num_queues").one_of == (7, 15)   # positional and designated


def test_helper_filling_through_a_pointer_and_the_inf_beside_it() -> None:
    (label, config), = load_driver(_driver("helper-pointer"))
    assert label is None and config.inf_source is not None and config.inf_source.name == "Nic.Inst"
    nic_switch = config.structure("nic_switch.hardware")
    assert nic_switch.values["max_num_vports"] == 16 and nic_switch.values["max_num_queue_pairs"] == 32
    assert nic_switch.values["max_num_rss_capable_non_default_pf_vports"] == 8        # NIC_VPORTS / 2
    rss = config.structure("rss_capabilities")
    assert rss.values["number_of_interrupt_messages"] == 32                           # an argument of the helper
    assert rss.values["number_of_receive_queues"] == 16                               # an enum constant
    assert config.structure("receive_filter.current") is not None                     # through pFilter
    report = check_input(_driver("helper-pointer"))
    # INF ↔ capabilities: the INF cannot declare the hidden *RssOrVmqPreference, so VMQ is never enabled while the
    # current capabilities advertise VM_QUEUE_SUPPORTED
    failing = {(r.rule, r.instance) for r in report.results if r.fails()}
    assert failing == {("INF-SRIOV-5", "receive_filter.current"), ("INF-SRIOV-5", "nic_switch.current")}
    by_instance = {r.instance: r for r in _results(report, "INF-SRIOV-5")}
    assert by_instance["receive_filter.current"].line == 29
    assert by_instance["nic_switch.current"].file.endswith("caps.c")
    inf_value = next(v for v in by_instance["receive_filter.current"].counterexample if v.path == "inf.*VMQ")
    assert inf_value.location.endswith("nic.inf:20")


def test_ndis_version_blocks_give_one_configuration_per_version() -> None:
    configs = load_driver(_driver("ndis-versions"))
    assert [label for label, _ in configs] == ["NDIS 6.20", "NDIS 6.30", "NDIS 6.60"]
    headers = [(c.adapter.ndis, _value(c, "nic_switch.hardware.revision"), _value(c, "nic_switch.hardware.size"))
               for _, c in configs]
    assert headers == [("6.20", 1, 32), ("6.30", 2, 116), ("6.60", 3, 132)]     # sizeof by version
    assert _value(configs[0][1], "nic_switch.hardware.num_total_mac_addresses") == 8
    assert _value(configs[2][1], "nic_switch.hardware.max_num_queue_pairs_for_default_vport") == 1
    report = check_input(_driver("ndis-versions"))
    assert report.status().value == "legal"
    assert {r.instance.split(":")[0] for r in report.results if r.instance != "-"} >= {"NDIS 6.20", "NDIS 6.60"}
    (only,) = load_driver(_driver("ndis-versions"), "6.30")
    assert only[0] is None and only[1].adapter.ndis == "6.30"


def test_vmq_driver_without_msix_flag_violates_vmq_irq_2_at_the_assignment() -> None:
    report = check_input(_driver("vmq-no-msix"))
    failing = [r for r in report.results if r.fails()]
    assert [(r.rule, r.instance, r.verdict, r.line) for r in failing] == \
        [("VMQ-IRQ-2", "receive_filter.hardware", Verdict.VIOLATED, 19)]
    assert failing[0].file.endswith("vmq.c")


def test_vmmq_driver_with_misordered_revision_violates_nsc_1_and_2() -> None:
    report = check_input(_driver("vmmq-bad-revision"))
    for rule in ("NSC-1", "NSC-2"):
        results = _results(report, rule)
        assert {r.instance for r in results} == {"nic_switch.hardware", "nic_switch.current"}
        assert all(r.verdict is Verdict.VIOLATED and r.line == 8 for r in results)   # the Revision designator


def test_a_registry_value_is_open_over_its_type_range_and_listed() -> None:
    config = _only_config("registry-value")
    assert _value(config, "receive_filter.hardware.num_queues").describe() == "?"
    assert any("num_queues is open over its type range" in n and "registry.c:39" in n for n in config.notes)
    report = check_input(_driver("registry-value"))
    (result,) = [r for r in _results(report, "RF-CAP-14") if r.instance == "receive_filter.hardware"]
    assert result.verdict is Verdict.CONDITIONAL
    assert result.legal_values == "receive_filter.hardware.num_queues ∈ [0, 64]"


# -- round trip: synth --emit c, read back -----------------------------------------------------------------

@pytest.mark.parametrize("arguments", [
    ["--queues", "8", "--processors", "0:0-0:15", "--ndis", "6.30"],
    ["--vports", "4", "--queue-pairs", "4", "--processors", "0:0-0:15"],
    ["--vports", "3", "--queue-pairs", "2", "--processors", "0:0-0:7", "--ndis", "6.80"],
])
def test_emitted_c_reads_back_as_the_same_structures(arguments: list[str], tmp_path: Path) -> None:
    config_path = tmp_path / "synth.toml"
    code, out, err = run(["synth", *arguments, "-o", str(config_path)])
    assert code == 0, out + err
    original = load_config(config_path)
    driver = tmp_path / "driver"
    driver.mkdir()
    (driver / "caps.c").write_text(emit_c(original), encoding="utf-8")
    (label, read), = load_driver(driver, original.adapter.ndis)
    assert label is None
    assert set(read.structures) == set(original.structures) - {"nic_switch.parameters"}
    for section, record in read.structures.items():
        expected = original.structures[section]
        for name in record.specs:
            want = expected.values[name]
            want = dict(want.sizes)[expected.values["revision"]] if name == "size" and not isinstance(want, int) \
                else want
            assert record.values[name] == want, f"{section}.{name}"


def test_an_emitted_config_of_the_examples_reads_back(tmp_path: Path) -> None:
    original = load_config(ROOT / "examples" / "vmmq-nic.toml")
    (tmp_path / "caps.c").write_text(emit_c(original), encoding="utf-8")
    read = _only_config_at(tmp_path)
    for section in ("receive_filter.hardware", "receive_filter.current", "nic_switch.hardware", "rss_capabilities"):
        assert dict(read.structures[section].values) == dict(original.structures[section].values) | \
            {"size": read.structures[section].values["size"]}


def _only_config_at(path: Path):
    configs = load_driver(path)
    assert len(configs) == 1
    return configs[0][1]


# -- C shapes ------------------------------------------------------------------------------------------------

def _read_source(tmp_path: Path, source: str, ndis: str | None = None):
    (tmp_path / "driver.c").write_text(source, encoding="utf-8")
    return load_driver(tmp_path, ndis)


def test_or_and_clear_struct_copy_and_ternary(tmp_path: Path) -> None:
    (_, config), = _read_source(tmp_path, """
#define QUEUES 4
#define WITH(x) ((x) | NDIS_RECEIVE_FILTER_VM_QUEUE_SUPPORTED)
NDIS_RECEIVE_FILTER_CAPABILITIES Hw, Cur;
void f(int sriov) {
    Hw.Header.Revision = 2; Hw.Header.Size = sizeof(Hw);
    Hw.SupportedQueueProperties = WITH(NDIS_RECEIVE_FILTER_MSI_X_SUPPORTED);
    Hw.SupportedQueueProperties |= 0x8;
    Hw.NumQueues = sriov ? 0 : QUEUES << 1;
    Cur = Hw;
    Cur.SupportedQueueProperties &= ~(ULONG)NDIS_RECEIVE_FILTER_MSI_X_SUPPORTED;
}
""")
    hardware = config.structure("receive_filter.hardware")
    assert hardware.values["supported_queue_properties"] == 0xB
    assert hardware.values["num_queues"].one_of == (0, 8)
    assert hardware.values["size"] == 84
    assert config.structure("receive_filter.current").values["supported_queue_properties"] == 0xA


def test_a_constant_condition_takes_one_branch_and_an_early_return_ends_a_path(tmp_path: Path) -> None:
    (_, config), = _read_source(tmp_path, """
#define USE_BIG 1
static NDIS_RECEIVE_SCALE_CAPABILITIES Rss;
NDIS_STATUS f(PADAPTER a) {
    Rss.Header.Type = NDIS_OBJECT_TYPE_RSS_CAPABILITIES;
    if (USE_BIG) { Rss.NumberOfReceiveQueues = 16; } else { Rss.NumberOfReceiveQueues = 2; }
    if (a->Failed) { return NDIS_STATUS_FAILURE; }
    Rss.NumberOfInterruptMessages = 32;
    switch (a->Kind) { case 1: Rss.NumberOfIndirectionTableEntries = 64; break;
                       default: Rss.NumberOfIndirectionTableEntries = 128; break; }
    return 0;
}
""")
    rss = config.structure("rss_capabilities")
    assert rss.values["number_of_receive_queues"] == 16
    assert rss.values["number_of_interrupt_messages"].one_of == (0, 32)      # the early return keeps the zero
    assert rss.values["number_of_indirection_table_entries"].one_of == (0, 64, 128)   # the early return too


def test_an_uninitialised_local_is_open_and_noted(tmp_path: Path) -> None:
    (_, config), = _read_source(tmp_path, """
void f(NDIS_HANDLE h) {
    NDIS_MINIPORT_ADAPTER_HARDWARE_ASSIST_ATTRIBUTES hwa = {0};
    NDIS_NIC_SWITCH_CAPABILITIES caps;
    caps.Header.Revision = NDIS_NIC_SWITCH_CAPABILITIES_REVISION_3;
    hwa.HardwareNicSwitchCapabilities = &caps;
    hwa.CurrentNicSwitchCapabilities = &caps;
    NdisMSetMiniportAttributes(h, &hwa);
    caps.MaxNumVPorts = 99;
}
""")
    record = config.structure("nic_switch.current")
    assert record.values["revision"] == 3
    assert record.values["max_num_vports"].describe() == "?"       # set after NdisMSetMiniportAttributes: unseen
    assert any("caps is not initialised" in note for note in config.notes)


def test_unknown_macros_sal_declspec_and_pragmas_do_not_stop_the_read(tmp_path: Path) -> None:
    (_, config), = _read_source(tmp_path, """
#pragma once
#pragma warning(push)
_IRQL_requires_max_(PASSIVE_LEVEL)
__declspec(noinline)
DRIVER_ENTRY_DECL
static VOID
FillIt(_Inout_updates_bytes_(sizeof(*c)) PNDIS_RECEIVE_FILTER_CAPABILITIES c, IN ULONG n OPTIONAL)
{
    PAGED_CODE();
    TRACE_ENTER(Log, "%d", n);
    c->NumQueues = n + VENDOR_EXTRA;
    c->MaxMacHeaderFilters = 16;
}
void Entry(void) { NDIS_RECEIVE_FILTER_CAPABILITIES HwCaps = {0}; FillIt(&HwCaps, 4); }
""")
    record = config.structure("receive_filter.hardware")
    assert record.values["max_mac_header_filters"] == 16
    assert record.values["num_queues"].describe() == "?"
    assert any("VENDOR_EXTRA is not known" in note for note in config.notes)


def test_versions_come_from_the_conditions_or_the_build_defines(tmp_path: Path) -> None:
    def versions(text: str) -> list[str]:
        from vmqproof.model.readers.csource.driver import _Source, build_versions
        return build_versions([_Source("x.c", text)])
    assert versions("int x;") == ["6.60"]
    assert versions("#if NDIS_SUPPORT_NDIS680\n#endif") == ["6.70", "6.80"]
    assert versions("#ifdef NDIS660_MINIPORT\n#endif\n#if NDIS_SUPPORT_NDIS630\n#endif") == ["6.20", "6.30", "6.60"]
    assert versions("#define NDIS650_MINIPORT 1\n#if NDIS_SUPPORT_NDIS680\n#endif") == ["6.50"]


def test_an_if_on_an_undefined_identifier_is_false_and_noted(tmp_path: Path) -> None:
    (_, config), = _read_source(tmp_path, """
NDIS_RECEIVE_SCALE_CAPABILITIES Rss;
void f(void) {
#if VENDOR_BIG_BOARD
    Rss.NumberOfReceiveQueues = 64;
#else
    Rss.NumberOfReceiveQueues = 8;
#endif
}
""")
    assert config.structure("rss_capabilities").values["number_of_receive_queues"] == 8
    assert any("VENDOR_BIG_BOARD" in note and "read as 0" in note for note in config.notes)


# -- inputs, bad input and the CLI ------------------------------------------------------------------------------

def test_a_directory_with_c_sources_is_one_input_other_directories_expand(tmp_path: Path) -> None:
    from vmqproof.model.readers.dispatch import expand_paths
    assert is_driver_tree(DRIVERS / "vmq-memcpy") and not is_driver_tree(ROOT / "examples")
    assert expand_paths([DRIVERS / "vmq-memcpy"]) == [str(DRIVERS / "vmq-memcpy")]
    assert expand_paths([ROOT / "examples"])[0].endswith(".toml")


def test_a_file_that_does_not_parse_is_reported_and_the_rest_is_read(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    shutil.copytree(DRIVERS / "vmq-no-msix", tree)
    shutil.copy(DRIVERS / "parse-error" / "broken.c", tree)
    report = check_input(tree)
    assert any(note.startswith(str(tree / "broken.c") + ":6: does not parse") for note in report.notes)
    assert [r.rule for r in report.results if r.fails()] == ["VMQ-IRQ-2"]
    code, out, _ = run(["check", "--format", "json", str(tree)])
    assert code == 1
    assert any("broken.c:6" in note for note in json.loads(out)["files"][0]["notes"])


def test_a_tree_without_capability_structures_is_bad_input() -> None:
    with pytest.raises(ConfigError, match="no capability structure found"):
        read_driver(_driver("no-capabilities"))
    code, out, err = run(["check", "--format", "plain", _driver("no-capabilities")])
    assert code == 2
    assert err.count("\n") == 1 and "no-capabilities: no capability structure found" in err


def test_bad_ndis_version_and_unreadable_sources(tmp_path: Path) -> None:
    code, _, err = run(["check", "--ndis", "7.1", _driver("vmq-memcpy")])
    assert code == 2 and err.count("\n") == 1 and "--ndis: unknown NDIS version" in err
    shutil.copytree(DRIVERS / "vmq-no-msix", tmp_path / "tree")
    (tmp_path / "tree" / "binary.c").write_bytes(b"\x00\x01\x02\x03binary")
    tree = read_driver(tmp_path / "tree")
    assert any("binary.c: binary file" in note and "not read" in note for note in tree.notes)
    assert tree.variants


def test_check_renders_source_locations_in_every_format(tmp_path: Path) -> None:
    target = _driver("vmq-no-msix")
    code, out, _ = run(["check", "--format", "plain", target])
    assert code == 1 and target + "/vmq.c:19: VMQ-IRQ-2 error violated: msix-supported-flag at " \
        "receive_filter.hardware" in out
    assert "(given, " + target + "/vmq.c:19)" in out
    code, out, _ = run(["check", "--format", "plain", "--show", "all", target])
    assert code == 1 and "violated at receive_filter.hardware (" + target + "/vmq.c:19)" in out
    code, out, _ = run(["check", "--format", "json", target])
    result = next(r for r in json.loads(out)["files"][0]["results"] if r["rule"] == "VMQ-IRQ-2" and
                  r["verdict"] == "violated")
    assert result["file"] == target + "/vmq.c" and result["line"] == 19
    assert result["locations"] == {"receive_filter.hardware.supported_queue_properties": target + "/vmq.c:19"}
    code, out, _ = run(["check", "--format", "sarif", target])
    location = json.loads(out)["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert location == {"artifactLocation": {"uri": target + "/vmq.c"}, "region": {"startLine": 19}}
    code, out, _ = run(["check", "--format", "rich", "--width", "200", target])
    assert "vmq.c:19" in out


def test_import_writes_what_check_proves_the_same_way(tmp_path: Path) -> None:
    out_file = tmp_path / "static.toml"
    code, out, err = run(["import", _driver("static-table"), "-o", str(out_file)])
    assert code == 0, err
    text = out_file.read_text(encoding="utf-8")
    assert "num_queues = { one_of = [7, 15] }" in text and "caps_table.c:35" in text
    imported = check_config(loads_config(text, str(out_file)))
    direct = check_input(_driver("static-table"))
    assert [(r.rule, r.instance, r.verdict) for r in imported.results] == \
        [(r.rule, r.instance, r.verdict) for r in direct.results]
    code, _, err = run(["import", _driver("ndis-versions")])
    assert code == 2 and "gives 3 configurations" in err
    code, _, _ = run(["import", _driver("ndis-versions"), "-o", str(tmp_path / "v.toml")])
    assert code == 0 and sorted(p.name for p in tmp_path.glob("v.*.toml")) == \
        ["v.NDIS-6.20.toml", "v.NDIS-6.30.toml", "v.NDIS-6.60.toml"]


def test_explain_and_repair_name_the_source_line(tmp_path: Path) -> None:
    target = _driver("vmq-no-msix")
    code, out, _ = run(["explain", "--format", "json", target])
    assert code == 1
    fact = json.loads(out)["explanations"][0]["facts"][0]
    assert (fact["field"], fact["file"], fact["line"]) == \
        ("receive_filter.hardware.supported_queue_properties", target + "/vmq.c", 19)
    code, out, _ = run(["repair", "--format", "json", target])
    assert code == 0
    change, = json.loads(out)["changes"]
    assert change["field"] == "receive_filter.hardware.supported_queue_properties"
    assert change["location"] == target + "/vmq.c:19" and "MSI_X_SUPPORTED" in change["to"]
    code, _, err = run(["repair", _driver("ndis-versions")])
    assert code == 2 and "3 configurations" in err and "--ndis" in err
    code, out, _ = run(["repair", "--ndis", "6.60", "--format", "plain", _driver("ndis-versions")])
    assert code == 0 and "already legal" in out


def test_a_conditional_driver_result_explains_the_branch() -> None:
    code, out, _ = run(["explain", "--format", "plain", "--rule", "RF-CAP-5", _driver("static-table")])
    assert code == 1 and "(chosen by the solver, " + _driver("static-table") + "/caps_table.c:36)" in out


def test_variant_config_keeps_inf_lines_as_sources() -> None:
    tree = read_driver(_driver("helper-pointer"))
    config = variant_config(tree, tree.variants[0])
    assert config.source_of("inf.*VMQ").of().endswith("nic.inf:20")
    assert config.path == _driver("helper-pointer")


@pytest.mark.parametrize("command", [["check"], ["explain"], ["repair"], ["import"]])
def test_every_command_reports_a_bad_ndis_version_in_one_line(command: list[str]) -> None:
    code, out, err = run([*command, "--ndis", "5.0", _driver("vmq-no-msix")])
    assert code == 2 and err.count("\n") == 1 and "--ndis: unknown NDIS version" in err, out + err


def test_a_tree_whose_c_files_cannot_be_read_is_bad_input(tmp_path: Path) -> None:
    (tmp_path / "only.c").write_bytes(b"\x00\x01binary\x00\x02")
    code, _, err = run(["check", str(tmp_path)])
    assert code == 2 and err.count("\n") == 1 and "no C source to read" in err
