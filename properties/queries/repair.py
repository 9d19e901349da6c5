"""`repair`: the fewest field changes that make a configuration legal (weighted MaxSMT over z3 Optimize).

Hard constraints: every error obligation (and warning with `strict`) holds — for every completion of the open
fields (a universal quantifier over them when the file has any) —, changed fields stay within their type
ranges, and `keep` fields keep their values. Soft constraints: "this fixed field keeps its value", weight 1 or
the user's `--weight`. Only scalar fields the rules read can change; list lengths (VPorts, queues, vectors,
processors, indirection tables) cannot, so a rule that fails for every value of the scalars is reported as
not repairable by field changes.

Some builders shape obligations from the concrete values (grouping vectors by processor, …), so the patched
file is checked again with `check`; when that still fails, the repair continues from the patched file (a
further round), and the result says it is not proved minimal. A one-round repair is proved minimal by asking
the solver for a repair of cost one less and getting unsat.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


from vmqproof.model.config import keywords as K
from vmqproof.model.config.errors import ConfigError
from vmqproof.model.config.fields import FieldSpec, find_line, format_processor
from vmqproof.model.config.schema import Config, Record
from vmqproof.model.outputs.patching import Edit, document_kind, patch_text
from vmqproof.model.outputs.toml_writer import dumps_toml
from vmqproof.model.readers.csource.driver import read_driver, variant_config, variant_document
from vmqproof.model.readers.csource.layout import is_driver_tree
from vmqproof.model.readers.dispatch import load_config, loads_config
from vmqproof.model.smt.logic import And, Formula, Term
from vmqproof.model.smt.reasoning import (
    Deadline, RepairAnswer, Soft, for_every_completion, max_sat, minimal_core, within_cost,
)
from vmqproof.properties.queries.check import DEFAULT_TIMEOUT, check_config
from vmqproof.properties.queries.explain import failing_severities
from vmqproof.properties.queries.facts import Instance, Tracked, track
from vmqproof.properties.results import Status

MAX_ROUNDS = 4


@dataclass(frozen=True, slots=True)
class Change:
    field: str
    before: Any
    after: Any
    line: int | None = None
    location: str | None = None      # "miniport.c:120": the statement to change (driver trees)


@dataclass(frozen=True, slots=True)
class Unrepairable:
    rule: str
    name: str
    instance: str
    message: str


@dataclass(frozen=True, slots=True)
class RepairReport:
    path: str
    status: str                                  # legal | repaired | impossible | unknown | error
    changes: tuple[Change, ...] = ()
    cost: int = 0
    minimal: bool = False                        # proved: no repair of smaller cost exists
    rounds: int = 0
    unrepairable: tuple[Unrepairable, ...] = ()
    commands: tuple[str, ...] = ()
    text: str | None = None                      # the repaired document
    is_toml: bool = True
    error: str | None = None


@dataclass(frozen=True, slots=True)
class RepairProblem:
    tracked: Tracked
    hard: tuple[Formula, ...]
    soft: Mapping[str, Soft]
    instances: tuple[Instance, ...]
    pins: tuple[Formula, ...] = ()
    open_terms: tuple[Term, ...] = field(default=())


# -- field names on the command line ------------------------------------------------------------------------

def _records(config: Config) -> list[Record]:
    records = list(config.structures.values())
    if config.rss_processors is not None:
        records.append(config.rss_processors.record)
    if config.msix is not None:
        records.append(config.msix.record)
        records.extend(v.record for v in config.msix.vectors)
    records.extend(v.record for v in config.vports)
    records.extend(q.record for q in config.queues)
    return records


def field_names(config: Config) -> dict[str, str]:
    """Every scalar field a user may name (lower-cased spelling → canonical path)."""
    names: dict[str, str] = {}
    for record in _records(config):
        for name in record.specs:
            names[f"{record.path}.{name}".lower()] = f"{record.path}.{name}"
    for keyword in list(config.inf.values()):
        names[f"inf.{keyword.name}".lower()] = f"inf.{keyword.name}"
    for spec in K.KEYWORDS:
        names.setdefault(f"inf.{spec.name}".lower(), f"inf.{spec.name}")
    for record in _records(config):                  # vports[0].attached is attached_function_id
        if "attached_function_id" in record.specs:
            names[f"{record.path}.attached".lower()] = f"{record.path}.attached_function_id"
    return names


def resolve_field(config: Config, text: str, option: str) -> str:
    names = field_names(config)
    key = text.strip().replace('"', "").lower()
    if key in names:
        return names[key]
    close = difflib.get_close_matches(key, list(names), n=1)
    hint = f"; did you mean {names[close[0]]!r}?" if close else ""
    raise ConfigError(f"unknown field {text!r}{hint}", file=option)


def parse_weights(config: Config, raw: Iterable[str]) -> dict[str, int]:
    weights: dict[str, int] = {}
    for item in raw:
        name, sep, number = item.rpartition("=")
        if not sep or not number.strip().isdigit() or int(number) < 1:
            raise ConfigError(f"expected FIELD=N with N a positive integer, given {item!r}", file="--weight")
        weights[resolve_field(config, name, "--weight")] = int(number)
    return weights


# -- the problem -------------------------------------------------------------------------------------------

def build_problem(config: Config, rule_ids: Iterable[str] | None = None, strict: bool = False,
                  keep: Iterable[str] = (), weights: Mapping[str, int] | None = None) -> RepairProblem:
    tracked = track(config, rule_ids)
    sym = tracked.sym
    weights = weights or {}
    keep = set(keep)
    severities = failing_severities(strict)
    instances = tuple(i for i in tracked.instances if not i.obligation.unspecified and i.severity in severities)
    open_terms = tuple(sym.term_of(p) for p in tracked.open_paths())
    body = for_every_completion(open_terms, list(sym.domains.values()),
                                sym.lift(And([i.holds(sym) for i in instances])))
    pins = tuple(b for p, b in tracked.bindings.items() if p in keep)
    soft = {p: Soft(b, sym.term_of(p), weights.get(p, 1)) for p, b in tracked.bindings.items() if p not in keep}
    hard = (body, *tracked.ranges(), *pins)
    return RepairProblem(tracked, hard, soft, instances, pins, open_terms)


def fewer_changes(problem: RepairProblem, cost: int, deadline: Deadline | None = None) -> str:
    """"unsat" when no repair of total weight < `cost` exists (the minimality proof)."""
    return within_cost(problem.tracked.sym.ctx, problem.hard, problem.soft, cost - 1, deadline)


def _unrepairable(problem: RepairProblem, deadline: Deadline) -> tuple[Unrepairable, ...]:
    sym = problem.tracked.sym
    formulas = {}
    for index, instance in enumerate(problem.instances):
        formulas[str(index)] = for_every_completion(problem.open_terms, list(sym.domains.values()),
                                                    instance.holds(sym))
    answer = minimal_core(sym.ctx, [*problem.tracked.ranges(), *problem.pins], formulas, deadline)
    return tuple(Unrepairable(problem.instances[int(k)].rule.id, problem.instances[int(k)].rule.name,
                              problem.instances[int(k)].obligation.instance,
                              problem.instances[int(k)].obligation.message) for k in answer.core)


# -- the repair ------------------------------------------------------------------------------------------------

def repair_text(text: str, file: str, rule_ids: Iterable[str] | None = None, strict: bool = False,
                keep: Iterable[str] = (), weights: Iterable[str] = (),
                timeout: float | None = DEFAULT_TIMEOUT) -> RepairReport:
    """Repair the configuration `text` read from `file`; --keep/--weight names are resolved here."""
    is_toml = document_kind(file, text)
    config = loads_config(text, file)
    kept = [resolve_field(config, name, "--keep") for name in keep]
    weight_map = parse_weights(config, weights)
    deadline = Deadline(timeout)
    if check_config(config, rule_ids, timeout).status(strict) is Status.LEGAL:
        return RepairReport(file, "legal", text=text, is_toml=is_toml)
    before: dict[str, Any] = {}
    after: dict[str, int | bool] = {}
    specs: dict[str, FieldSpec | None] = {}
    lines: dict[str, int | None] = {}
    displays: dict[str, Any] = {}
    cost = 0
    minimal = False
    current = text
    for round_number in range(1, MAX_ROUNDS + 1):
        problem = build_problem(config, rule_ids, strict, kept, weight_map)
        sym = problem.tracked.sym
        answer: RepairAnswer = max_sat(sym.ctx, problem.hard, problem.soft, deadline)
        if answer.status == "impossible":
            return RepairReport(file, "impossible", rounds=round_number, is_toml=is_toml,
                                unrepairable=_unrepairable(problem, deadline))
        if answer.status != "repaired":
            return RepairReport(file, "unknown", rounds=round_number, is_toml=is_toml)
        if round_number == 1:
            cost = answer.cost
            minimal = fewer_changes(problem, answer.cost, deadline) == "unsat"
        else:
            minimal = False
        edits = []
        for path in answer.broken:
            ref = sym.refs[path]
            value = answer.values[path]
            before.setdefault(path, sym.display(path))
            lines.setdefault(path, find_line(config.lines, path))
            after[path] = value
            specs[path] = ref.spec
            displays[path] = sym.display(path, value)
            edits.append(Edit(path, value, ref.spec))
        if not edits:
            return RepairReport(file, "impossible", rounds=round_number, is_toml=is_toml,
                                unrepairable=_unrepairable(problem, deadline))
        current = patch_text(current, is_toml, edits, config.adapter.procs_per_group)
        config = loads_config(current, file)
        if check_config(config, rule_ids, timeout).status(strict) is Status.LEGAL:
            changes = tuple(Change(p, before[p], displays[p], lines[p]) for p in after
                            if displays[p] != before[p])
            if round_number > 1:
                cost = sum(weight_map.get(c.field, 1) for c in changes)
            return RepairReport(file, "repaired", changes, cost, minimal, round_number,
                                commands=host_commands(config, [c.field for c in changes]), text=current,
                                is_toml=is_toml)
    return RepairReport(file, "unknown", rounds=MAX_ROUNDS, is_toml=is_toml)


def repair_file(path: str | Path, rule_ids: Iterable[str] | None = None, strict: bool = False,
                keep: Iterable[str] = (), weights: Iterable[str] = (),
                timeout: float | None = DEFAULT_TIMEOUT, ndis: str | None = None) -> RepairReport:
    try:
        if is_driver_tree(path):
            return _repair_driver(path, rule_ids, strict, keep, weights, timeout, ndis)
        config = load_config(path)        # one-line errors for unreadable or invalid files
        data = Path(path).read_bytes().decode("utf-8")
        del config
        return repair_text(data, str(path), rule_ids, strict, keep, weights, timeout)
    except ConfigError as exc:
        if exc.file in ("--rule", "--keep", "--weight"):
            raise
        return RepairReport(str(path), "error", error=exc.with_file(exc.file or str(path)).one_line())


def _repair_driver(path: str | Path, rule_ids: Iterable[str] | None, strict: bool, keep: Iterable[str],
                   weights: Iterable[str], timeout: float | None, ndis: str | None) -> RepairReport:
    """A driver tree of one configuration: the repair of what was read (as vmqproof/1 TOML), each change naming
    the source line that sets the field."""
    tree = read_driver(path, ndis)
    if len(tree.variants) != 1:
        raise ConfigError(f"the driver tree gives {len(tree.variants)} configurations ("
                          + ", ".join(v.label or "" for v in tree.variants) + ")", file=str(path),
                          expected="one: --ndis VERSION, and at most one INF model in the tree")
    variant = tree.variants[0]
    config = variant_config(tree, variant)
    header = [f"Read by vmqproof from the driver tree {path}, NDIS {variant.ndis}."]
    report = repair_text(dumps_toml(variant_document(tree, variant), header), str(path), rule_ids, strict, keep,
                         weights, timeout)
    changes = tuple(dataclasses.replace(c, line=None, location=source.of() if (source := config.source_of(c.field))
                                        else None) for c in report.changes)
    return dataclasses.replace(report, changes=changes)


# -- host commands ---------------------------------------------------------------------------------------------

_RSS_PARAMETERS = {
    "rss_base_processor": ("BaseProcessorGroup", "BaseProcessorNumber"),
    "rss_max_processor": ("MaxProcessorGroup", "MaxProcessorNumber"),
    "max_num_rss_processors": ("MaxProcessors",),
    "preferred_numa_node": ("NumaNode",),
}


def _vmq_in_effect(config: Config) -> bool:
    def value(name: str) -> int | None:
        keyword = config.inf.get(name.lower())
        if keyword is None:
            return K.default_of(name, config.adapter.arch)
        return keyword.value if isinstance(keyword.value, int) else None
    return value("*VMQ") == 1 and value("*RssOrVmqPreference") == 1


def host_commands(config: Config, changed: Iterable[str]) -> tuple[str, ...]:
    """PowerShell that applies changed host settings: INF keywords (Set-NetAdapterAdvancedProperty) and the RSS
    processor settings (Set-NetAdapterVmq when the keywords select VMQ, else Set-NetAdapterRss)."""
    name = config.adapter.name or "<adapter name>"
    commands: list[str] = []
    processor_args: list[str] = []
    per_group = config.adapter.procs_per_group
    vmq = _vmq_in_effect(config)
    for path in changed:
        if path.startswith("inf."):
            keyword = config.inf.get(path[4:].lower())
            if keyword is not None and not isinstance(keyword.value, str) and isinstance(keyword.value, int):
                commands.append(f'Set-NetAdapterAdvancedProperty -Name "{name}" -RegistryKeyword '
                                f'"{keyword.name}" -RegistryValue {keyword.value}')
            continue
        section, _, field_name = path.partition(".")
        if section != "rss_processors" or config.rss_processors is None:
            continue
        value = config.rss_processors.record.values.get(field_name)
        if not isinstance(value, int):
            continue
        if field_name == "rss_profile":
            commands.append(f'Set-NetAdapterAdvancedProperty -Name "{name}" -RegistryKeyword "*RSSProfile" '
                            f'-RegistryValue {value}')
            continue
        parameters = _RSS_PARAMETERS.get(field_name)
        if parameters is None:
            continue
        if len(parameters) == 2:
            group, number = format_processor(value, per_group).split(":")
            if vmq and parameters[0] == "MaxProcessorGroup":
                processor_args.append(f"-{parameters[1]} {number}")
            else:
                processor_args.append(f"-{parameters[0]} {group} -{parameters[1]} {number}")
        else:
            processor_args.append(f"-{parameters[0]} {value}")
    if processor_args:
        cmdlet = "Set-NetAdapterVmq" if vmq else "Set-NetAdapterRss"
        commands.append(f'{cmdlet} -Name "{name}" ' + " ".join(processor_args))
    return tuple(commands)
