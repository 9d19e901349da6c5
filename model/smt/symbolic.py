"""The symbolic mirror of a Config: every scalar field a z3 term named by its dotted path.

Fixed fields are bound to their values: folded into Python values (the default: with the connectives of
`logic`, an obligation over fixed fields only is a Python bool, decided without the solver), or, with
`fold_fixed=False`, kept as named constants with one tracked binding each (the form `explain` needs). Open
fields are named constants, free within their domains.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass

import z3
from vmqproof.model.config import constants as C, keywords as K
from vmqproof.model.config.fields import FieldSpec, Kind, KeywordValue, Open, SizeOfRevision, format_processor
from vmqproof.model.config.schema import Config, Record
from vmqproof.model.smt.logic import BoolTerm, FlagsTerm, IntTerm, Or, Term, equals_any, lift


@dataclass(frozen=True, slots=True)
class FieldRef:
    """What a z3 constant stands for, so a model can be read back as field values."""

    path: str
    spec: FieldSpec | None      # None for INF keywords
    given: bool


class Symbolic:
    def __init__(self, config: Config, ctx: z3.Context | None = None, fold_fixed: bool = True) -> None:
        self.config = config
        self._ctx = ctx
        self.fold_fixed = fold_fixed
        self.per_group = config.adapter.procs_per_group
        self.refs: dict[str, FieldRef] = {}
        self.domains: dict[str, z3.BoolRef] = {}
        self.bindings: dict[str, z3.BoolRef] = {}
        self.origins: dict[str, tuple[Record | None, str]] = {}
        self._terms: dict[str, z3.ExprRef] = {}
        self._reads: list[str] | None = None
        self._shared: dict[str, tuple[Term, list[str]]] = {}

    @property
    def ctx(self) -> z3.Context:
        """The query's z3 context, made when first needed: a configuration without open fields needs none."""
        if self._ctx is None:
            self._ctx = z3.Context()
        return self._ctx

    # -- tracking which fields an obligation reads --------------------------------------------------
    def track_reads(self) -> list[str]:
        """A new list of the fields read from now on (by one rule instance's builder), in first-read order."""
        self._reads = []
        return self._reads

    def shared(self, key: str, build: Callable[[], Term]) -> Term:
        """A term that several rules build alike (e.g. whether a structure is zeroed), built once per query;
        the fields it reads count as read by every builder that asks for it."""
        cached = self._shared.get(key)
        if cached is None:
            outer, self._reads = self._reads, []
            try:
                term = build()
                cached = self._shared[key] = (term, self._reads)
            finally:
                self._reads = outer
        for path in cached[1]:
            self._touch(path)
        return cached[0]

    def open_terms(self, paths: Iterable[str]) -> dict[str, z3.ExprRef]:
        """The constants of the open fields among `paths`: those a counterexample shows the solver's value of."""
        return {path: self.term_of(path) for path in paths if path in self.refs and not self.refs[path].given}

    def _touch(self, path: str) -> None:
        reads = self._reads
        if reads is not None and path not in reads:
            reads.append(path)

    # -- literals -----------------------------------------------------------------------------------
    def lift(self, value: Term) -> z3.ExprRef:
        """A z3 term in this query's context for a value a formula folded to Python."""
        return lift(value, self.ctx)

    def true(self) -> z3.BoolRef:
        return z3.BoolVal(True, self.ctx)

    def false(self) -> z3.BoolRef:
        return z3.BoolVal(False, self.ctx)

    # -- fields -------------------------------------------------------------------------------------
    def field(self, record: Record, name: str) -> Term:
        path = f"{record.path}.{name}"
        self._touch(path)
        term = self._terms.get(path)
        if term is None:
            term = self._make(record, name, path)
            self._terms[path] = term
            self.origins[path] = (record, name)
        return term

    def _const(self, spec: FieldSpec, path: str) -> z3.ExprRef:
        if spec.kind is Kind.FLAGS:
            return z3.BitVec(path, spec.width, self.ctx)
        if spec.kind is Kind.BOOL:
            return z3.Bool(path, self.ctx)
        return z3.Int(path, self.ctx)

    def _make(self, record: Record, name: str, path: str) -> Term:
        spec = record.specs[name]
        value = record.values[name]
        if spec.kind is Kind.STRING:
            raise TypeError(f"{path} is a string field; rules compare strings concretely")
        if isinstance(value, SizeOfRevision):
            revision = self.field(record, "revision")
            if isinstance(revision, int):
                return dict(value.sizes).get(revision, 0)
            term: z3.ExprRef = z3.IntVal(0, self.ctx)
            for rev, size in reversed(value.sizes):
                term = z3.If(revision == rev, z3.IntVal(size, self.ctx), term)
            return z3.simplify(term)
        if isinstance(value, KeywordValue):
            keyword = self.inf(value.keyword)
            return 0 if keyword is None else keyword
        if isinstance(value, Open):
            const = self._const(spec, path)
            self.refs[path] = FieldRef(path, spec, given=False)
            self.domains[path] = self._domain(const, spec, value)
            return const
        literal = bool(value) if spec.kind is Kind.BOOL else int(value)
        if self.fold_fixed:
            return literal
        const = self._const(spec, path)
        self.refs[path] = FieldRef(path, spec, given=True)
        self.bindings[path] = const == lift(literal, self.ctx, const)
        return const

    def _domain(self, const: z3.ExprRef, spec: FieldSpec, value: Open) -> z3.BoolRef:
        if spec.kind is Kind.BOOL:      # { min = true, max = true } is true alone, as { one_of = [true] }
            allowed = set(value.one_of) if value.one_of is not None else {
                v for v in (0, 1) if (value.lo is None or v >= value.lo) and (value.hi is None or v <= value.hi)}
            return self.true() if len(allowed) == 2 else self._member(const, [bool(v) for v in sorted(allowed)])
        if spec.kind is Kind.FLAGS:
            assert isinstance(const, z3.BitVecRef)
            if value.one_of is not None:
                return self._member(const, value.one_of)
            parts = [] if value.lo is None else [z3.UGE(const, z3.BitVecVal(value.lo, spec.width, self.ctx))]
            parts += [] if value.hi is None else [z3.ULE(const, z3.BitVecVal(value.hi, spec.width, self.ctx))]
            return z3.And(parts) if parts else self.true()
        hi = C.MAXIMUM_GROUPS * self.per_group - 1 if spec.kind is Kind.PROCESSOR else spec.hi
        return self.int_domain(const, spec.lo, hi, value)

    def int_domain(self, const: z3.ArithRef, lo: int, hi: int, value: Open) -> z3.BoolRef:
        if value.one_of is not None:
            return self._member(const, [v for v in value.one_of if lo <= v <= hi])
        lo = lo if value.lo is None else max(lo, value.lo)
        hi = hi if value.hi is None else min(hi, value.hi)
        return z3.And(const >= lo, const <= hi)

    def _member(self, const: z3.ExprRef, values: Collection[int]) -> z3.BoolRef:
        return self.lift(equals_any(const, values))  # type: ignore[return-value]

    def given(self, record: Record, name: str) -> bool:
        return not isinstance(record.values[name], Open)

    # -- INF keywords -------------------------------------------------------------------------------
    def inf_present(self, name: str) -> bool:
        return name.lower() in self.config.inf

    def inf(self, name: str) -> IntTerm | None:
        """The value in effect: the listed value, else the documented default (rules.md A31 for hidden
        keywords, per policy); None when absent with no default."""
        path = f"inf.{K.lookup(name).name if K.lookup(name) else name}"
        self._touch(path)
        if path in self._terms:
            return self._terms[path]  # type: ignore[return-value]
        keyword = self.config.inf.get(name.lower())
        spec = K.lookup(name)
        term: IntTerm | None
        if keyword is None:
            if spec is not None and spec.hidden and self.config.policy.absent_hidden_keywords == "open":
                term = z3.Int(path, self.ctx)
                self.refs[path] = FieldRef(path, None, given=False)
                self.domains[path] = z3.Or([term == v for v in spec.values])
            else:
                default = K.default_of(name, self.config.adapter.arch)
                term = default
        elif isinstance(keyword.value, str):
            term = None
        elif isinstance(keyword.value, Open):
            term = z3.Int(path, self.ctx)
            self.refs[path] = FieldRef(path, None, given=False)
            self.domains[path] = self.int_domain(term, 0, C.ULONG_MAX, keyword.value)
        elif self.fold_fixed:
            term = keyword.value
        else:
            term = z3.Int(path, self.ctx)
            self.refs[path] = FieldRef(path, None, given=True)
            self.bindings[path] = term == keyword.value
        if term is not None:
            self._terms[path] = term
        self.origins[path] = (None, name)
        return term

    # -- tracked terms (explain, repair) -------------------------------------------------------------
    def term_of(self, path: str) -> z3.ExprRef:
        """The z3 constant of a field or keyword this query has built (a key of `refs`)."""
        return self._terms[path]

    def type_range(self, path: str) -> z3.BoolRef:
        """The range of a constant's type (its FieldSpec's, or a registry DWORD's): the values a fixed field
        may take once its binding is dropped (explain) or given up (repair)."""
        term = self._terms[path]
        ref = self.refs[path]
        if ref.spec is None:
            return self.int_domain(term, 0, C.ULONG_MAX, Open())  # type: ignore[arg-type]
        return self._domain(term, ref.spec, Open())

    # -- reading values back ------------------------------------------------------------------------
    def display(self, path: str, model_value: int | bool | None = None) -> object:
        """A field's value for reports: flags as names, processors as "group:number", else the number.
        `model_value` is the solver's choice for an open field; otherwise the given (or default) value."""
        record, name = self.origins.get(path, (None, path))
        if record is None:
            keyword = self.config.inf.get(name.lower())
            if model_value is not None:
                return model_value
            if keyword is None:
                default = K.default_of(name, self.config.adapter.arch)
                return "absent" if default is None else f"absent (default {default})"
            return keyword.value if not isinstance(keyword.value, Open) else keyword.value.describe()
        spec = record.specs[name]
        value = record.values[name] if model_value is None else model_value
        if isinstance(value, Open):
            return value.describe()
        if isinstance(value, SizeOfRevision):
            revision = record.values["revision"]
            return dict(value.sizes).get(revision, 0) if isinstance(revision, int) else "size of revision"
        if isinstance(value, KeywordValue):
            return f"as {value.keyword}"
        if spec.kind is Kind.FLAGS and spec.flags is not None:
            return spec.flags.names_of(int(value), self.config.adapter.ndis_version)
        if spec.kind is Kind.PROCESSOR:
            return self.show_processor(int(value))
        if spec.kind is Kind.BOOL:
            return bool(value)
        return hex(int(value)) if spec.hi > C.ULONG_MAX else value

    # -- helpers over processors --------------------------------------------------------------------
    def in_set(self, term: IntTerm, cpus: Collection[int]) -> BoolTerm:
        """term ∈ cpus, as a disjunction of intervals of consecutive processor indexes."""
        if isinstance(term, int):
            return term in cpus
        ranges: list[tuple[int, int]] = []
        for cpu in sorted(set(cpus)):
            if ranges and cpu == ranges[-1][1] + 1:
                ranges[-1] = (ranges[-1][0], cpu)
            else:
                ranges.append((cpu, cpu))
        return Or([term == lo if lo == hi else z3.And(term >= lo, term <= hi) for lo, hi in ranges])

    def show_processor(self, index: int) -> str:
        return format_processor(index, self.per_group)


def has(flags_term: FlagsTerm, bit: int) -> BoolTerm:
    return (flags_term & bit) != 0


def pow2(term: IntTerm) -> BoolTerm:
    """term is a power of two (32-bit unsigned range)."""
    if isinstance(term, int):
        return term > 0 and term & (term - 1) == 0
    return equals_any(term, [1 << k for k in range(32)])


def nextpow2(term: IntTerm) -> IntTerm:
    """The smallest power of two ≥ term (1 for term ≤ 1), for the 32-bit range."""
    if isinstance(term, int):
        return 1 << (max(1, term) - 1).bit_length()
    ctx, ast = term.ctx, term.as_ast()
    ref = ctx.ref()
    sort = z3.Z3_get_sort(ref, ast)
    result: z3.ArithRef = z3.IntVal(1 << 32, ctx)
    for k in range(31, -1, -1):      # through the C API, as logic.equals_any (z3's operators check sorts at length)
        power = z3.ArithRef(z3.Z3_mk_numeral(ref, str(1 << k), sort), ctx)
        result = z3.ArithRef(z3.Z3_mk_ite(ref, z3.Z3_mk_le(ref, ast, power.as_ast()), power.as_ast(),
                                          result.as_ast()), ctx)
    return result


def bool_to_int(term: BoolTerm) -> IntTerm:
    if isinstance(term, bool):
        return int(term)
    return z3.If(term, z3.IntVal(1, term.ctx), z3.IntVal(0, term.ctx))
