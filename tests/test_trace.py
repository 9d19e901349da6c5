"""The `[trace]` section: what it reads, and bad input (exit 2, one line naming the file, path and line)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from vmqproof.model.readers.dispatch import loads_config
from vmqproof.properties import check_file

sys.path.insert(0, str(Path(__file__).parent))
from _support import run  # noqa: E402

GOOD = b"""
[trace]
registry_reads = ["*vmq", "VMSMP\\\\*TenGigVmqEnabled",
                  "HKLM\\\\SYSTEM\\\\CurrentControlSet\\\\Services\\\\VMSMP\\\\Parameters\\\\*maxrssprocessors", "Vendor"]
static_switch = true

[[trace.requests]]
oid = "oid_nic_switch_create_vport"
request = "method"
status = "NDIS_STATUS_SUCCESS"
vport = 1
flags = ["NDIS_NIC_SWITCH_VPORT_PARAMS_NUM_QUEUE_PAIRS_CHANGED", 0x1]
num_queue_pairs = 4
processor_affinity = ["0:2", "0:4"]

[[trace.requests]]
oid = "OID_GEN_RECEIVE_SCALE_PARAMETERS"
request = "set"
status = 0
vport = 1
flags = ["DISABLE_RSS"]
indirection_table = ["0:2", "0:4"]
hash_information = 0x1701
hash_secret_key = "6d5a"

[[trace.requests]]
oid = "NDIS_STATUS_RECEIVE_FILTER_QUEUE_PARAMETERS"
queue = 2
revision = 2
interrupt_coalescing_domain_id = 0

[[trace.requests]]
oid = "RECEIVE_INDICATION"
vport = 1
processor = "0:2"
"""


def test_reads_the_trace() -> None:
    trace = loads_config(GOOD, "t.toml").trace
    assert trace is not None and trace.static_switch is True
    assert trace.registry_reads == ("*VMQ", "VMSMP\\*TenGigVmqEnabled", "VMSMP\\*MaxRssProcessors", "Vendor")
    create, rss, status, indication = trace.requests
    assert create.oid == "OID_NIC_SWITCH_CREATE_VPORT" and create.flags == 0x800001
    assert create.processor_affinity == (2, 4) and create.succeeded
    assert rss.flags == 0x10 and rss.indirection_table == (2, 4) and rss.hash_secret_key == 0x6D5A and rss.succeeded
    assert status.request == "indication" and status.revision == 2 and status.status is None
    assert indication.processor == 2 and indication.path == "trace.requests[3]"


def test_json_trace() -> None:
    document = {"trace": {"registry_reads": ["*RSS"],
                          "requests": [{"oid": "OID_NIC_SWITCH_DELETE_VPORT", "request": "set", "vport": 0}]}}
    config = loads_config(json.dumps(document), "t.json")
    assert config.trace is not None and config.trace.requests[0].vport == 0


def test_without_a_trace_the_trace_rules_do_not_apply(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text("[[vports]]\nid = 1\nnum_queue_pairs = 1\n", encoding="utf-8")
    report = check_file(path, rule_ids=["VPORT-4", "D-16", "INF-VMQ-4", "NSP-7", "VMQ-Q-7"])
    assert {r.verdict.value for r in report.results} == {"not-applicable"}


CASES: dict[str, tuple[bytes, tuple[str, ...]]] = {
    "not-a-table": (b"trace = 1\n", ("trace", "a table")),
    "unknown-key": (b"[trace]\nregistry_read = []\n", ("t.toml:2", "trace.registry_read", "did you mean 'registry_reads'")),
    "reads-not-array": (b"[trace]\nregistry_reads = \"*VMQ\"\n", ("trace.registry_reads", "an array")),
    "read-not-string": (b"[trace]\nregistry_reads = [1]\n", ("trace.registry_reads[0]", "registry value name")),
    "keyword-without-star": (b"[trace]\nregistry_reads = [\"VMQ\"]\n", ("trace.registry_reads[0]", "did you mean '*VMQ'")),
    "keyword-typo": (b"[trace]\nregistry_reads = [\"*NumRSSQueue\"]\n", ("did you mean '*NumRSSQueues'",)),
    "vmsmp-typo": (b"[trace]\nregistry_reads = [\"VMSMP\\\\*TenGigVmqEnable\"]\n",
                   ("unknown VMSMP value", "did you mean '*TenGigVmqEnabled'")),
    "static-not-bool": (b"[trace]\nstatic_switch = \"yes\"\n", ("trace.static_switch", "true or false")),
    "unknown-oid": (b"[[trace.requests]]\noid = \"OID_NIC_SWITCH_CREAT_VPORT\"\nrequest = \"set\"\nvport = 1\n",
                    ("t.toml:2", "trace.requests[0].oid", "did you mean 'OID_NIC_SWITCH_CREATE_VPORT'")),
    "missing-oid": (b"[[trace.requests]]\nrequest = \"set\"\n", ("trace.requests[0].oid", "OID name")),
    "missing-request": (b"[[trace.requests]]\noid = \"OID_NIC_SWITCH_CREATE_SWITCH\"\n",
                        ("trace.requests[0].request", "missing request kind", "set | query | method | indication")),
    "bad-request": (b"[[trace.requests]]\noid = \"OID_NIC_SWITCH_CREATE_SWITCH\"\nrequest = \"sett\"\n",
                    ("t.toml:3", "did you mean 'set'")),
    "oid-as-indication": (b"[[trace.requests]]\noid = \"OID_NIC_SWITCH_CREATE_SWITCH\"\nrequest = \"indication\"\n",
                          ("trace.requests[0].request", "an OID request")),
    "status-as-set": ((b"[[trace.requests]]\noid = \"NDIS_STATUS_RECEIVE_FILTER_QUEUE_PARAMETERS\"\nrequest = \"set\"\n"
                      b"queue = 1\n"), ("trace.requests[0].request", '"indication"')),
    "missing-vport": (b"[[trace.requests]]\noid = \"OID_NIC_SWITCH_CREATE_VPORT\"\nrequest = \"method\"\n",
                      ("trace.requests[0].vport", "missing required field")),
    "missing-processor": (b"[[trace.requests]]\noid = \"RECEIVE_INDICATION\"\nvport = 1\n",
                          ("trace.requests[0].processor", "missing required field")),
    "key-of-another-oid": ((b"[[trace.requests]]\noid = \"OID_NIC_SWITCH_CREATE_VPORT\"\nrequest = \"method\"\nvport = 1\n"
                           b"num_queue_pair = 2\n"), ("t.toml:5", "did you mean 'num_queue_pairs'")),
    "queue-field-on-vport": ((b"[[trace.requests]]\noid = \"OID_NIC_SWITCH_CREATE_VPORT\"\nrequest = \"method\"\n"
                             b"vport = 1\nqueue = 2\n"), ("trace.requests[0].queue", "unknown key")),
    "open-value": (b"[[trace.requests]]\noid = \"OID_NIC_SWITCH_CREATE_VPORT\"\nrequest = \"method\"\nvport = \"?\"\n",
                   ("trace.requests[0].vport", "open values are not allowed")),
    "open-range": ((b"[[trace.requests]]\noid = \"OID_NIC_SWITCH_CREATE_VPORT\"\nrequest = \"method\"\nvport = 1\n"
                   b"num_queue_pairs = { min = 1, max = 4 }\n"), ("trace.requests[0].num_queue_pairs", "concrete")),
    "bad-processor": ((b"[[trace.requests]]\noid = \"OID_RECEIVE_FILTER_ALLOCATE_QUEUE\"\nrequest = \"method\"\nqueue = 1\n"
                      b"processor_affinity = [\"0:99\"]\n"), ("t.toml:5", "processor_affinity[0]", "'0:99'")),
    "affinity-two-groups": ((b"[[trace.requests]]\noid = \"OID_RECEIVE_FILTER_ALLOCATE_QUEUE\"\nrequest = \"method\"\n"
                            b"queue = 1\nprocessor_affinity = [\"0:1\", \"1:1\"]\n"), ("GROUP_AFFINITY",)),
    "table-not-processors": ((b"[[trace.requests]]\noid = \"OID_GEN_RECEIVE_SCALE_PARAMETERS\"\nrequest = \"set\"\n"
                             b"indirection_table = [2, 4]\n"), ("indirection_table[0]", "group:number")),
    "unknown-flag": ((b"[[trace.requests]]\noid = \"OID_RECEIVE_FILTER_QUEUE_PARAMETERS\"\nrequest = \"set\"\nqueue = 1\n"
                     b"flags = [\"NAME_CHANGE\"]\n"), ("flags[0]", "did you mean 'NAME_CHANGED'")),
    "flag-of-another-structure": ((b"[[trace.requests]]\noid = \"OID_NIC_SWITCH_CREATE_VPORT\"\nrequest = \"method\"\n"
                                  b"vport = 1\nflags = [\"DISABLE_RSS\"]\n"), ("flags[0]", "unknown flag 'DISABLE_RSS'")),
    "rss-flags-16-bit": ((b"[[trace.requests]]\noid = \"OID_GEN_RECEIVE_SCALE_PARAMETERS\"\nrequest = \"set\"\n"
                         b"flags = 0x10000\n"), ("trace.requests[0].flags", "[0, 65535]")),
    "wrong-type": (b"[[trace.requests]]\noid = \"OID_NIC_SWITCH_CREATE_VPORT\"\nrequest = \"method\"\nvport = \"one\"\n",
                   ("t.toml:4", "trace.requests[0].vport", "an integer")),
    "negative": (b"[[trace.requests]]\noid = \"OID_NIC_SWITCH_CREATE_SWITCH\"\nrequest = \"set\"\nnum_vfs = -1\n",
                 ("trace.requests[0].num_vfs", "-1")),
    "bad-status": (b"[[trace.requests]]\noid = \"OID_NIC_SWITCH_CREATE_SWITCH\"\nrequest = \"set\"\nstatus = \"ok\"\n",
                   ("trace.requests[0].status", "NDIS_STATUS_")),
    "bad-key": ((b"[[trace.requests]]\noid = \"OID_GEN_RECEIVE_SCALE_PARAMETERS\"\nrequest = \"set\"\n"
                b"hash_secret_key = \"xyz\"\n"), ("hash_secret_key", "hex")),
    "requests-not-array": (b"[trace]\nrequests = 1\n", ("trace.requests", "an array")),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_trace_is_one_line_exit_2(tmp_path: Path, case: str) -> None:
    content, fragments = CASES[case]
    path = tmp_path / "t.toml"
    path.write_bytes(content)
    code, _, err = run(["check", "--format", "plain", str(path)])
    assert code == 2
    lines = err.splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
