"""Host rules (HOST-*): processor sets of a host's adapters and teams, as Hyper-V checks them after deployment
(event 106: processor sets of team members overlap in sum-of-queues mode, or differ in min-queues mode).

An adapter's processor set runs from its base to its max processor (one of each SMT pair when `smt`), at most
`max_processors` of them (`Host.processor_set`)."""

from __future__ import annotations

from collections.abc import Iterator

from vmqproof.model.config.host import Host, HostAdapter, ProcessorSetting
from vmqproof.properties.rules.registry import Obligation, Rule, RuleContext, rule


def _settings(host: Host) -> Iterator[tuple[int, HostAdapter, str, ProcessorSetting]]:
    for index, adapter in enumerate(host.adapters):
        for kind in ("vmq", "rss"):
            setting = getattr(adapter, kind)
            if setting is not None:
                yield index, adapter, kind, setting


def _shown(host: Host, cpus: object) -> str:
    return ", ".join(host.show(c) for c in sorted(cpus)) or "none"      # type: ignore[call-overload]


def _team_sets(host: Host, members: tuple[str, ...]) -> list[tuple[str, tuple[int, ...]]]:
    sets = []
    for name in members:
        adapter = host.adapter(name)
        if adapter is not None and adapter.vmq is not None and adapter.vmq.enabled:
            sets.append((name, host.processor_set(adapter.vmq)))
    return sets


@rule("HOST-1", "sum-of-queues-disjoint", "error", "S1 S22",
      "In a sum-of-queues team, the members' VMQ processor sets do not overlap (Hyper-V event 106).")
def sum_of_queues_disjoint(cx: RuleContext) -> Iterator[Obligation]:
    host = cx.config.host
    if host is None:
        return
    for index, team in enumerate(host.teams):
        if team.mode != "sum-of-queues":
            continue
        sets = _team_sets(host, team.members)
        if len(sets) < 2:
            continue
        overlaps = []
        for i, (first, a) in enumerate(sets):
            for second, b in sets[i + 1:]:
                shared = set(a) & set(b)
                if shared:
                    overlaps.append(f"{first} and {second} share {_shown(host, shared)}")
        yield Obligation(f"host.teams[{index}]", not overlaps,
                         f"team {team.name} (sum-of-queues): " + ("; ".join(overlaps) or "disjoint"))


@rule("HOST-2", "min-queues-identical", "error", "S1 S22",
      "In a min-queues team, the members' VMQ processor sets are identical (Hyper-V event 106).")
def min_queues_identical(cx: RuleContext) -> Iterator[Obligation]:
    host = cx.config.host
    if host is None:
        return
    for index, team in enumerate(host.teams):
        if team.mode != "min-queues":
            continue
        sets = _team_sets(host, team.members)
        if len(sets) < 2:
            continue
        first_name, first = sets[0]
        differing = [f"{name} has {_shown(host, cpus)}" for name, cpus in sets[1:] if set(cpus) != set(first)]
        yield Obligation(f"host.teams[{index}]", not differing,
                         f"team {team.name} (min-queues): {first_name} has {_shown(host, first)}, "
                         + "; ".join(differing or ["the others the same"]))


@rule("HOST-3", "processors-exist", "error", "S22",
      "Every processor an adapter setting names (base, max, RSS processor array) exists on the host.")
def processors_exist(cx: RuleContext) -> Iterator[Obligation]:
    host = cx.config.host
    if host is None or host.processors is None:
        return
    for index, adapter, kind, setting in _settings(host):
        named = [("base_processor", setting.base), ("max_processor", setting.max)]
        named += [(f"processors[{i}]", cpu) for i, (cpu, _) in enumerate(setting.processors)]
        missing = [f"{name} {host.show(cpu)}" for name, cpu in named if cpu not in host.processors]
        yield Obligation(f"host.adapters[{index}].{kind}", not missing,
                         f"{adapter.name} {kind.upper()} names processors the host does not have: "
                         + ", ".join(missing))


@rule("HOST-4", "base-processor-not-zero", "warning", "S22",
      "An adapter's VMQ and RSS base processor is not 0:0 (processor 0 handles the host's default work).")
def base_processor_not_zero(cx: RuleContext) -> Iterator[Obligation]:
    host = cx.config.host
    if host is None:
        return
    for index, adapter, kind, setting in _settings(host):
        if not setting.enabled:
            continue
        yield Obligation(f"host.adapters[{index}].{kind}", setting.base != 0,
                         f"{adapter.name} {kind.upper()} starts at processor 0:0")


@rule("HOST-5", "smt-even-processors", "warning", "S22",
      "With SMT on, an adapter's base and max processor numbers are even (one processor of each SMT pair).")
def smt_even_processors(cx: RuleContext) -> Iterator[Obligation]:
    host = cx.config.host
    if host is None or not host.smt:
        return
    for index, adapter, kind, setting in _settings(host):
        odd = [f"{name} {host.show(cpu)}" for name, cpu in (("base", setting.base), ("max", setting.max))
               if (cpu % host.procs_per_group) % 2]
        yield Obligation(f"host.adapters[{index}].{kind}", not odd,
                         f"{adapter.name} {kind.upper()} has an odd " + " and ".join(odd) + " with SMT on")


@rule("HOST-6", "processors-on-numa-node", "warning", "S22 S10",
      "An adapter's VMQ and RSS processors lie on the adapter's NUMA node.")
def processors_on_numa_node(cx: RuleContext) -> Iterator[Obligation]:
    host = cx.config.host
    if host is None or not host.numa_nodes:
        return
    for index, adapter, kind, setting in _settings(host):
        if adapter.numa_node is None or adapter.numa_node not in host.numa_nodes:
            continue
        node = host.numa_nodes[adapter.numa_node]
        outside = [cpu for cpu in host.processor_set(setting) if cpu not in node]
        yield Obligation(f"host.adapters[{index}].{kind}", not outside,
                         f"{adapter.name} (NUMA node {adapter.numa_node}) {kind.upper()} uses processors on another "
                         f"node: {_shown(host, outside)}")


RULES: tuple[Rule, ...] = (sum_of_queues_disjoint, min_queues_identical, processors_exist, base_processor_not_zero,
                           smt_even_processors, processors_on_numa_node)
