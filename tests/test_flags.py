"""Raw bitmasks are decoded with the constants of the adapter's NDIS version (issue 3 item 4, rules.md A14)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from vmqproof.model.config import constants as C
from vmqproof.properties import check_file


@pytest.mark.parametrize(("ndis", "name"), [((6, 30), "IMPLAT_MIN_OF_QUEUES_MODE"),
                                           ((6, 80), "DYNAMIC_PROCESSOR_AFFINITY_CHANGE_FOR_DEFAULT_QUEUE_SUPPORTED")])
def test_bit_0x40_is_named_by_version(ndis: tuple[int, int], name: str) -> None:
    assert C.SUPPORTED_QUEUE_PROPERTIES.names_of(0x41, ndis) == ["MSI_X_SUPPORTED", name]


def test_flags_newer_than_the_version_are_unknown_bits() -> None:
    assert C.NIC_SWITCH_CAPS.names_of(0x90, (6, 30)) == ["SINGLE_VPORT_POOL", "0x80"]
    assert C.NIC_SWITCH_CAPS.names_of(0x90, (6, 60)) == ["SINGLE_VPORT_POOL", "RSS_ON_PF_VPORTS_SUPPORTED"]
    assert C.RSS_CAPS.names_of(0x40000001, (6, 60)) == ["HASH_FUNCTION_TOEPLITZ", "0x40000000"]


def test_undocumented_bits_stay_hex() -> None:
    assert C.NIC_SWITCH_CAPS.names_of(0x10 | 0x4000) == ["SINGLE_VPORT_POOL", "0x4000"]


def test_integer_bitmask_in_a_report_is_decoded_by_the_adapter_version(tmp_path: Path) -> None:
    path = tmp_path / "old.toml"
    path.write_text('[adapter]\nndis = "6.30"\n[receive_filter.hardware]\nrevision = 2\n'
                    "supported_queue_properties = 0x42\n", encoding="utf-8")
    report = check_file(path, rule_ids=["VMQ-IRQ-2"])
    (result,) = [r for r in report.results if r.verdict.value == "violated"]
    assert result.counterexample[0].value == ["VM_QUEUE_SUPPORTED", "IMPLAT_MIN_OF_QUEUES_MODE"]
    assert json.dumps(result.counterexample[0].value)
