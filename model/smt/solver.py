"""The one place that calls the solver: decides an obligation over every completion of the open fields."""

from __future__ import annotations

import enum
import functools
import time
from collections.abc import Callable, Iterable, Mapping
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


REARM_SECONDS = 0.05     # how often the solver's timeout is brought down to the time left (setting it costs a check)


class Session:
    """One solver over one context, with the domains of the open fields asserted once; a deadline for
    the whole query (seconds) so that a timeout reports `unknown`, never `holds`. The solver is made on the
    first formula that needs it: a query whose obligations all fold to Python bools never makes one."""

    def __init__(self, ctx: z3.Context | None, domains: Iterable[z3.BoolRef], timeout: float | None = None) -> None:
        self.ctx = ctx
        self.domains = list(domains)
        self._solver: z3.Solver | None = None
        self.deadline = None if timeout is None else time.monotonic() + timeout
        self._armed: float | None = None

    def _solver_for(self, formula: z3.BoolRef) -> z3.Solver:
        if self._solver is None:
            self._solver = z3.Solver(ctx=formula.ctx if self.ctx is None else self.ctx)
            self._solver.add(*self.domains)
        return self._solver

    def _check(self, assumption: z3.BoolRef) -> z3.CheckSatResult:
        return self._model(assumption, with_model=False)[0]

    def _model(self, assumption: z3.BoolRef, with_model: bool = True,
               show: Callable[[], Mapping[str, z3.ExprRef]] | None = None) -> tuple[z3.CheckSatResult,
                                                                                     dict[str, int | bool]]:
        solver = self._solver_for(assumption)
        if self.deadline is not None:
            now = time.monotonic()
            remaining = self.deadline - now
            if remaining <= 0:
                return z3.unknown, {}
            if self._armed is None or now - self._armed >= REARM_SECONDS:   # a check overruns by < REARM_SECONDS
                solver.set("timeout", max(1, int(remaining * 1000)))
                self._armed = now
        solver.push()
        try:
            solver.add(assumption)
            result = solver.check()
            if result != z3.sat or not with_model:
                return result, {}
            return result, _read_model(solver.model()) if show is None else _read_terms(solver.model(), show())
        finally:
            solver.pop()

    def decide(self, body: BoolTerm, guard: BoolTerm | None = None,
               show: Callable[[], Mapping[str, z3.ExprRef]] | None = None) -> Decision:
        """holds: no completion with guard ∧ ¬body; violated: every completion has guard ∧ ¬body.
        A guard or body that folded to a Python bool is decided here without the solver. `show` gives the
        constants a counterexample and a witness report (by default every constant of the model); it is called
        once, when there is a model to read: reading a few constants costs far less than reading hundreds."""
        premise: BoolTerm = True if guard is None else guard
        failing = simplify(And(premise, Not(body)))
        if failing is False:
            return self._holds_unless_inapplicable(premise)
        if failing is True and not self.domains:
            return Decision(Outcome.VIOLATED)
        failing = self._lift(failing)
        reader = None if show is None else functools.cache(show)
        bad, counterexample = self._model(failing, show=reader)
        if bad == z3.unknown:
            return Decision(Outcome.UNKNOWN, reason="timeout")
        if bad == z3.unsat:
            return self._holds_unless_inapplicable(premise)
        good, witness = self._model(z3.Not(failing), show=reader)
        if good == z3.unknown:
            return Decision(Outcome.UNKNOWN, counterexample=counterexample, reason="timeout")
        if good == z3.unsat:
            return Decision(Outcome.VIOLATED, counterexample=counterexample)
        return Decision(Outcome.CONDITIONAL, counterexample=counterexample, witness=witness)

    def _holds_unless_inapplicable(self, guard: BoolTerm) -> Decision:
        """No completion fails: holds, or not-applicable when no completion satisfies the guard."""
        guard = simplify(guard)
        if guard is True:
            return Decision(Outcome.HOLDS)
        if guard is False:
            return Decision(Outcome.NOT_APPLICABLE)
        applicable = self._check(self._lift(guard))
        if applicable == z3.unsat:
            return Decision(Outcome.NOT_APPLICABLE)
        if applicable == z3.unknown:
            return Decision(Outcome.UNKNOWN, reason="timeout")
        return Decision(Outcome.HOLDS)

    def _lift(self, term: BoolTerm) -> z3.BoolRef:
        if isinstance(term, z3.BoolRef):
            return term
        if self.ctx is None:
            raise ValueError("a Python bool reached the solver in a query without a context")
        return lift(term, self.ctx)  # type: ignore[return-value]


def _read_terms(model: z3.ModelRef, terms: Mapping[str, z3.ExprRef]) -> dict[str, int | bool]:
    """The model's values of the named constants it assigns."""
    values: dict[str, int | bool] = {}
    for name, term in terms.items():
        value = model.eval(term, model_completion=False)
        if z3.is_true(value) or z3.is_false(value):
            values[name] = z3.is_true(value)
        elif z3.is_int_value(value) or z3.is_bv_value(value):
            values[name] = value.as_long()  # type: ignore[attr-defined]
    return values


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
