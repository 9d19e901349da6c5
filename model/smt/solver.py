"""The one place that calls the solver: decides an obligation over every completion of the open fields."""

from __future__ import annotations

import enum
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import z3
from vmqproof.model.smt.logic import And, BoolTerm, Not, lift, simplify


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
    the whole query (seconds) so that a timeout reports `unknown`, never `holds`. The solver is made on the
    first formula that needs it: a query whose obligations all fold to Python bools never makes one."""

    def __init__(self, ctx: z3.Context | None, domains: Iterable[z3.BoolRef], timeout: float | None = None) -> None:
        self.ctx = ctx
        self.domains = list(domains)
        self._solver: z3.Solver | None = None
        self.deadline = None if timeout is None else time.monotonic() + timeout

    def _solver_for(self, formula: z3.BoolRef) -> z3.Solver:
        if self._solver is None:
            self._solver = z3.Solver(ctx=formula.ctx if self.ctx is None else self.ctx)
            self._solver.add(*self.domains)
        return self._solver

    def _check(self, assumption: z3.BoolRef) -> z3.CheckSatResult:
        return self._model(assumption, with_model=False)[0]

    def _model(self, assumption: z3.BoolRef, with_model: bool = True) -> tuple[z3.CheckSatResult,
                                                                              dict[str, int | bool]]:
        solver = self._solver_for(assumption)
        if self.deadline is not None:
            remaining = self.deadline - time.monotonic()
            if remaining <= 0:
                return z3.unknown, {}
            solver.set("timeout", max(1, int(remaining * 1000)))
        solver.push()
        try:
            solver.add(assumption)
            result = solver.check()
            if result != z3.sat or not with_model:
                return result, {}
            return result, _read_model(solver.model())
        finally:
            solver.pop()

    def decide(self, body: BoolTerm, guard: BoolTerm | None = None) -> Decision:
        """holds: no completion with guard ∧ ¬body; violated: every completion has guard ∧ ¬body.
        A guard or body that folded to a Python bool is decided here without the solver."""
        simple_guard = True if guard is None else simplify(guard)
        if simple_guard is False:
            return Decision(Outcome.NOT_APPLICABLE)
        if simple_guard is not True:        # a guard over open fields: first, can the premise hold at all?
            applicable = self._check(self._lift(simple_guard))
            if applicable == z3.unsat:
                return Decision(Outcome.NOT_APPLICABLE)
            if applicable == z3.unknown:
                return Decision(Outcome.UNKNOWN, reason="timeout")
        failing = simplify(And(simple_guard, Not(body)))
        if failing is False:
            return Decision(Outcome.HOLDS)
        if failing is True and not self.domains:
            return Decision(Outcome.VIOLATED)
        failing = self._lift(failing)
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

    def _lift(self, term: BoolTerm) -> z3.BoolRef:
        if isinstance(term, z3.BoolRef):
            return term
        if self.ctx is None:
            raise ValueError("a Python bool reached the solver in a query without a context")
        return lift(term, self.ctx)  # type: ignore[return-value]


def _read_model(model: z3.ModelRef) -> dict[str, int | bool]:
    """The model's constants as Python values (integers, bit-vectors as unsigned, booleans), read through the C
    API: tables of minima read thousands of models."""
    ctx = model.ctx.ref()
    values: dict[str, int | bool] = {}
    for index in range(z3.Z3_model_get_num_consts(ctx, model.model)):
        decl = z3.Z3_model_get_const_decl(ctx, model.model, index)
        value = z3.Z3_model_get_const_interp(ctx, model.model, decl)
        name = z3.Z3_get_symbol_string(ctx, z3.Z3_get_decl_name(ctx, decl))
        kind = z3.Z3_get_sort_kind(ctx, z3.Z3_get_sort(ctx, value))
        if kind == z3.Z3_BOOL_SORT:
            truth = z3.Z3_get_bool_value(ctx, value)
            if truth != z3.Z3_L_UNDEF:
                values[name] = truth == z3.Z3_L_TRUE
        elif kind in (z3.Z3_INT_SORT, z3.Z3_BV_SORT) and z3.Z3_is_numeral_ast(ctx, value):
            values[name] = int(z3.Z3_get_numeral_string(ctx, value))
    return values
