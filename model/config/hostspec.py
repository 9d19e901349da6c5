"""Host descriptions given on the command line (z3-free): processor sets and NUMA maps.

`--processors "0:0-0:15,1:0-1:7"`: comma-separated processors or inclusive ranges `g:n-g:n` (a range may cross
groups: processors are ordered by (group, number)). `--numa "0=0:0-0:15;1=0:16-0:31"`: `;`-separated
`node=processor-set`. Bad text is a ConfigError naming the option.
"""

from __future__ import annotations

import re

from vmqproof.model.config import constants as C
from vmqproof.model.config.errors import ConfigError

_PROCESSOR = re.compile(r"\s*(\d{1,5})\s*:\s*(\d{1,5})\s*")


def parse_processor(text: str, option: str, arch: str = "amd64") -> int:
    per_group = C.procs_per_group(arch)
    expected = f'"group:number" with group < {C.MAXIMUM_GROUPS} and number < {per_group}'
    match = _PROCESSOR.fullmatch(text)
    if not match:
        raise ConfigError("bad processor", file=option, expected=expected, given=repr(text.strip()))
    group, number = int(match.group(1)), int(match.group(2))
    if group >= C.MAXIMUM_GROUPS or number >= per_group:
        raise ConfigError("processor out of range", file=option, expected=expected, given=repr(text.strip()))
    return group * per_group + number


def parse_processor_set(text: str, option: str = "--processors", arch: str = "amd64") -> tuple[int, ...]:
    """Sorted distinct processor indexes (group × per-group + number)."""
    result: set[int] = set()
    parts = [p for p in text.split(",")]
    if not text.strip() or any(not p.strip() for p in parts):
        raise ConfigError("empty processor list entry", file=option,
                          expected='processors or ranges such as "0:0-0:15,1:0-1:7"', given=repr(text))
    for part in parts:
        if "-" in part:
            low_text, _, high_text = part.partition("-")
            low, high = parse_processor(low_text, option, arch), parse_processor(high_text, option, arch)
            if high < low:
                raise ConfigError("empty range", file=option, expected="a range from low to high",
                                  given=repr(part.strip()))
            result.update(range(low, high + 1))
        else:
            result.add(parse_processor(part, option, arch))
    return tuple(sorted(result))


def parse_numa(text: str, option: str = "--numa", arch: str = "amd64") -> dict[int, tuple[int, ...]]:
    """NUMA node → processors; a processor in two nodes is bad input."""
    nodes: dict[int, tuple[int, ...]] = {}
    owner: dict[int, int] = {}
    for part in text.split(";"):
        if not part.strip():
            continue
        node_text, sep, processors = part.partition("=")
        if not sep or not node_text.strip().isdigit():
            raise ConfigError("bad NUMA entry", file=option, expected='"node=processors", e.g. "0=0:0-0:15"',
                              given=repr(part.strip()))
        node = int(node_text)
        if node > C.USHORT_MAX - 1 or node in nodes:
            raise ConfigError("bad or duplicate NUMA node", file=option, expected="distinct nodes below 65535",
                              given=str(node))
        cpus = parse_processor_set(processors, option, arch)
        for cpu in cpus:
            if cpu in owner:
                raise ConfigError("processor in two NUMA nodes", file=option, expected="disjoint nodes",
                                  given=f"{cpu // C.procs_per_group(arch)}:{cpu % C.procs_per_group(arch)}")
            owner[cpu] = node
        nodes[node] = cpus
    if not nodes:
        raise ConfigError("no NUMA node given", file=option, expected='"0=0:0-0:15;1=0:16-0:31"', given=repr(text))
    return nodes
