"""Small helpers shared by the rule modules."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from vmqproof.model.config import constants as C
from vmqproof.model.config.fields import Open
from vmqproof.model.config.schema import Config, Record, VPort
from vmqproof.model.smt.logic import And, BoolTerm, If, IntTerm, Or, Sum
from vmqproof.model.smt.symbolic import Symbolic
from vmqproof.properties.rules.registry import Obligation, RuleContext

HEADER = frozenset({"type", "revision", "size"})

SectionFormula = Callable[[Record], BoolTerm]       # a formula over one capabilities section


def present(config: Config, *sections: str) -> Iterator[Record]:
    """The named structure sections that the file describes, in the order given."""
    for section in sections:
        record = config.structure(section)
        if record is not None:
            yield record


def count_equal(sym: Symbolic, terms: Sequence[IntTerm], target: int) -> IntTerm | int:
    """How many of `terms` equal `target`: a Python int when all are fixed, else a z3 sum."""
    fixed = sum(1 for t in terms if isinstance(t, int) and t == target)
    open_terms = [t for t in terms if not isinstance(t, int)]
    if not open_terms:
        return fixed
    return Sum([If(t == target, 1, 0) for t in open_terms]) + fixed


def processors(sym: Symbolic, cpus: Sequence[int]) -> str:
    return ", ".join(sym.show_processor(c) for c in cpus) or "none"


def vport_name(vport: VPort) -> str:
    return f"{vport.record.path} (VPort {vport.id})"


def non_default(vports: Sequence[VPort]) -> list[VPort]:
    return [v for v in vports if v.id != 0]


def default_vport(vports: Sequence[VPort]) -> VPort | None:
    """The default VPort (NDIS_DEFAULT_VPORT_ID = 0), if the configuration lists it."""
    return next((v for v in vports if v.id == 0), None)


def pf_vports(config: Config) -> list[VPort]:
    return [v for v in config.vports if v.is_pf]


def not_zeroed(sym: Symbolic, record: Record) -> BoolTerm:
    """rules.md A7 reading (iii): a current structure zeroed apart from its header stands for NULL."""
    def build() -> BoolTerm:
        open_fields = []
        for name, value in record.values.items():
            if name in HEADER:
                continue
            if isinstance(value, Open):
                open_fields.append(sym.field(record, name) != 0)
            elif value:
                return True
        return Or(open_fields) if open_fields else False
    return sym.shared(f"not_zeroed {record.path}", build)  # type: ignore[return-value]


def section_guards(sym: Symbolic, record: Record, since: int = 1, last_revision: int | None = None) -> list[BoolTerm]:
    """When a capabilities section's fields are constrained: a current structure zeroed apart from its header stands
    for NULL (A7 iii); a field of revision `since` exists only from that revision (only in it, when it is the
    structure's `last_revision`)."""
    guards = [] if record.path.endswith(".hardware") else [not_zeroed(sym, record)]
    if since > 1:
        revision = sym.field(record, "revision")
        guards.append(revision == since if since == last_revision else revision >= since)
    return guards


def per_section(cx: RuleContext, sections: Sequence[str], body: SectionFormula, message: str, *, since: int = 1,
                last_revision: int | None = None, premise: SectionFormula | None = None) -> Iterator[Obligation]:
    """One obligation per present section of `sections`, guarded by `section_guards` and the premise."""
    for record in present(cx.config, *sections):
        guards = section_guards(cx.sym, record, since, last_revision)
        if premise is not None:
            guards.append(premise(record))
        yield Obligation(record.path, body(record), message, guard=And(guards) if guards else None)


def header_is(sym: Symbolic, record: Record, sizes: dict[int, int],
              object_type: int = C.NDIS_OBJECT_TYPE_DEFAULT) -> BoolTerm:
    """The NDIS_OBJECT_HEADER has `object_type` and one of the revisions of `sizes` with that revision's size."""
    revision, size = sym.field(record, "revision"), sym.field(record, "size")
    return And(sym.field(record, "type") == object_type,
               Or([And(revision == r, size == s) for r, s in sizes.items()]))
