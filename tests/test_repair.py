"""`repair`: every repaired example and violating fixture passes `check`, and no cheaper repair exists
(the solver is asked for one change fewer and answers unsat); `-o` writes a new file in the input's style;
exact legal intervals for a single open integer field."""

from __future__ import annotations

import json
import re
import sys
import tomllib
from pathlib import Path

import pytest
from vmqproof.model.readers.dispatch import loads_config
from vmqproof.properties.queries.check import check_config
from vmqproof.properties.queries.repair import build_problem, fewer_changes, repair_text
from vmqproof.properties.results import Severity, Status
from vmqproof.properties.rules import rules_by_id, trace as trace_rules

sys.path.insert(0, str(Path(__file__).parent))
from _support import run  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures" / "rules"
ILLEGAL_EXAMPLES = sorted((ROOT / "examples").glob("illegal-*.toml"))


def violating_fixtures() -> list[Path]:
    found = []
    for path in sorted(FIXTURES.glob("*/*.toml")):
        head = path.read_text(encoding="utf-8").splitlines()[:5]
        if any(re.search(r"expect:\s*violated", line) for line in head):
            found.append(path)
    return found


def assert_repair_proved(text: str, file: str, rule_ids: list[str] | None, strict: bool) -> str:
    """Repair; the result passes check and is proved minimal. Returns the status."""
    config = loads_config(text, file)
    report = repair_text(text, file, rule_ids, strict=strict)
    if report.status == "legal":
        assert check_config(config, rule_ids).status(strict) is Status.LEGAL
        return report.status
    if report.status == "impossible":
        assert report.unrepairable, "an impossible repair names the rules that cannot hold"
        return report.status
    assert report.status == "repaired", report
    assert report.text is not None and report.changes
    repaired = loads_config(report.text, file)
    assert check_config(repaired, rule_ids).status(strict) is Status.LEGAL
    assert len(report.changes) == report.cost, "weight 1 per field: cost = number of changes"
    # minimality: no repair with one change fewer exists
    problem = build_problem(config, rule_ids, strict)
    assert fewer_changes(problem, report.cost) == "unsat"
    assert report.minimal and report.rounds == 1
    return report.status


@pytest.mark.parametrize("example", ILLEGAL_EXAMPLES, ids=lambda p: p.stem)
def test_repair_examples(example: Path) -> None:
    strict = "strict" in example.read_text(encoding="utf-8")
    status = assert_repair_proved(example.read_text(encoding="utf-8"), f"examples/{example.name}", None, strict)
    assert status in ("repaired", "impossible")


# Fixtures whose violation no scalar change can remove: the rule is about which structures or list entries
# exist (a missing or extra section, list length, duplicate entries, VF role). repair must say so.
NOT_REPAIRABLE = {
    "D-14/listed-twice", "HWA-1/current-without-hardware", "HWA-1/hardware-without-current",
    "HWA-2/hardware-without-current", "HWA-2/strict-sriov-disabled", "HWA-4/current-reported-sriov-disabled",
    "HWA-4/legacy-zeroed-current", "HWA-7/nic-switch-on-ndis-60", "HWA-7/receive-filter-on-ndis-61",
    "INF-RSS-8/without-group", "INF-SRIOV-5/vmq-switch-no-hardware-caps", "NSC-22/switch-and-vm-queues",
    "NSC-23/vf-reports-hardware-caps", "NSP-9/no-default-vport", "RF-CAP-20/vf-reports-current",
    "RF-CAP-20/vf-reports-hardware", "VMQ-IRQ-5/exactly-one-reading-missing", "VMQ-IRQ-6/three-other",
    "VMQ-IRQ-7/too-many-vectors", "VMQ-Q-3/default-queue-id", "VPORT-3/default-on-vf",
}

TRACE_RULES = {r.id for r in trace_rules.RULES}
# Trace fixtures whose violation also rests on a configuration field a repair may change.
TRACE_REPAIRABLE = {"NSP-7/mismatch-accepted", "INF-VMQ-5/max-rss-processors-with-vmq"}


@pytest.mark.parametrize("path", violating_fixtures(), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_repair_violating_fixtures(path: Path) -> None:
    rule_id = path.parent.name
    rule = rules_by_id().get(rule_id)
    if rule is None:
        pytest.skip(f"{rule_id} is not a registered rule")
    try:
        text = path.read_text(encoding="utf-8")
        loads_config(text, str(path))
    except Exception as exc:                                     # other artifact kinds (INF, PowerShell)
        pytest.skip(f"not a configuration file: {exc}")
    status = assert_repair_proved(text, str(path), [rule_id], strict=True)
    key = f"{rule_id}/{path.stem}"
    if status == "legal":
        assert rule.severity is Severity.INFO, "only info rules never need a repair"
    elif key in NOT_REPAIRABLE or rule_id.startswith("HOST-"):   # [host] settings are read concretely
        assert status == "impossible"
    elif rule_id in TRACE_RULES:                    # a [trace] records what the driver did: read concretely
        assert status == ("repaired" if key in TRACE_REPAIRABLE else "impossible")
    else:
        assert status == "repaired"


def test_repair_cli_writes_a_new_toml_file_keeping_comments(tmp_path: Path) -> None:
    source = ROOT / "examples" / "illegal-vmq-irq.toml"
    before = source.read_bytes()
    out_path = tmp_path / "fixed.toml"
    code, out, err = run(["repair", "--format", "json", "--rule", "VMQ-IRQ-4,VMQ-IRQ-8", str(source),
                          "-o", str(out_path)])
    assert code == 0, err
    data = json.loads(out)
    assert data["status"] == "repaired" and data["minimal"] is True and data["output"] == str(out_path)
    assert {c["field"] for c in data["changes"]} <= {"msix.vectors[7].cpu", "msix.table_size",
                                                      "receive_filter.hardware.num_queues",
                                                      "receive_filter.hardware.supported_queue_properties"}
    assert all(set(c) == {"field", "from", "to"} for c in data["changes"])
    assert source.read_bytes() == before, "the input is never modified"
    text = out_path.read_text(encoding="utf-8")
    assert text.startswith("# Illegal (VMQ-IRQ family)"), "comments survive"
    assert 'processors = ["0:0", "0:2"' in text and "[[vports]]" in text, "layout survives"
    vector = next(c for c in data["changes"] if c["field"] == "msix.vectors[7].cpu")
    assert re.fullmatch(r"\d+:\d+", vector["to"]), "processors are written as group:number"
    assert f'cpu = "{vector["to"]}"' in text
    assert run(["check", "--rule", "VMQ-IRQ-4,VMQ-IRQ-8", str(out_path)])[0] == 0


def test_repair_keeps_flags_as_names_and_prints_host_commands(tmp_path: Path) -> None:
    out_path = tmp_path / "fixed.toml"
    code, out, _ = run(["repair", "--format", "plain", "examples/illegal-inf.toml", "-o", str(out_path),
                        "--rule", "INF-VMQ-1,INF-RSS-2"])
    assert code == 0
    assert ('Set-NetAdapterAdvancedProperty -Name "Contoso 25G port 1" -RegistryKeyword "*VMQVlanFiltering" '
            '-RegistryValue 1') in out
    assert "-RegistryKeyword \"*RSSProfile\"" in out
    text = out_path.read_text(encoding="utf-8")
    assert '"*VMQVlanFiltering" = 1' in text
    nsc = tmp_path / "nsc.toml"
    code, out, _ = run(["repair", "--format", "json", "--rule", "NSC-15", "examples/illegal-nsc.toml", "-o", str(nsc),
                        "--keep", "nic_switch.hardware.revision", "--keep", "nic_switch.current.revision"])
    changes = json.loads(out)["changes"]
    assert {c["field"] for c in changes} == {"nic_switch.hardware.nic_switch_capabilities",
                                             "nic_switch.current.nic_switch_capabilities"}
    assert all(isinstance(name, str) and not name.startswith("0x") for c in changes for name in c["to"])
    assert "RSS_PER_PF_VPORT_HASH_TYPE_SUPPORTED" in nsc.read_text(encoding="utf-8")


def test_repair_json_input_gives_json_output(tmp_path: Path) -> None:
    source = tmp_path / "c.json"
    source.write_text(json.dumps({"nic_switch": {"hardware": {"revision": 3, "nic_switch_capabilities":
                                                              ["RSS_PER_PF_VPORT_HASH_KEY_SUPPORTED"]}}}))
    out_path = tmp_path / "fixed.json"
    code, _, _ = run(["repair", "--rule", "NSC-15", str(source), "-o", str(out_path)])
    assert code == 0
    data = json.loads(out_path.read_text(encoding="utf-8"))
    assert isinstance(data["nic_switch"]["hardware"]["nic_switch_capabilities"], list)
    assert run(["check", "--rule", "NSC-15", str(out_path)])[0] == 0


def test_keep_and_weight_steer_the_repair() -> None:
    argv = ["repair", "--format", "json", "--rule", "VMQ-IRQ-8", "examples/illegal-vmq-irq.toml"]
    _, out, _ = run(argv + ["--keep", "msix.table_size"])
    fields = {c["field"] for c in json.loads(out)["changes"]}
    assert "msix.table_size" not in fields and fields
    _, out, _ = run(argv + ["--weight", "receive_filter.hardware.num_queues=5",
                            "--weight", "receive_filter.hardware.supported_queue_properties=5"])
    assert [c["field"] for c in json.loads(out)["changes"]] == ["msix.table_size"]


def test_unrepairable_fixture_says_which_rules() -> None:
    code, out, _ = run(["repair", "--format", "json", "--rule", "NSC-22",
                        "tests/fixtures/rules/NSC-22/switch-and-vm-queues.toml"])
    data = json.loads(out)
    assert code == 1 and data["status"] == "impossible" and data["changes"] == []
    assert [u["rule"] for u in data["unrepairable"]] == ["NSC-22"]


@pytest.mark.parametrize("argv", [
    ["repair", "examples/illegal-nsc.toml", "--keep", "nic_switch.hardware.max_num_vportz"],
    ["repair", "examples/illegal-nsc.toml", "--weight", "msix.table_size=0"],
    ["repair", "examples/illegal-nsc.toml", "--weight", "nope=2"],
    ["repair", "missing.toml"],
    ["repair", "examples/illegal-nsc.toml", "-o", "examples/illegal-nsc.toml"],
    ["explain", "missing.toml"],
    ["explain", "examples/illegal-nsc.toml", "--rule", "NOPE-1"],
])
def test_bad_input_is_one_line_exit_2(argv: list[str]) -> None:
    code, out, err = run(argv)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


# -- exact legal values of one open integer field ----------------------------------------------------------

def legal_values(tmp_path: Path, body: str, rule: str) -> str | None:
    path = tmp_path / "open.toml"
    path.write_text(body, encoding="utf-8")
    code, out, _ = run(["check", "--format", "json", "--rule", rule, str(path)])
    (result,) = [r for r in json.loads(out)["files"][0]["results"] if r["verdict"] == "conditional"]
    return result.get("legal_values")


def test_interval_for_a_bound(tmp_path: Path) -> None:
    body = ('[receive_filter.hardware]\nrevision = 2\nsupported_queue_properties = ["VM_QUEUE_SUPPORTED"]\n'
            'num_queues = 15\n[msix]\ntable_size = { min = 1, max = 64 }\n')
    assert legal_values(tmp_path, body, "VMQ-IRQ-8") == "msix.table_size ∈ [16, 64]"
    body = body.replace("{ min = 1, max = 64 }", '"?"')
    assert legal_values(tmp_path, body, "VMQ-IRQ-8") == "msix.table_size ∈ [16, 4294967295]"


def test_interval_for_powers_of_two(tmp_path: Path) -> None:
    body = "[nic_switch.hardware]\nrevision = 2\nmax_num_queue_pairs_per_non_default_vport = { min = 1, max = 1000 }\n"
    assert legal_values(tmp_path, body, "NSC-9") == \
        "nic_switch.hardware.max_num_queue_pairs_per_non_default_vport ∈ [1, 2] ∪ {4, 8, 16, 32, 64, 128, 256, 512}"
    exponent = '[policy]\nqueue_pairs_power_of_two = "exponent"\n' + body.replace("max = 1000", "max = 100")
    assert legal_values(tmp_path, exponent, "NSC-9") == \
        "nic_switch.hardware.max_num_queue_pairs_per_non_default_vport ∈ [1, 31]"


def test_interval_rendered_in_plain(tmp_path: Path) -> None:
    path = tmp_path / "open.toml"
    path.write_text('[receive_filter.hardware]\nrevision = 2\nsupported_queue_properties = ["VM_QUEUE_SUPPORTED"]\n'
                    'num_queues = 7\n[msix]\ntable_size = { min = 1, max = 64 }\n', encoding="utf-8")
    _, out, _ = run(["check", "--format", "plain", "--rule", "VMQ-IRQ-8", str(path)])
    assert "  holds iff msix.table_size ∈ [8, 64]\n" in out
    _, out, _ = run(["check", "--format", "rich", "--width", "100", "--rule", "VMQ-IRQ-8", str(path)])
    assert "holds iff msix.table_size ∈ [8, 64]" in out


def test_several_open_fields_give_no_interval(tmp_path: Path) -> None:
    body = ('[receive_filter.hardware]\nrevision = 2\nsupported_queue_properties = ["VM_QUEUE_SUPPORTED"]\n'
            'num_queues = { min = 1, max = 31 }\n[msix]\ntable_size = { min = 1, max = 64 }\n')
    assert legal_values(tmp_path, body, "VMQ-IRQ-8") is None


@pytest.mark.parametrize(("preference", "command"), [(1, "Set-NetAdapterVmq"), (0, "Set-NetAdapterRss")])
def test_repair_prints_the_rss_or_vmq_command_for_processor_settings(tmp_path: Path, preference: int,
                                                                     command: str) -> None:
    path = tmp_path / "rss.toml"
    path.write_text(f'[adapter]\nname = "Port 1"\n[inf]\n"*RssOrVmqPreference" = {preference}\n'
                    '[rss_processors]\nrss_base_processor = "0:4"\nprocessors = ["0:2", "0:4", "0:6"]\n',
                    encoding="utf-8")
    code, out, _ = run(["repair", "--format", "plain", str(path)])
    assert code == 0
    assert f'{command} -Name "Port 1" -BaseProcessorGroup 0 -BaseProcessorNumber 2' in out


@pytest.mark.parametrize("source_suffix,out_suffix", [(".json", ".toml"), (".toml", ".json"), (".json", ".JSON")])
def test_repair_output_format_follows_the_output_suffix(tmp_path: Path, source_suffix: str, out_suffix: str) -> None:
    """`repair -o fixed.toml` on a JSON input writes TOML (and the other way round), whatever the input was."""
    document = {"nic_switch": {"hardware": {"revision": 3,
                                            "nic_switch_capabilities": ["RSS_PER_PF_VPORT_HASH_KEY_SUPPORTED"]}}}
    source = tmp_path / f"c{source_suffix}"
    source.write_text(json.dumps(document) if source_suffix == ".json" else
                      '[nic_switch.hardware]\nrevision = 3\nnic_switch_capabilities = '
                      '["RSS_PER_PF_VPORT_HASH_KEY_SUPPORTED"]\n', encoding="utf-8")
    out_path = tmp_path / f"fixed{out_suffix}"
    code, _, err = run(["repair", "--rule", "NSC-15", str(source), "-o", str(out_path)])
    assert code == 0, err
    text = out_path.read_text(encoding="utf-8")
    if out_suffix.lower() == ".toml":
        parsed = tomllib.loads(text)
    else:
        parsed = json.loads(text)
    capabilities = parsed["nic_switch"]["hardware"]["nic_switch_capabilities"]
    assert isinstance(capabilities, list) and capabilities != ["RSS_PER_PF_VPORT_HASH_KEY_SUPPORTED"]
    assert run(["check", "--rule", "NSC-15", str(out_path)])[0] == 0


@pytest.mark.parametrize("out_name", ["fixed.yaml", "fixed", "fixed.toml.bak"])
def test_repair_output_with_an_unknown_suffix_is_exit_2(tmp_path: Path, out_name: str) -> None:
    out_path = tmp_path / out_name
    code, out, err = run(["repair", "examples/illegal-nsc.toml", "-o", str(out_path)])
    assert code == 2 and out == "" and not out_path.exists()
    assert len(err.strip().splitlines()) == 1 and "-o" in err and ".toml or .json" in err
