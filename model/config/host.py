"""The `[host]` section: the host's processors and NUMA nodes, its adapters' VMQ/RSS processor settings (as
`Get-NetAdapterVmq` / `Get-NetAdapterRss` show them) and its teams. Plain frozen data and its validation."""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from vmqproof.model.config import constants as C

TEAM_MODES = ("sum-of-queues", "min-queues")
# Get-NetAdapterRss profile names (and the NDIS_RSS_PROFILE values they stand for).
PROFILES: dict[str, int] = {"closest": 1, "closeststatic": 2, "numa": 3, "numascaling": 3, "numastatic": 4,
                            "numascalingstatic": 4, "conservative": 5, "conservativescaling": 5, "balanced": 6}
PROFILE_NAMES = {1: "Closest", 2: "ClosestStatic", 3: "NUMA", 4: "NUMAStatic", 5: "Conservative", 6: "Balanced"}
DEFAULT_MAX_PROCESSORS = 16
MAX_ADAPTERS = 1024


@dataclass(frozen=True, slots=True)
class ProcessorSetting:
    """An adapter's VMQ or RSS processor setting: base and max processor, how many processors at most."""

    enabled: bool
    base: int
    max: int
    max_processors: int
    given: frozenset[str]                               # the fields the file states
    profile: int | None = None                          # RSS only
    number_of_receive_queues: int | None = None
    processors: tuple[tuple[int, int | None], ...] = ()  # RSS processor array: (processor, NUMA distance)


@dataclass(frozen=True, slots=True)
class HostAdapter:
    name: str
    numa_node: int | None
    vmq: ProcessorSetting | None
    rss: ProcessorSetting | None
    sriov_enabled: bool | None = None
    num_vfs: int | None = None
    keywords: Mapping[str, int | str] | None = None


@dataclass(frozen=True, slots=True)
class Team:
    name: str
    mode: str
    members: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Host:
    logical_processors: int | None
    groups: int | None
    smt: bool
    procs_per_group: int
    numa_nodes: Mapping[int, frozenset[int]]
    processors: frozenset[int] | None                   # the processors that exist; None when not stated
    adapters: tuple[HostAdapter, ...]
    teams: tuple[Team, ...]

    def adapter(self, name: str) -> HostAdapter | None:
        return next((a for a in self.adapters if a.name == name), None)

    def processor_set(self, setting: ProcessorSetting) -> tuple[int, ...]:
        """From base to max processor (one of each SMT pair when `smt`), at most `max_processors` of them,
        among the processors that exist (all of them when the host does not say)."""
        if self.processors is not None:
            candidates: Any = (p for p in sorted(self.processors) if setting.base <= p <= setting.max)
        else:
            candidates = range(setting.base, setting.max + 1)
        chosen: list[int] = []
        pairs: set[int] = set()
        for cpu in candidates:
            if len(chosen) >= setting.max_processors:
                break
            if self.smt:
                if cpu // 2 in pairs:
                    continue
                pairs.add(cpu // 2)
            chosen.append(cpu)
        return tuple(chosen)

    def show(self, cpu: int) -> str:
        return f"{cpu // self.procs_per_group}:{cpu % self.procs_per_group}"


def _did_you_mean(word: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def _bool(reader: Any, path: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise reader.error(path, "wrong type", "true or false", value, True)
    return value


def _range(reader: Any, path: str, value: Any, per_group: int) -> frozenset[int]:
    parts: list[Any] = value if isinstance(value, list) else [value]
    cpus: set[int] = set()
    for index, part in enumerate(parts):
        where = f"{path}[{index}]" if isinstance(value, list) else path
        if not isinstance(part, str):
            raise reader.error(where, "wrong type", 'processor ranges such as "0:0-0:15"', part, True)
        for piece in part.split(","):
            ends = piece.split("-")
            if len(ends) > 2 or not piece.strip():
                raise reader.error(where, "bad processor range", '"g:n-g:n", "g:n" or a comma list', part, True)
            low = reader.processor(where, ends[0])
            high = reader.processor(where, ends[-1])
            if low > high:
                raise reader.error(where, "empty processor range", "first ≤ last", part, True)
            cpus.update(range(low, high + 1))
    return frozenset(cpus)


def _processors(reader: Any, table: Mapping[str, Any], per_group: int,
                numa: Mapping[int, frozenset[int]]) -> tuple[int | None, int | None, frozenset[int] | None]:
    count = table.get("logical_processors")
    groups = table.get("groups")
    if count is not None:
        count = reader.integer("host.logical_processors", count, 1, C.MAXIMUM_GROUPS * per_group)
    if groups is not None:
        groups = reader.integer("host.groups", groups, 1, C.MAXIMUM_GROUPS)
    if numa:
        union = frozenset().union(*numa.values())
        if count is not None and len(union) != count:
            raise reader.error("host.numa_nodes", "NUMA nodes disagree with logical_processors",
                               f"{count} processors in all", f"{len(union)} processors", True)
        if groups is not None and any(cpu // per_group >= groups for cpu in union):
            raise reader.error("host.numa_nodes", "a NUMA node names a group the host does not have",
                               f"groups below {groups}", sorted({c // per_group for c in union})[-1], True)
        return count, groups, union
    if count is None:
        return None, groups, None
    groups = groups if groups is not None else -(-count // per_group)
    if count < groups or -(-count // groups) > per_group:
        raise reader.error("host.logical_processors", f"does not fit in {groups} group(s)",
                           f"between {groups} and {groups * per_group}", count, True)
    cpus: set[int] = set()
    for group in range(groups):
        size = count // groups + (1 if group < count % groups else 0)
        cpus.update(range(group * per_group, group * per_group + size))
    return count, groups, frozenset(cpus)


def _setting(reader: Any, path: str, raw: Any, rss: bool, highest: int) -> ProcessorSetting:
    table = reader.table(path, raw)
    allowed = ["enabled", "base_processor", "max_processor", "max_processors", "number_of_receive_queues"]
    if rss:
        allowed += ["profile", "processors"]
    reader.unknown_keys(path, table, allowed)
    enabled = _bool(reader, f"{path}.enabled", table.get("enabled", True))
    base = reader.processor(f"{path}.base_processor", table["base_processor"]) if "base_processor" in table else 0
    top = reader.processor(f"{path}.max_processor", table["max_processor"]) if "max_processor" in table \
        else highest
    limit = reader.integer(f"{path}.max_processors", table.get("max_processors", DEFAULT_MAX_PROCESSORS), 1,
                           C.MAXIMUM_GROUPS * 64)
    queues = table.get("number_of_receive_queues")
    if queues is not None:
        queues = reader.integer(f"{path}.number_of_receive_queues", queues, 0, C.ULONG_MAX)
    if base > top:
        raise reader.error(f"{path}.max_processor", "the max processor lies before the base processor",
                           "base_processor ≤ max_processor", table.get("max_processor"), True)
    profile = None
    if "profile" in table:
        raw_profile = table["profile"]
        if isinstance(raw_profile, int) and not isinstance(raw_profile, bool) and raw_profile in PROFILE_NAMES:
            profile = raw_profile
        elif isinstance(raw_profile, str) and re.sub(r"[^a-z]", "", raw_profile.lower()) in PROFILES:
            profile = PROFILES[re.sub(r"[^a-z]", "", raw_profile.lower())]
        else:
            raise reader.error(f"{path}.profile", "unknown RSS profile",
                               " | ".join(PROFILE_NAMES.values()) + " or 1…6", raw_profile, True)
    processors: list[tuple[int, int | None]] = []
    for index, entry in enumerate(reader.array(f"{path}.processors", table.get("processors", []),
                                               C.MAXIMUM_GROUPS * 64)):
        where = f"{path}.processors[{index}]"
        if isinstance(entry, dict):
            reader.unknown_keys(where, entry, ("cpu", "numa_distance"))
            if "cpu" not in entry:
                raise reader.error(f"{where}.cpu", "missing required field", 'a processor "group:number"')
            distance = entry.get("numa_distance")
            processors.append((reader.processor(f"{where}.cpu", entry["cpu"]),
                               None if distance is None else
                               reader.integer(f"{where}.numa_distance", distance, 0, C.USHORT_MAX)))
        else:
            processors.append((reader.processor(where, entry), None))
    return ProcessorSetting(enabled, base, top, limit, frozenset(table), profile, queues, tuple(processors))


def parse_host(reader: Any, raw: Any) -> Host:
    """`[host]` → Host; `reader` is the loader's validating reader (errors name the path and TOML line)."""
    table = reader.table("host", raw)
    reader.unknown_keys("host", table, ("logical_processors", "groups", "smt", "numa_nodes", "adapters", "teams"))
    per_group = C.procs_per_group(reader.arch)
    smt = _bool(reader, "host.smt", table.get("smt", False))
    numa: dict[int, frozenset[int]] = {}
    for key, value in reader.table("host.numa_nodes", table.get("numa_nodes", {})).items():
        if not re.fullmatch(r"\d{1,5}", key) or int(key) > C.USHORT_MAX:
            raise reader.error(f"host.numa_nodes.{key}", "bad NUMA node number", 'a node number such as "0"',
                               key, True)
        numa[int(key)] = _range(reader, f"host.numa_nodes.{key}", value, per_group)
    count, groups, existing = _processors(reader, table, per_group, numa)
    highest = max(existing) if existing else C.MAXIMUM_GROUPS * per_group - 1
    adapters: list[HostAdapter] = []
    for index, entry in enumerate(reader.array("host.adapters", table.get("adapters", []), MAX_ADAPTERS)):
        path = f"host.adapters[{index}]"
        entry = reader.table(path, entry)
        reader.unknown_keys(path, entry, ("name", "numa_node", "vmq", "rss", "sriov", "keywords"))
        name = entry.get("name")
        if not isinstance(name, str) or not name:
            raise reader.error(f"{path}.name", "missing or empty adapter name", "a string", name, True)
        if any(a.name == name for a in adapters):
            raise reader.error(f"{path}.name", f"duplicate adapter name {name!r}", "names that differ")
        node = entry.get("numa_node")
        if node is not None:
            node = reader.integer(f"{path}.numa_node", node, 0, C.USHORT_MAX)
            if numa and node not in numa and node != C.USHORT_MAX:
                raise reader.error(f"{path}.numa_node", "no such NUMA node in host.numa_nodes",
                                   ", ".join(str(n) for n in sorted(numa)), node, True)
        vmq = _setting(reader, f"{path}.vmq", entry["vmq"], False, highest) if "vmq" in entry else None
        rss = _setting(reader, f"{path}.rss", entry["rss"], True, highest) if "rss" in entry else None
        sriov = reader.table(f"{path}.sriov", entry.get("sriov", {}))
        reader.unknown_keys(f"{path}.sriov", sriov, ("enabled", "num_vfs"))
        sriov_enabled = _bool(reader, f"{path}.sriov.enabled", sriov["enabled"]) if "enabled" in sriov else None
        num_vfs = reader.integer(f"{path}.sriov.num_vfs", sriov["num_vfs"], 0, C.USHORT_MAX) \
            if "num_vfs" in sriov else None
        keywords: dict[str, int | str] = {}
        for key, value in reader.table(f"{path}.keywords", entry.get("keywords", {})).items():
            if isinstance(value, bool) or not isinstance(value, (int, str)):
                raise reader.error(f'{path}.keywords."{key}"', "wrong type", "a number or a string", value, True)
            keywords[key] = value
        adapters.append(HostAdapter(name, None if node == C.USHORT_MAX else node, vmq, rss, sriov_enabled,
                                    num_vfs, keywords or None))
    teams: list[Team] = []
    names = [a.name for a in adapters]
    for index, entry in enumerate(reader.array("host.teams", table.get("teams", []), MAX_ADAPTERS)):
        path = f"host.teams[{index}]"
        entry = reader.table(path, entry)
        reader.unknown_keys(path, entry, ("name", "mode", "members"))
        name = entry.get("name", f"team {index}")
        if not isinstance(name, str):
            raise reader.error(f"{path}.name", "wrong type", "a string", name, True)
        mode = entry.get("mode")
        if mode not in TEAM_MODES:
            raise reader.error(f"{path}.mode", "unknown team mode" + (_did_you_mean(mode, list(TEAM_MODES))
                                                                     if isinstance(mode, str) else ""),
                               " | ".join(TEAM_MODES), mode, True)
        members = reader.array(f"{path}.members", entry.get("members", []), MAX_ADAPTERS)
        for position, member in enumerate(members):
            if not isinstance(member, str) or member not in names:
                hint = _did_you_mean(member, names) if isinstance(member, str) else ""
                raise reader.error(f"{path}.members[{position}]", f"no adapter of that name{hint}",
                                   "a name from host.adapters", member, True)
        if len(set(members)) != len(members):
            raise reader.error(f"{path}.members", "an adapter is listed twice", "distinct members", members, True)
        teams.append(Team(name, mode, tuple(members)))
    return Host(count, groups, smt, per_group, numa, existing, tuple(adapters), tuple(teams))
