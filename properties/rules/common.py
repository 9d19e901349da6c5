"""Small helpers shared by the rule modules."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from vmqproof.model import constants as C
from vmqproof.model.config import Config, Open, Record, VPort
from vmqproof.model.logic import And, BoolTerm, If, IntTerm, Or, Sum
from vmqproof.model.symbolic import Symbolic

HEADER = frozenset({"type", "revision", "size"})


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
    open_fields = []
    for name, value in record.values.items():
        if name in HEADER:
            continue
        if isinstance(value, Open):
            open_fields.append(sym.field(record, name) != 0)
        elif value:
            return True
    return Or(open_fields) if open_fields else False


def header_is(sym: Symbolic, record: Record, sizes: dict[int, int],
              object_type: int = C.NDIS_OBJECT_TYPE_DEFAULT) -> BoolTerm:
    """The NDIS_OBJECT_HEADER has `object_type` and one of the revisions of `sizes` with that revision's size."""
    revision, size = sym.field(record, "revision"), sym.field(record, "size")
    return And(sym.field(record, "type") == object_type,
               Or([And(revision == r, size == s) for r, s in sizes.items()]))
