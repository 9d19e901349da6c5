"""The symbolic mirror of a Config: every scalar field a z3 term named by its dotted path.

Fixed fields are bound to their values: folded into literals (the default, so ground obligations are decided
by simplification), or, with `fold_fixed=False`, kept as named constants with one tracked binding each (the
form `explain` needs). Open fields are named constants, free within their domains.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import z3

from vmqproof.model import constants as C
from vmqproof.model import keywords as K
from vmqproof.model.config import Config, FieldSpec, Kind, Open, Record, SizeOfRevision, format_processor


@dataclass(frozen=True, slots=True)
class FieldRef:
    """What a z3 constant stands for, so a model can be read back as field values."""

    path: str
    spec: FieldSpec | None      # None for INF keywords
    given: bool


class Symbolic:
    def __init__(self, config: Config, ctx: z3.Context | None = None, fold_fixed: bool = True) -> None:
        self.config = config
        self.ctx = ctx if ctx is not None else z3.Context()
        self.fold_fixed = fold_fixed
        self.per_group = config.adapter.procs_per_group
        self.refs: dict[str, FieldRef] = {}
        self.domains: dict[str, z3.BoolRef] = {}
        self.bindings: dict[str, z3.BoolRef] = {}
        self.origins: dict[str, tuple[Record | None, str]] = {}
        self._terms: dict[str, z3.ExprRef] = {}
        self._reads: list[list[str]] = []

    # -- tracking which fields an obligation reads --------------------------------------------------
    @contextmanager
    def reading(self) -> Iterator[list[str]]:
        reads: list[str] = []
        self._reads.append(reads)
        try:
            yield reads
        finally:
            self._reads.pop()

    def _touch(self, path: str) -> None:
        for reads in self._reads:
            if path not in reads:
                reads.append(path)

    # -- literals -----------------------------------------------------------------------------------
    def int_val(self, value: int) -> z3.ArithRef:
        return z3.IntVal(value, self.ctx)

    def bool_val(self, value: bool) -> z3.BoolRef:
        return z3.BoolVal(value, self.ctx)

    def bv_val(self, value: int, width: int = 32) -> z3.BitVecRef:
        return z3.BitVecVal(value, width, self.ctx)

    def true(self) -> z3.BoolRef:
        return self.bool_val(True)

    def false(self) -> z3.BoolRef:
        return self.bool_val(False)

    # -- fields -------------------------------------------------------------------------------------
    def field(self, record: Record, name: str) -> z3.ExprRef:
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

    def _literal(self, spec: FieldSpec, value: int | bool) -> z3.ExprRef:
        if spec.kind is Kind.FLAGS:
            return self.bv_val(int(value), spec.width)
        if spec.kind is Kind.BOOL:
            return self.bool_val(bool(value))
        return self.int_val(int(value))

    def _make(self, record: Record, name: str, path: str) -> z3.ExprRef:
        spec = record.specs[name]
        value = record.values[name]
        if spec.kind is Kind.STRING:
            raise TypeError(f"{path} is a string field; rules compare strings concretely")
        if isinstance(value, SizeOfRevision):
            revision = self.field(record, "revision")
            term: z3.ExprRef = self.int_val(0)
            for rev, size in reversed(value.sizes):
                term = z3.If(revision == rev, self.int_val(size), term)
            return z3.simplify(term)
        if isinstance(value, Open):
            const = self._const(spec, path)
            self.refs[path] = FieldRef(path, spec, given=False)
            self.domains[path] = self._domain(const, spec, value)
            return const
        literal = self._literal(spec, value)
        if self.fold_fixed:
            return literal
        const = self._const(spec, path)
        self.refs[path] = FieldRef(path, spec, given=True)
        self.bindings[path] = const == literal
        return const

    def _domain(self, const: z3.ExprRef, spec: FieldSpec, value: Open) -> z3.BoolRef:
        if spec.kind is Kind.BOOL:
            if value.one_of is not None:
                return z3.Or([const == self.bool_val(bool(v)) for v in value.one_of])
            return self.true()
        if spec.kind is Kind.FLAGS:
            assert isinstance(const, z3.BitVecRef)
            if value.one_of is not None:
                return z3.Or([const == self.bv_val(v, spec.width) for v in value.one_of])
            parts = [] if value.lo is None else [z3.UGE(const, self.bv_val(value.lo, spec.width))]
            parts += [] if value.hi is None else [z3.ULE(const, self.bv_val(value.hi, spec.width))]
            return z3.And(parts) if parts else self.true()
        hi = C.MAXIMUM_GROUPS * self.per_group - 1 if spec.kind is Kind.PROCESSOR else spec.hi
        return self.int_domain(const, spec.lo, hi, value)

    def int_domain(self, const: z3.ArithRef, lo: int, hi: int, value: Open) -> z3.BoolRef:
        if value.one_of is not None:
            return z3.Or([const == v for v in value.one_of if lo <= v <= hi] or [self.false()])
        lo = lo if value.lo is None else max(lo, value.lo)
        hi = hi if value.hi is None else min(hi, value.hi)
        return z3.And(const >= lo, const <= hi)

    def given(self, record: Record, name: str) -> bool:
        return not isinstance(record.values[name], Open)

    # -- INF keywords -------------------------------------------------------------------------------
    def inf_present(self, name: str) -> bool:
        return name.lower() in self.config.inf

    def inf(self, name: str) -> z3.ArithRef | None:
        """The value in effect: the listed value, else the documented default (rules.md A31 for hidden
        keywords, per policy); None when absent with no default."""
        path = f"inf.{K.lookup(name).name if K.lookup(name) else name}"
        self._touch(path)
        if path in self._terms:
            return self._terms[path]  # type: ignore[return-value]
        keyword = self.config.inf.get(name.lower())
        spec = K.lookup(name)
        term: z3.ArithRef | None
        if keyword is None:
            if spec is not None and spec.hidden and self.config.policy.absent_hidden_keywords == "open":
                term = z3.Int(path, self.ctx)
                self.refs[path] = FieldRef(path, None, given=False)
                self.domains[path] = z3.Or([term == v for v in spec.values])
            else:
                default = K.default_of(name, self.config.adapter.arch)
                term = None if default is None else self.int_val(default)
        elif isinstance(keyword.value, str):
            term = None
        elif isinstance(keyword.value, Open):
            term = z3.Int(path, self.ctx)
            self.refs[path] = FieldRef(path, None, given=False)
            self.domains[path] = self.int_domain(term, 0, C.ULONG_MAX, keyword.value)
        elif self.fold_fixed:
            term = self.int_val(keyword.value)
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
        if spec.kind is Kind.FLAGS and spec.flags is not None:
            return spec.flags.names_of(int(value), self.config.adapter.ndis_version)
        if spec.kind is Kind.PROCESSOR:
            return self.show_processor(int(value))
        if spec.kind is Kind.BOOL:
            return bool(value)
        return hex(int(value)) if spec.hi > C.ULONG_MAX else value

    # -- helpers over processors --------------------------------------------------------------------
    def in_set(self, term: z3.ArithRef, cpus: Collection[int]) -> z3.BoolRef:
        """term ∈ cpus, as a disjunction of intervals of consecutive processor indexes."""
        if z3.is_int_value(term):
            return self.bool_val(term.as_long() in cpus)
        ranges: list[tuple[int, int]] = []
        for cpu in sorted(set(cpus)):
            if ranges and cpu == ranges[-1][1] + 1:
                ranges[-1] = (ranges[-1][0], cpu)
            else:
                ranges.append((cpu, cpu))
        return z3.Or([term == lo if lo == hi else z3.And(term >= lo, term <= hi) for lo, hi in ranges]
                     or [self.false()])

    def show_processor(self, index: int) -> str:
        return format_processor(index, self.per_group)


def has(flags_term: z3.BitVecRef, bit: int) -> z3.BoolRef:
    return (flags_term & bit) != 0


def pow2(term: z3.ArithRef) -> z3.BoolRef:
    """term is a power of two (32-bit unsigned range)."""
    if z3.is_int_value(term):
        value = term.as_long()
        return z3.BoolVal(value > 0 and value & (value - 1) == 0, term.ctx)
    return z3.Or([term == (1 << k) for k in range(32)])


def nextpow2(term: z3.ArithRef) -> z3.ArithRef:
    """The smallest power of two ≥ term (1 for term ≤ 1), for the 32-bit range."""
    if z3.is_int_value(term):
        value = max(1, term.as_long())
        return z3.IntVal(1 << (value - 1).bit_length(), term.ctx)
    result: z3.ArithRef = z3.IntVal(1 << 32, term.ctx)
    for k in range(31, -1, -1):
        result = z3.If(term <= (1 << k), z3.IntVal(1 << k, term.ctx), result)
    return result


def bool_to_int(term: z3.BoolRef) -> z3.ArithRef:
    return z3.If(term, z3.IntVal(1, term.ctx), z3.IntVal(0, term.ctx))
