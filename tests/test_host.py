"""The [host] section: processor layout, processor sets (SMT, max_processors), validation, HOST rules."""

from __future__ import annotations

import pytest
from vmqproof.model.config.errors import ConfigError
from vmqproof.model.readers.dispatch import loads_config
from vmqproof.properties import check_config

HOST = """
[host]
logical_processors = 32
groups = 1
smt = true
numa_nodes = { "0" = "0:0-0:15", "1" = "0:16-0:31" }
[[host.adapters]]
name = "Port 1"
numa_node = 0
vmq = { enabled = true, base_processor = "0:2", max_processor = "0:14", max_processors = 7 }
rss = { enabled = true, base_processor = "0:2", max_processor = "0:14", max_processors = 7, profile = "NUMAStatic" }
[[host.adapters]]
name = "Port 2"
numa_node = 1
vmq = { enabled = true, base_processor = "0:16", max_processor = "0:30", max_processors = 8 }
[[host.teams]]
name = "Team1"
mode = "sum-of-queues"
members = ["Port 1", "Port 2"]
"""


def test_issue_example_is_legal_and_sets_are_computed() -> None:
    config = loads_config(HOST, "host.toml")
    host = config.host
    assert host is not None and host.processors == frozenset(range(32))
    port1, port2 = host.adapters
    assert host.processor_set(port1.vmq) == (2, 4, 6, 8, 10, 12, 14)
    assert host.processor_set(port2.vmq) == (16, 18, 20, 22, 24, 26, 28, 30)
    report = check_config(config)
    host_results = [r for r in report.results if r.rule.startswith("HOST-")]
    assert {r.rule for r in host_results if r.verdict.value == "holds"} == {"HOST-1", "HOST-3", "HOST-4", "HOST-5", "HOST-6"}
    assert not any(r.fails(strict=True) for r in host_results)
    assert report.status().value == "legal"


def test_layout_without_numa_and_max_processors() -> None:
    config = loads_config('[host]\nlogical_processors = 48\ngroups = 2\n[[host.adapters]]\nname = "a"\n'
                          'vmq = { base_processor = "1:1", max_processors = 3 }\n', "h.toml")
    host = config.host
    assert host is not None and host.processors == frozenset(list(range(24)) + list(range(64, 88)))
    assert host.processor_set(host.adapters[0].vmq) == (65, 66, 67)


def test_violation_names_the_team_line() -> None:
    config = loads_config(HOST.replace('"0:16", max_processor', '"0:10", max_processor'), "host.toml")
    result = next(r for r in check_config(config, ["HOST-1"]).results)
    assert result.verdict.value == "violated" and result.line == 16
    assert "Port 1 and Port 2 share 0:10, 0:12, 0:14" in result.message


@pytest.mark.parametrize("change,message", [
    (('mode = "sum-of-queues"', 'mode = "sum-of-queue"'), "did you mean 'sum-of-queues'"),
    (('members = ["Port 1", "Port 2"]', 'members = ["Port 1", "Port 3"]'), "no adapter of that name"),
    (('logical_processors = 32', 'logical_processors = 30'), "NUMA nodes disagree"),
    (('numa_node = 1', 'numa_node = 7'), "no such NUMA node"),
    (('"0:16", max_processor = "0:30"', '"0:30", max_processor = "0:16"'), "before the base processor"),
    (('profile = "NUMAStatic"', 'profile = "Fastest"'), "unknown RSS profile"),
    (('smt = true', 'smt = 1'), "wrong type"),
])
def test_bad_host_input(change: tuple[str, str], message: str) -> None:
    with pytest.raises(ConfigError) as info:
        loads_config(HOST.replace(*change), "host.toml")
    assert message in info.value.one_line() and "host.toml:" in info.value.one_line()
