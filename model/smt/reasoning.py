"""Solver queries beyond a single decision: minimal unsat cores over tracked facts (explain), MaxSMT repair
(repair), and the exact legal set of one open integer field as intervals (check). Like `solver`, these are the
only places that call z3's solvers; `properties` builds the formulas and reads the answers.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import z3
from vmqproof.model.smt.logic import And, BoolTerm, Not, open_constants
from vmqproof.model.smt.symbolic import Symbolic

MAX_INTERVALS = 64


class Deadline:
    """A wall-clock budget shared by a query's solver calls; `None` is no limit."""

    def __init__(self, seconds: float | None) -> None:
        self.end = None if seconds is None else time.monotonic() + seconds

    @classmethod
    def until(cls, end: float | None) -> "Deadline":
        """A budget ending at the monotonic time `end` (e.g. a Session's deadline)."""
        deadline = cls(None)
        deadline.end = end
        return deadline

    def expired(self) -> bool:
        return self.end is not None and time.monotonic() >= self.end

    def arm(self, solver: z3.Solver | z3.Optimize) -> bool:
        """Set the solver's timeout to what is left; False when nothing is left."""
        if self.end is None:
            return True
        remaining = self.end - time.monotonic()
        if remaining <= 0:
            return False
        solver.set("timeout", max(1, int(remaining * 1000)))
        return True


def _check(solver: z3.Solver, deadline: Deadline, *assumptions: z3.BoolRef) -> z3.CheckSatResult:
    if not deadline.arm(solver):
        return z3.unknown
    return solver.check(*assumptions)


# -- minimal unsat cores ---------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class CoreAnswer:
    """`status` is "core" (the facts named in `core` force the background unsat, and no proper subset does),
    "sat" (the facts do not force it) or "unknown" (timeout)."""

    status: str
    core: tuple[str, ...] = ()


def minimal_core(ctx: z3.Context, background: Sequence[z3.BoolRef], facts: Mapping[str, z3.BoolRef],
                 deadline: Deadline | None = None) -> CoreAnswer:
    """A minimal subset of `facts` that together with `background` is unsatisfiable: start from z3's core,
    then delete facts one at a time, keeping a deletion whenever the rest is still unsat (destructive
    minimisation). The result is minimal: removing any one of its facts makes the conjunction satisfiable."""
    deadline = deadline or Deadline(None)
    solver = z3.Solver(ctx=ctx)
    solver.set("core.minimize", False)
    solver.add(*background)
    names = list(facts)
    trackers = {name: z3.Bool(f"fact!{i}", ctx) for i, name in enumerate(names)}
    for name in names:
        solver.add(z3.Implies(trackers[name], facts[name]))
    by_tracker = {str(t): name for name, t in trackers.items()}
    result = _check(solver, deadline, *trackers.values())
    if result == z3.sat:
        return CoreAnswer("sat")
    if result != z3.unsat:
        return CoreAnswer("unknown")
    core = [by_tracker[str(t)] for t in solver.unsat_core()]
    core.sort(key=names.index)
    index = 0
    while index < len(core):
        trial = core[:index] + core[index + 1:]
        result = _check(solver, deadline, *(trackers[n] for n in trial))
        if result == z3.unsat:
            smaller = {by_tracker[str(t)] for t in solver.unsat_core()}
            core = [n for n in trial if n in smaller]
        elif result == z3.sat:
            index += 1
        else:
            return CoreAnswer("unknown")
    return CoreAnswer("core", tuple(core))


def satisfiable(ctx: z3.Context, constraints: Sequence[z3.BoolRef], deadline: Deadline | None = None) -> str:
    """"sat", "unsat" or "unknown" for the conjunction."""
    solver = z3.Solver(ctx=ctx)
    solver.add(*constraints)
    return str(_check(solver, deadline or Deadline(None)))


def for_every_completion(terms: Sequence[z3.ExprRef], domains: Sequence[z3.BoolRef],
                         body: z3.BoolRef) -> z3.BoolRef:
    """`body` for every value the open fields `terms` may take within their `domains` (∀ terms. domains ⇒ body);
    `body` itself when nothing is open."""
    if not terms:
        return body
    return z3.ForAll(list(terms), z3.Implies(z3.And(list(domains) or [z3.BoolVal(True, body.ctx)]), body))


# -- MaxSMT repair ----------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Soft:
    """A soft constraint "`term` keeps `value`" (`keep` is `term == value`) of weight `weight`."""

    keep: z3.BoolRef
    term: z3.ExprRef
    weight: int = 1


@dataclass(frozen=True, slots=True)
class RepairAnswer:
    """`status`: "repaired" (optimal), "impossible" (the hard constraints are unsat) or "unknown".
    `broken` names the soft constraints given up, `values` the model's value of each broken one's term, and
    `cost` their total weight."""

    status: str
    broken: tuple[str, ...] = ()
    values: Mapping[str, int | bool] = field(default_factory=dict)
    cost: int = 0


def _value(model: z3.ModelRef, term: z3.ExprRef) -> int | bool:
    value = model.eval(term, model_completion=True)
    if z3.is_true(value) or z3.is_false(value):
        return z3.is_true(value)
    return value.as_long()  # type: ignore[no-any-return, attr-defined]


def max_sat(ctx: z3.Context, hard: Sequence[z3.BoolRef], soft: Mapping[str, Soft],
            deadline: Deadline | None = None) -> RepairAnswer:
    """Keep as much weight of `soft` as possible under `hard` (z3 Optimize, weighted MaxSMT); among the
    optimal answers, prefer integer values close to the old ones (a second, lexicographic objective)."""
    deadline = deadline or Deadline(None)
    opt = z3.Optimize(ctx=ctx)
    opt.add(*hard)
    for soft_constraint in soft.values():
        opt.add_soft(soft_constraint.keep, soft_constraint.weight, id="keep")
    distances = []
    for soft_constraint in soft.values():
        term = soft_constraint.term
        if not z3.is_eq(soft_constraint.keep):
            continue
        left, right = soft_constraint.keep.arg(0), soft_constraint.keep.arg(1)   # `term == old` (either order)
        old = left if z3.is_int_value(left) or z3.is_bv_value(left) else right
        if z3.is_int(term):
            diff = term - old
            distances.append(z3.If(diff >= 0, diff, -diff))
        elif z3.is_bv(term):                                   # flags: the number of bits that differ
            xor = term ^ old
            distances.extend(z3.If(z3.Extract(i, i, xor) == 1, z3.IntVal(1, ctx), z3.IntVal(0, ctx))
                             for i in range(term.size()))
    if distances:
        opt.minimize(z3.Sum(distances))
    if not deadline.arm(opt):
        return RepairAnswer("unknown")
    result = opt.check()
    if result == z3.unsat:
        return RepairAnswer("impossible")
    if result != z3.sat:
        return RepairAnswer("unknown")
    model = opt.model()
    broken = tuple(name for name, s in soft.items() if not z3.is_true(model.eval(s.keep, model_completion=True)))
    return RepairAnswer("repaired", broken, {name: _value(model, soft[name].term) for name in broken},
                        sum(soft[name].weight for name in broken))


def within_cost(ctx: z3.Context, hard: Sequence[z3.BoolRef], soft: Mapping[str, Soft], budget: int,
                deadline: Deadline | None = None) -> str:
    """Whether some assignment meets `hard` while giving up soft constraints of total weight ≤ `budget`:
    "sat", "unsat" or "unknown". With `budget` = optimum − 1, "unsat" proves the optimum minimal."""
    if budget < 0:
        return "unsat"
    solver = z3.Solver(ctx=ctx)
    solver.add(*hard)
    broken = [(z3.Not(s.keep), s.weight) for s in soft.values()]
    if broken:
        solver.add(z3.PbLe(broken, budget))
    return str(_check(solver, deadline or Deadline(None)))


# -- exact legal values of one open integer field ---------------------------------------------------------

def _extreme(ctx: z3.Context, var: z3.ArithRef, constraints: Sequence[z3.BoolRef], deadline: Deadline,
             minimise: bool = True) -> int | None | str:
    """The least (or greatest) value of `var` under `constraints`; None when unsat, "unknown" on timeout."""
    opt = z3.Optimize(ctx=ctx)
    opt.add(*constraints)
    handle = opt.minimize(var) if minimise else opt.maximize(var)
    if not deadline.arm(opt):
        return "unknown"
    result = opt.check()
    if result == z3.unsat:
        return None
    if result != z3.sat:
        return "unknown"
    value = opt.lower(handle) if minimise else opt.upper(handle)
    if not z3.is_int_value(value):
        return "unknown"
    return value.as_long()  # type: ignore[no-any-return]


def legal_intervals(ctx: z3.Context, var: z3.ArithRef, domain: z3.BoolRef, failing: z3.BoolRef,
                    deadline: Deadline | None = None,
                    max_intervals: int = MAX_INTERVALS) -> tuple[tuple[int, int], ...] | None:
    """The exact set {x ∈ domain : ¬failing(x)} as maximal intervals of consecutive integers, where
    `failing` mentions no open field but `var`. Each interval [a, b] is found by optimisation (a = the least
    legal value above the previous interval, b + 1 = the least value above a that is illegal or outside the
    domain) and then proved: every x in [a, b] is legal (unsat of the negation), a − 1 and b + 1 are not.
    None when the solver times out or there are more than `max_intervals` intervals."""
    deadline = deadline or Deadline(None)
    legal = z3.And(domain, z3.Not(failing))
    hi = _extreme(ctx, var, [domain], deadline, minimise=False)
    if not isinstance(hi, int):
        return None
    intervals: list[tuple[int, int]] = []
    floor: int | None = None
    while True:
        above = [] if floor is None else [var > floor]
        start = _extreme(ctx, var, [legal, *above], deadline)
        if start is None:
            break
        if not isinstance(start, int):
            return None
        stop = _extreme(ctx, var, [z3.Not(legal), var > start, var <= hi], deadline)
        if stop == "unknown":
            return None
        end = hi if stop is None else int(stop) - 1
        intervals.append((start, end))
        if len(intervals) > max_intervals:
            return None
        if end >= hi:
            break
        floor = end
    solver = z3.Solver(ctx=ctx)
    for lo, up in intervals:                      # the proof at each boundary
        solver.push()
        solver.add(var >= lo, var <= up, z3.Not(legal))
        inside = _check(solver, deadline)
        solver.pop()
        outside = []
        for probe in (lo - 1, up + 1):
            solver.push()
            solver.add(var == probe, legal)
            outside.append(_check(solver, deadline))
            solver.pop()
        if inside != z3.unsat or any(r != z3.unsat for r in outside):
            return None
    return tuple(intervals)


def format_intervals(intervals: Sequence[tuple[int, int]]) -> str:
    """[a, b] for runs, {x, y} for consecutive singletons, joined with ∪."""
    parts: list[str] = []
    points: list[int] = []
    for lo, hi in intervals:
        if lo == hi:
            points.append(lo)
            continue
        if points:
            parts.append("{" + ", ".join(str(p) for p in points) + "}")
            points = []
        parts.append(f"[{lo}, {hi}]")
    if points:
        parts.append("{" + ", ".join(str(p) for p in points) + "}")
    return " ∪ ".join(parts) if parts else "∅"


def legal_values_of_one_field(sym: Symbolic, guard: BoolTerm | None, body: BoolTerm,
                              deadline: Deadline) -> str | None:
    """For `guard ⇒ body` over exactly one open integer field: its exact legal set as intervals
    ("msix.table_size ∈ [16, 4294967295]"), each boundary proved; None with several open fields, a field of
    another sort, or a timeout."""
    opened = [name for name in open_constants(body, guard) if name in sym.refs and not sym.refs[name].given]
    if len(opened) != 1:
        return None
    var = sym.term_of(opened[0])
    if not z3.is_int(var):
        return None
    failing = sym.lift(And(True if guard is None else guard, Not(body)))
    intervals = legal_intervals(sym.ctx, var, sym.domains[opened[0]], failing, deadline)  # type: ignore[arg-type]
    return None if intervals is None else f"{opened[0]} ∈ {format_intervals(intervals)}"
