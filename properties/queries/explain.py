"""`explain`: for each failing rule instance, the minimal set of the user's facts that forces it; and which
error rules clash, i.e. cannot all hold whatever the implicated facts and the open fields are.

Facts are the bindings `path = value` of every fixed field the rules read (values the file gives, and the
documented defaults of fields it omits, marked as such) — Symbolic(fold_fixed=False). A dropped fact leaves its
field free within its type range; open fields stay within their declared domains.

- violated instance: a minimal subset F of the facts with domains ∧ ranges ∧ F ∧ (¬guard ∨ body) unsat, i.e. F
  alone forces the violation for every completion. z3's core is shrunk by deletion, so removing any one fact
  of F makes the violation disappear.
- conditional instance: the violation is not forced by the facts (some completion holds), so the explanation
  is of the counterexample: the solver's values for the open fields join the facts (origin "chosen"), and the
  minimal core over both says which given facts and which choices make that completion fail.
- clash: free every fact implicated in some failing error instance's core, keep the other facts, and ask
  whether all error obligations can hold together. If not, a minimal core over the obligations (two or more
  rule instances) clashes, and a minimal core over the remaining facts says what makes them clash. Up to
  MAX_CLASHES clashes are reported, each found after setting the previous ones' obligations aside.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any


from vmqproof.model.config.errors import ConfigError
from vmqproof.model.config.fields import find_line
from vmqproof.model.config.schema import Config
from vmqproof.model.readers.csource.driver import load_driver
from vmqproof.model.readers.csource.layout import is_driver_tree
from vmqproof.model.readers.dispatch import load_config
from vmqproof.model.smt.logic import literal_like
from vmqproof.model.smt.reasoning import Deadline, minimal_core
from vmqproof.model.smt.solver import Outcome, Session
from vmqproof.properties.queries.check import DEFAULT_TIMEOUT
from vmqproof.properties.queries.facts import Instance, Tracked, track
from vmqproof.properties.results import Severity, Verdict

MAX_CLASHES = 3


@dataclass(frozen=True, slots=True)
class Fact:
    path: str
    value: Any
    origin: str                 # "given" | "default" | "chosen" (the solver's value of an open field)
    line: int | None = None
    file: str | None = None     # the file `line` is a line of, when not the explained one (a driver's .c)


@dataclass(frozen=True, slots=True)
class Explanation:
    rule: str
    name: str
    severity: Severity
    verdict: Verdict
    instance: str
    message: str
    sources: tuple[str, ...]
    facts: tuple[Fact, ...] = ()
    status: str = "minimal"     # "minimal" | "unknown" (timeout)


@dataclass(frozen=True, slots=True)
class ClashMember:
    rule: str
    name: str
    instance: str
    message: str


@dataclass(frozen=True, slots=True)
class Clash:
    rules: tuple[ClashMember, ...]
    facts: tuple[Fact, ...]


@dataclass(frozen=True, slots=True)
class ExplainReport:
    path: str
    explanations: tuple[Explanation, ...] = ()
    clashes: tuple[Clash, ...] = ()
    error: str | None = None
    unknown: bool = False

    @property
    def illegal(self) -> bool:
        return any(e.severity is Severity.ERROR for e in self.explanations)


def _fact(tracked: Tracked, path: str, chosen: dict[str, int | bool]) -> Fact:
    sym = tracked.sym
    source = tracked.config.source_of(path)
    if source is not None:              # a driver tree: the statement that gives the value
        file, _, line_text = source.of(int(chosen[path]) if path in chosen else None).rpartition(":")
        value = sym.display(path, chosen[path]) if path in chosen else sym.display(path)
        origin = "chosen" if path in chosen else "default" if tracked.is_default(path) else "given"
        return Fact(path, value, origin, int(line_text), file)
    line = find_line(tracked.config.lines, path)
    if path in chosen:
        return Fact(path, sym.display(path, chosen[path]), "chosen", line)
    origin = "default" if tracked.is_default(path) else "given"
    return Fact(path, sym.display(path), origin, line if origin == "given" else None)


def explain_config(config: Config, rule_ids: Iterable[str] | None = None, timeout: float | None = DEFAULT_TIMEOUT,
                   strict: bool = False) -> ExplainReport:
    tracked = track(config, rule_ids)
    sym = tracked.sym
    deadline = Deadline(timeout)
    domains = list(sym.domains.values())
    ranges = tracked.ranges()
    bindings = tracked.bindings
    session = Session(sym.ctx, domains + list(bindings.values()) + list(tracked.derived.values()), timeout)
    explanations: list[Explanation] = []
    implicated: set[str] = set()
    unknown = False
    for instance in tracked.instances:
        obligation = instance.obligation
        if obligation.unspecified:
            continue
        decision = session.decide(obligation.body, obligation.guard)
        if decision.outcome is Outcome.UNKNOWN:
            unknown = True
            continue
        if decision.outcome not in (Outcome.VIOLATED, Outcome.CONDITIONAL) or instance.severity is Severity.INFO:
            continue
        facts = dict(bindings)
        chosen: dict[str, int | bool] = {}
        if decision.outcome is Outcome.CONDITIONAL:
            for path, value in decision.counterexample.items():
                ref = sym.refs.get(path)
                if ref is not None and not ref.given:
                    chosen[path] = value
                    facts[path] = sym.term_of(path) == literal_like(sym.term_of(path), value)
        answer = minimal_core(sym.ctx, domains + ranges + [instance.holds(sym)], facts, deadline)
        rule = instance.rule
        verdict = Verdict.VIOLATED if decision.outcome is Outcome.VIOLATED else Verdict.CONDITIONAL
        core = answer.core if answer.status == "core" else ()
        if instance.severity is Severity.ERROR or (strict and instance.severity is Severity.WARNING):
            implicated.update(p for p in core if p not in chosen)
        explanations.append(Explanation(
            rule=rule.id, name=rule.name, severity=instance.severity, verdict=verdict,
            instance=obligation.instance, message=obligation.message, sources=rule.source_urls,
            facts=tuple(_fact(tracked, p, chosen) for p in core),
            status="minimal" if answer.status == "core" else "unknown"))
        unknown = unknown or answer.status != "core"
    clashes = _clashes(tracked, implicated, strict, deadline) if implicated else ()
    return ExplainReport(config.path, tuple(explanations), clashes, unknown=unknown)


def failing_severities(strict: bool) -> tuple[Severity, ...]:
    return (Severity.ERROR, Severity.WARNING) if strict else (Severity.ERROR,)


def _clashes(tracked: Tracked, implicated: set[str], strict: bool, deadline: Deadline) -> tuple[Clash, ...]:
    sym = tracked.sym
    kept = {p: b for p, b in tracked.bindings.items() if p not in implicated}
    background = list(sym.domains.values()) + tracked.ranges() + list(kept.values())
    candidates: dict[str, Instance] = {}
    for instance in tracked.instances:
        if instance.obligation.unspecified or instance.severity not in failing_severities(strict):
            continue
        candidates.setdefault(f"{len(candidates)}", instance)
    clashes: list[Clash] = []
    while candidates and len(clashes) < MAX_CLASHES:
        answer = minimal_core(sym.ctx, background, {k: i.holds(sym) for k, i in candidates.items()}, deadline)
        if answer.status != "core":
            break
        members = [candidates.pop(k) for k in answer.core]
        if len(members) < 2:
            continue
        facts = minimal_core(sym.ctx, list(sym.domains.values()) + tracked.ranges()
                             + [m.holds(sym) for m in members], kept, deadline)
        clashes.append(Clash(
            rules=tuple(ClashMember(m.rule.id, m.rule.name, m.obligation.instance, m.obligation.message)
                        for m in members),
            facts=tuple(_fact(tracked, p, {}) for p in facts.core)))
    return tuple(clashes)


def explain_file(path: str | Path, rule_ids: Iterable[str] | None = None,
                 timeout: float | None = DEFAULT_TIMEOUT, strict: bool = False,
                 ndis: str | None = None) -> ExplainReport:
    try:
        if is_driver_tree(path):
            return _explain_driver(path, rule_ids, timeout, strict, ndis)
        return explain_config(load_config(path), rule_ids, timeout, strict)
    except ConfigError as exc:
        if exc.path == "--rule":
            raise
        return ExplainReport(path=str(path), error=exc.with_file(exc.file or str(path)).one_line())


def _explain_driver(path: str | Path, rule_ids: Iterable[str] | None, timeout: float | None, strict: bool,
                    ndis: str | None) -> ExplainReport:
    """Each configuration of a driver tree explained; instances (and clash members) prefixed by the variant."""
    explanations: list[Explanation] = []
    clashes: list[Clash] = []
    unknown = False
    for label, config in load_driver(path, ndis):
        report = explain_config(config, rule_ids, timeout, strict)
        unknown = unknown or report.unknown
        prefix = f"{label}: " if label else ""
        explanations += [dataclasses.replace(e, instance=prefix + e.instance) for e in report.explanations]
        clashes += [dataclasses.replace(c, rules=tuple(dataclasses.replace(m, instance=prefix + m.instance)
                                                      for m in c.rules)) for c in report.clashes]
    return ExplainReport(str(path), tuple(explanations), tuple(clashes), unknown=unknown)
