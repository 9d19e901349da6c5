"""`check`: prove or disprove every rule of the registry on one configuration."""

from __future__ import annotations

import functools
from collections.abc import Iterable

from vmqproof.model.config.errors import ConfigError
from vmqproof.model.config.schema import Config
from vmqproof.model.smt.logic import open_constants
from vmqproof.model.smt.reasoning import Deadline, legal_values_of_one_field
from vmqproof.model.smt.solver import Decision, Outcome, Session
from vmqproof.model.smt.symbolic import Symbolic
from vmqproof.properties.results import FieldValue, FileReport, Result, Severity, Verdict
from vmqproof.properties.rules import all_rules
from vmqproof.properties.rules.modes import derive_modes
from vmqproof.properties.rules.registry import Obligation, Rule, RuleContext

DEFAULT_TIMEOUT = 30.0

_VERDICTS = {
    Outcome.HOLDS: Verdict.HOLDS,
    Outcome.VIOLATED: Verdict.VIOLATED,
    Outcome.CONDITIONAL: Verdict.CONDITIONAL,
    Outcome.NOT_APPLICABLE: Verdict.NOT_APPLICABLE,
    Outcome.UNKNOWN: Verdict.UNKNOWN,
}


def select_rules(config: Config, rule_ids: Iterable[str] | None = None) -> list[Rule]:
    """The registry's rules minus `[policy] disable`, narrowed to `rule_ids`; unknown ids are bad input."""
    rules = list(all_rules())
    known = {r.id for r in rules}
    from vmqproof.properties.rules.catalog import known_ids
    named = list(config.policy.disable) + list(config.policy.severity)
    ids = known_ids() if named else ()
    for rule_id in named:
        if rule_id not in ids:
            raise ConfigError(f"unknown rule id {rule_id!r}", file=config.path, path="policy")
    if rule_ids is not None:
        wanted = list(rule_ids)
        check_rule_ids(wanted, known)
        rules = [r for r in rules if r.id in wanted]
    return [r for r in rules if r.id not in config.policy.disable]


def check_rule_ids(rule_ids: Iterable[str], known: set[str] | None = None) -> None:
    """Bad input unless every id names a rule of the registry (a catalog rule that is not checked does not)."""
    known = {r.id for r in all_rules()} if known is None else known
    for rule_id in rule_ids:
        if rule_id not in known:
            raise ConfigError(f"unknown or unchecked rule id {rule_id!r}", path="--rule")


def check_config(config: Config, rule_ids: Iterable[str] | None = None,
                 timeout: float | None = DEFAULT_TIMEOUT) -> FileReport:
    rules = select_rules(config, rule_ids)
    sym = Symbolic(config)
    planned = plan_obligations(config, sym, rules)
    session = Session(sym.ctx if sym.domains else None, sym.domains.values(), timeout)
    readings = {r.id: r.reading(config) for r in rules if r.reading is not None}
    results = [_result(config, sym, rule, obligation, reads, session, readings.get(rule.id))
               for rule, obligation, reads in planned]
    return FileReport(path=config.path, results=tuple(results), readings=readings)


Planned = list[tuple[Rule, Obligation | None, list[str]]]


def plan_obligations(config: Config, sym: Symbolic, rules: Iterable[Rule]) -> Planned:
    """Every rule's obligations over `sym`, each with the fields its builder read; a rule that does not
    apply, or has no instance, is planned with None. Shared by check, explain and repair."""
    modes = derive_modes(config, sym)
    context = RuleContext(config, sym, modes)
    planned: Planned = []
    for rule in rules:
        if not rule.applies_to(config):
            planned.append((rule, None, []))
            continue
        built = False
        generator = iter(rule.build(context))
        while True:
            reads = sym.track_reads()
            obligation = next(generator, None)
            if obligation is None:
                break
            planned.append((rule, obligation, reads))
            built = True
        if not built:
            planned.append((rule, None, []))
    return planned


def obligation_severity(config: Config, rule: Rule, obligation: Obligation | None) -> Severity:
    """The severity a result of this obligation has (policy override, obligation, rule)."""
    return _severity(config, rule, obligation)


def _open_fields(sym: Symbolic, obligation: Obligation, reads: list[str]) -> list[str]:
    """Open fields the formula depends on but the builder did not read itself (those behind mode predicates)."""
    return [name for name in open_constants(obligation.body, obligation.guard)
            if name in sym.refs and name not in reads]


def _severity(config: Config, rule: Rule, obligation: Obligation | None) -> Severity:
    override = config.policy.severity.get(rule.id)
    if override is not None:
        return Severity(override)
    if obligation is not None and obligation.severity is not None:
        return obligation.severity
    return rule.severity


def _result(config: Config, sym: Symbolic, rule: Rule, obligation: Obligation | None, reads: list[str],
            session: Session, reading: str | None) -> Result:
    severity = _severity(config, rule, obligation)
    if obligation is None:
        why = ("not applicable to this adapter (NDIS version, role or adapter kind)" if not rule.applies_to(config)
               else "no instance of this rule in the configuration")
        return Result(rule.id, rule.name, severity, Verdict.NOT_APPLICABLE, "-", why, rule.source_urls,
                      reading=reading)
    # the fields read, then the open ones behind mode predicates: found once, and only when a model is read
    shown_fields = functools.cache(lambda: reads + (_open_fields(sym, obligation, reads) if sym.domains else []))
    decision: Decision = session.decide(obligation.body, obligation.guard, show=lambda: sym.open_terms(shown_fields()))
    verdict = _VERDICTS[decision.outcome]
    if verdict is Verdict.HOLDS or verdict is Verdict.NOT_APPLICABLE:
        return Result(rule.id, rule.name, severity, verdict, obligation.instance, obligation.message,
                      rule.source_urls, reading=reading)
    if obligation.unspecified and verdict in (Verdict.VIOLATED, Verdict.CONDITIONAL):
        verdict = Verdict.UNSPECIFIED
    shown = shown_fields()
    counterexample = _values(sym, shown, decision.counterexample)
    witness = _values(sym, shown, decision.witness) if decision.witness else ()
    file, line = _source_line(config, counterexample, obligation.instance, verdict)
    message = obligation.message
    if decision.outcome is Outcome.UNKNOWN:
        message = f"the solver could not decide this ({decision.reason})"
    legal_values = (legal_values_of_one_field(sym, obligation.guard, obligation.body,
                                              Deadline.until(session.deadline))
                    if verdict is Verdict.CONDITIONAL else None)
    return Result(rule.id, rule.name, severity, verdict, obligation.instance, message, rule.source_urls,
                  counterexample=counterexample, witness=witness, reading=reading, line=line,
                  legal_values=legal_values, file=file)


def _source_line(config: Config, counterexample: tuple[FieldValue, ...], instance: str,
                 verdict: Verdict) -> tuple[str | None, int | None]:
    """Where a failing result points: the checked file's line of the first counterexample field (or of the
    instance); for a driver tree, the source file and line of the statement giving a counterexample value — for
    a conditional verdict, of the first value the solver chose (the branch that fails), else of the first given
    one."""
    if config.sources:
        first = [v for v in counterexample if v.given == (verdict is not Verdict.CONDITIONAL)]
        location = next((v.location for v in first + list(counterexample) if v.location), None)
        if location is None:
            source = config.source_of(instance.split(" ")[0])
            location = source.of() if source is not None else None
        if location is not None:
            file, _, line = location.rpartition(":")
            return file, int(line)
        return None, None
    line = next((line for v in counterexample if (line := config.line_of(v.path)) is not None), None) \
        or config.line_of(instance.split(" ")[0])
    return None, line


def _values(sym: Symbolic, reads: list[str], model: dict[str, int | bool] | object) -> tuple[FieldValue, ...]:
    chosen = dict(model)  # type: ignore[call-overload]
    sources = sym.config.sources
    values = []
    for path in reads:
        source = sources.get(path) if sources else None
        if path in chosen:
            location = source.of(int(chosen[path])) if source is not None else None
            values.append(FieldValue(path, sym.display(path, chosen[path]), given=False, location=location))
        elif path not in sym.refs or sym.refs[path].given:
            values.append(FieldValue(path, sym.display(path), given=True,
                                     location=source.of() if source is not None else None))
    return tuple(values)
