"""Formulas over fields that may be fixed or open: fixed values stay Python values, open ones are z3 terms.

The connectives fold Python values before they reach z3, so an obligation over fixed fields only is a Python
bool that costs no solver call, and z3 sees the open part alone. They mirror z3's names and argument forms
(`And(a, b)` or `And([a, b])`) so that rule formulas read as before.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import z3

BoolTerm = bool | z3.BoolRef
IntTerm = int | z3.ArithRef
FlagsTerm = int | z3.BitVecRef
Term = bool | int | z3.ExprRef
Formula = z3.BoolRef          # a formula that mentions open (or tracked) fields: it did not fold to a Python bool
Context = z3.Context


def _terms(args: tuple[Any, ...]) -> Iterable[Any]:
    if len(args) == 1 and not isinstance(args[0], (bool, z3.ExprRef)):
        return args[0]          # a single iterable of terms, as z3.And([...]) takes
    return args


def _nary(make: Any, terms: list[z3.BoolRef]) -> z3.BoolRef:
    ctx = terms[0].ctx
    array = (z3.Ast * len(terms))(*(t.as_ast() for t in terms))
    return z3.BoolRef(make(ctx.ref(), len(terms), array), ctx)


def And(*args: Any) -> BoolTerm:
    terms: list[z3.BoolRef] = []
    for term in _terms(args):
        if isinstance(term, bool):
            if not term:
                return False
        else:
            terms.append(term)
    if not terms:
        return True
    return terms[0] if len(terms) == 1 else _nary(z3.Z3_mk_and, terms)


def Or(*args: Any) -> BoolTerm:
    terms: list[z3.BoolRef] = []
    for term in _terms(args):
        if isinstance(term, bool):
            if term:
                return True
        else:
            terms.append(term)
    if not terms:
        return False
    return terms[0] if len(terms) == 1 else _nary(z3.Z3_mk_or, terms)


def Not(term: BoolTerm) -> BoolTerm:
    if isinstance(term, bool):
        return not term
    return z3.BoolRef(z3.Z3_mk_not(term.ctx.ref(), term.as_ast()), term.ctx)


def Implies(premise: BoolTerm, conclusion: BoolTerm) -> BoolTerm:
    if isinstance(premise, bool):
        return conclusion if premise else True
    if isinstance(conclusion, bool):
        return True if conclusion else Not(premise)
    return z3.Implies(premise, conclusion)


def If(condition: BoolTerm, then: Term, otherwise: Term) -> Term:
    if isinstance(condition, bool):
        return then if condition else otherwise
    like = then if isinstance(then, z3.ExprRef) else otherwise if isinstance(otherwise, z3.ExprRef) else None
    return z3.If(condition, lift(then, condition.ctx, like), lift(otherwise, condition.ctx, like))


def Sum(*args: Any) -> IntTerm:
    fixed = 0
    terms: list[z3.ArithRef] = []
    for term in _terms(args):
        if isinstance(term, int):
            fixed += term
        else:
            terms.append(term)
    if not terms:
        return fixed
    total = terms[0] if len(terms) == 1 else z3.Sum(terms)
    return total + fixed if fixed else total


def lift(value: Term, ctx: z3.Context, like: z3.ExprRef | None = None) -> z3.ExprRef:
    """A z3 term for a value: itself if already one; a literal of `like`'s sort (bit-vector width) if given."""
    if isinstance(value, z3.ExprRef):
        return value
    if isinstance(value, bool):
        return z3.BoolVal(value, ctx)
    if like is not None and z3.is_bv(like):
        return z3.BitVecVal(value, like.size(), ctx)
    return z3.IntVal(value, ctx)


def is_int_term(term: Term) -> bool:
    """An open integer field (or an arithmetic term over one), as opposed to a folded value or a flags bit-vector."""
    return isinstance(term, z3.ArithRef)


def int_var(name: str, ctx: Context) -> z3.ArithRef:
    """A free integer named `name` (for queries that are not over a configuration's fields: bands, synth)."""
    return z3.Int(name, ctx)


def smt2(constraints: Iterable[BoolTerm], ctx: Context) -> str:
    """The conjunction as an SMT-LIB2 script (for re-checking a proof with another solver)."""
    solver = z3.Solver(ctx=ctx)
    solver.add(*(lift(c, ctx) for c in constraints))
    return solver.to_smt2()


def literal_like(term: z3.ExprRef, value: int | bool) -> z3.ExprRef:
    """The literal `value` of `term`'s sort (a model value read back as a Python int or bool)."""
    if z3.is_bool(term):
        return z3.BoolVal(bool(value), term.ctx)
    if z3.is_bv(term):
        return z3.BitVecVal(int(value), term.size(), term.ctx)  # type: ignore[attr-defined]
    return z3.IntVal(int(value), term.ctx)


def simplify(term: BoolTerm) -> BoolTerm:
    """A Python bool when the term does not depend on an open field, else the simplified z3 term."""
    if isinstance(term, bool):
        return term
    simple = z3.simplify(term)
    return True if z3.is_true(simple) else False if z3.is_false(simple) else simple


def decided(term: BoolTerm) -> bool | None:
    """The term's truth value when it does not depend on an open field, else None."""
    simple = simplify(term)
    return simple if isinstance(simple, bool) else None


def open_constants(*terms: Term | None) -> list[str]:
    """The names of the open fields (uninterpreted constants) the terms mention, each once: the last term first,
    each depth-first from its last argument. Walks the ASTs through the C API: wrapping every node as a Python
    object costs far more than the walk, and `check` asks this of every failing obligation over open fields."""
    found: list[str] = []
    seen: set[int] = set()
    for term in reversed(terms):
        if not isinstance(term, z3.ExprRef):
            continue
        ctx = term.ctx.ref()
        pending = [term.as_ast()]
        while pending:
            ast = pending.pop()
            identifier = z3.Z3_get_ast_id(ctx, ast)
            if identifier in seen:
                continue
            seen.add(identifier)
            if z3.Z3_get_ast_kind(ctx, ast) != z3.Z3_APP_AST:
                continue
            app = z3.Z3_to_app(ctx, ast)
            count = z3.Z3_get_app_num_args(ctx, app)
            if count == 0:
                decl = z3.Z3_get_app_decl(ctx, app)
                if z3.Z3_get_decl_kind(ctx, decl) == z3.Z3_OP_UNINTERPRETED:
                    name = z3.Z3_get_symbol_string(ctx, z3.Z3_get_decl_name(ctx, decl))
                    if name not in found:
                        found.append(name)
                continue
            pending.extend(z3.Z3_get_app_arg(ctx, app, index) for index in range(count))
    return found


def equals_any(term: z3.ExprRef, values: Iterable[int | bool]) -> BoolTerm:
    """term ∈ values, as a disjunction of equalities (False for no values), built through the C API: domains and
    power-of-two tests make thousands of these, and z3's operators spend most of their time checking sorts."""
    ctx, ast = term.ctx, term.as_ast()
    ref = ctx.ref()
    sort = z3.Z3_get_sort(ref, ast)
    # Each numeral is consumed by the next call (z3 keeps an API call's last result alive until then), and each
    # equality is held by a wrapper until the disjunction holds it.
    equalities = [z3.BoolRef(z3.Z3_mk_eq(ref, ast, _numeral(ref, value, sort)), ctx) for value in values]
    if not equalities:
        return False
    return equalities[0] if len(equalities) == 1 else _nary(z3.Z3_mk_or, equalities)  # type: ignore[arg-type]


def _numeral(ref: Any, value: int | bool, sort: Any) -> Any:
    if isinstance(value, bool):
        return z3.Z3_mk_true(ref) if value else z3.Z3_mk_false(ref)
    return z3.Z3_mk_numeral(ref, str(value), sort)
