"""The configuration as tracked facts: every fixed field a named constant with one binding (`path = value`),
and every rule instance a formula over them. Shared by `explain` and `repair`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from vmqproof.model.config.schema import HEADER_SIZES, Config
from vmqproof.model.smt.logic import And, Formula, If, Implies, IntTerm, Not
from vmqproof.model.smt.symbolic import Symbolic
from vmqproof.properties.queries.check import obligation_severity, plan_obligations, select_rules
from vmqproof.properties.results import Severity
from vmqproof.properties.rules.registry import Obligation, Rule


@dataclass(frozen=True, slots=True)
class Instance:
    """One planned rule instance: `holds` is `guard ⇒ body`."""

    rule: Rule
    obligation: Obligation
    severity: Severity
    reads: tuple[str, ...]

    @property
    def key(self) -> str:
        return f"{self.rule.id} @ {self.obligation.instance}"

    def holds(self, sym: Symbolic) -> Formula:
        body = self.obligation.body
        return sym.lift(body if self.obligation.guard is None else Implies(self.obligation.guard, body))

    def failing(self, sym: Symbolic) -> Formula:
        guard = True if self.obligation.guard is None else self.obligation.guard
        return sym.lift(And(guard, Not(self.obligation.body)))


@dataclass(frozen=True, slots=True)
class Tracked:
    config: Config
    sym: Symbolic
    rules: tuple[Rule, ...]
    instances: tuple[Instance, ...]

    derived: dict[str, Formula]

    @property
    def bindings(self) -> dict[str, Formula]:
        """The facts: bindings of fixed fields, without the defaults derived from other fields."""
        return {p: b for p, b in self.sym.bindings.items() if p not in self.derived}

    def open_paths(self) -> list[str]:
        return [p for p, ref in self.sym.refs.items() if not ref.given]

    def ranges(self) -> list[Formula]:
        """Type ranges of the fixed fields: what each may be once its binding is dropped."""
        return [self.sym.type_range(p) for p in self.sym.bindings] + list(self.derived.values())

    def is_default(self, path: str) -> bool:
        """The field was not written in the file (its value is the documented default)."""
        record, name = self.sym.origins.get(path, (None, path))
        if record is None:
            return name.lower() not in self.config.inf
        return name not in record.given


def track(config: Config, rule_ids: Iterable[str] | None = None) -> Tracked:
    rules = tuple(select_rules(config, rule_ids))
    sym = Symbolic(config, fold_fixed=False)
    instances = []
    for rule, obligation, reads in plan_obligations(config, sym, rules):
        if obligation is not None:
            instances.append(Instance(rule, obligation, obligation_severity(config, rule, obligation),
                                      tuple(reads)))
    return Tracked(config, sym, rules, tuple(instances), _derived(sym))


def _derived(sym: Symbolic) -> dict[str, Formula]:
    """Values that follow from something else: an omitted header `size` is NDIS_SIZEOF of the revision
    (changing the revision changes it), and a VPort's `indirection_table_size` is the length of its listed
    table. They are constraints, not facts of their own."""
    derived: dict[str, Formula] = {}
    tables = {f"{v.record.path}.indirection_table_size": len(v.indirection_table) for v in sym.config.vports
              if v.indirection_table is not None}
    for path in list(sym.bindings):
        if path in tables:          # the length of a listed table: a list length, not a field of its own
            derived[path] = sym.bindings[path]
            continue
        record, name = sym.origins.get(path, (None, path))
        if record is None or name != "size" or "size" in record.given or record.path not in HEADER_SIZES:
            continue
        revision = sym.field(record, "revision")
        size: IntTerm = sym.lift(0)  # type: ignore[assignment]
        for rev, value in sorted(HEADER_SIZES[record.path].items(), reverse=True):
            size = If(revision == rev, value, size)  # type: ignore[assignment]
        derived[path] = sym.term_of(path) == size
    return derived
