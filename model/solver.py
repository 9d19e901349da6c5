"""The one place that calls the solver: decides an obligation over every completion of the open fields."""

from __future__ import annotations

import enum
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import z3


class Outcome(enum.Enum):
    HOLDS = "holds"
    VIOLATED = "violated"
    CONDITIONAL = "conditional"
    NOT_APPLICABLE = "not-applicable"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Decision:
    outcome: Outcome
    counterexample: Mapping[str, int | bool] = field(default_factory=dict)   # open field path → value
    witness: Mapping[str, int | bool] = field(default_factory=dict)
    reason: str = ""


class Session:
    """One solver over one context, with the domains of the open fields asserted once; a deadline for
    the whole query (seconds) so that a timeout reports `unknown`, never `holds`."""

    def __init__(self, ctx: z3.Context, domains: Iterable[z3.BoolRef], timeout: float | None = None) -> None:
        self.ctx = ctx
        self.solver = z3.Solver(ctx=ctx)
        self.domains = list(domains)
        self.solver.add(*self.domains)
        self.deadline = None if timeout is None else time.monotonic() + timeout

    def _check(self, *assumptions: z3.BoolRef) -> z3.CheckSatResult:
        if self.deadline is not None:
            remaining = self.deadline - time.monotonic()
            if remaining <= 0:
                return z3.unknown
            self.solver.set("timeout", max(1, int(remaining * 1000)))
        self.solver.push()
        try:
            self.solver.add(*assumptions)
            return self.solver.check()
        finally:
            self.solver.pop()

    def _model(self, *assumptions: z3.BoolRef) -> tuple[z3.CheckSatResult, dict[str, int | bool]]:
        self.solver.push()
        try:
            self.solver.add(*assumptions)
            if self.deadline is not None:
                remaining = self.deadline - time.monotonic()
                if remaining <= 0:
                    return z3.unknown, {}
                self.solver.set("timeout", max(1, int(remaining * 1000)))
            result = self.solver.check()
            if result != z3.sat:
                return result, {}
            return result, _read_model(self.solver.model())
        finally:
            self.solver.pop()

    def decide(self, body: z3.BoolRef, guard: z3.BoolRef | None = None) -> Decision:
        """holds: no completion with guard ∧ ¬body; violated: every completion has guard ∧ ¬body."""
        guard = z3.BoolVal(True, self.ctx) if guard is None else guard
        simple_guard = z3.simplify(guard)
        if z3.is_false(simple_guard):
            return Decision(Outcome.NOT_APPLICABLE)
        failing = z3.simplify(z3.And(simple_guard, z3.Not(body)))
        if z3.is_false(failing):
            return Decision(Outcome.HOLDS)
        if z3.is_true(failing) and not self.domains:
            return Decision(Outcome.VIOLATED)
        if not z3.is_true(simple_guard):
            applicable = self._check(simple_guard)
            if applicable == z3.unsat:
                return Decision(Outcome.NOT_APPLICABLE)
            if applicable == z3.unknown:
                return Decision(Outcome.UNKNOWN, reason="timeout")
        bad, counterexample = self._model(failing)
        if bad == z3.unknown:
            return Decision(Outcome.UNKNOWN, reason="timeout")
        if bad == z3.unsat:
            return Decision(Outcome.HOLDS)
        good, witness = self._model(z3.Not(failing))
        if good == z3.unknown:
            return Decision(Outcome.UNKNOWN, counterexample=counterexample, reason="timeout")
        if good == z3.unsat:
            return Decision(Outcome.VIOLATED, counterexample=counterexample)
        return Decision(Outcome.CONDITIONAL, counterexample=counterexample, witness=witness)


def _read_model(model: z3.ModelRef) -> dict[str, int | bool]:
    values: dict[str, int | bool] = {}
    for decl in model.decls():
        value = model[decl]
        if z3.is_true(value) or z3.is_false(value):
            values[decl.name()] = z3.is_true(value)
        elif z3.is_int_value(value) or z3.is_bv_value(value):
            values[decl.name()] = value.as_long()
    return values
