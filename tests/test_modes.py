"""The mode predicates of properties/rules/modes.py, derived as design.md says: *_sup from the hardware capabilities,
vmq_en / sriov_en / rss_en from the INF-SRIOV-2 keyword table, vmmq_en from the VPorts."""

from __future__ import annotations

import itertools

import pytest
import z3
from vmqproof.model.readers.dispatch import loads_config
from vmqproof.model.smt.logic import BoolTerm, Not
from vmqproof.model.smt.symbolic import Symbolic
from vmqproof.properties.rules.modes import Modes, derive_modes

ABSENT = None
NA = (0, 1, ABSENT)
KEYWORDS = ("*SriovPreferred", "*RssOrVmqPreference", "*SRIOV", "*VMQ", "*RSS")

# INF-SRIOV-2, one entry per row: the alternatives of each keyword column, then the enabled interfaces.
TABLE = [
    ("sriov-and-vmq", ((1,), (1,), (1,), (1,), NA), {"sriov", "vmq"}),
    ("vmq-with-sriov-preferred", ((1,), (1,), (0,), (1,), NA), {"vmq"}),
    ("none-with-sriov-preferred", ((1,), (1, 0, ABSENT), (0,), (0,), NA), set()),
    ("vmq", ((0, ABSENT), (1,), NA, (1,), NA), {"vmq"}),
    ("none-with-vmq-preference", ((0, ABSENT), (1,), NA, (0,), NA), set()),
    ("rss", ((0, ABSENT), (0, ABSENT), NA, NA, (1,)), {"rss"}),
    ("none-with-rss-preference", ((0, ABSENT), (0, ABSENT), NA, NA, (0,)), set()),
]


def derive(toml: str) -> tuple[Modes, Symbolic]:
    config = loads_config('format = "vmqproof/1"\n' + toml)
    sym = Symbolic(config)
    return derive_modes(config, sym), sym


def inf(values: dict[str, int | str | None]) -> str:
    return "[inf]\n" + "".join(f'"{k}" = {v}\n' for k, v in values.items() if v is not None)


def fixed(term: BoolTerm) -> bool:
    """A mode over fixed fields folds to a Python bool."""
    assert isinstance(term, bool), f"{term} depends on open values"
    return term


def outcomes(sym: Symbolic, term: BoolTerm) -> set[bool]:
    """The values `term` takes over the completions of the open fields."""
    found = set()
    for wanted in (True, False):
        solver = z3.Solver(ctx=sym.ctx)
        solver.add(*sym.domains.values(), sym.lift(term if wanted else Not(term)))
        if solver.check() == z3.sat:
            found.add(wanted)
    return found


def enabled(modes: Modes) -> set[str]:
    terms = {"sriov": modes.sriov_en, "vmq": modes.vmq_en, "rss": modes.rss_en}
    return {name for name, term in terms.items() if fixed(term)}


@pytest.mark.parametrize(("columns", "expected"), [row[1:] for row in TABLE], ids=[row[0] for row in TABLE])
def test_selection_table_row(columns: tuple[tuple[int | None, ...], ...], expected: set[str]) -> None:
    for values in itertools.product(*columns):
        modes, _ = derive(inf(dict(zip(KEYWORDS, values))))
        assert enabled(modes) == expected, values
        assert not fixed(modes.selection_unspecified), values


@pytest.mark.parametrize("values", list(itertools.product((0, 1), repeat=5)), ids=lambda v: "".join(map(str, v)))
def test_unspecified_exactly_off_table(values: tuple[int, ...]) -> None:
    modes, _ = derive(inf(dict(zip(KEYWORDS, values))))
    on_table = any(all(v in alternatives for v, alternatives in zip(values, columns)) for _, columns, _ in TABLE)
    assert fixed(modes.selection_unspecified) is not on_table
    if not on_table:
        assert enabled(modes) == set()


@pytest.mark.parametrize("values", [
    {"*SriovPreferred": 1, "*SRIOV": 1},
    {"*SriovPreferred": 1, "*RssOrVmqPreference": 0, "*SRIOV": 1, "*VMQ": 0},
    {"*SriovPreferred": 1, "*RssOrVmqPreference": 1, "*SRIOV": 1, "*VMQ": 0},
], ids=["sriov-rss-preference", "sriov-rss-preference-vmq-off", "sriov-vmq-preference-vmq-off"])
def test_a33_gaps_are_unspecified(values: dict[str, int]) -> None:
    modes, _ = derive(inf(values))
    assert fixed(modes.selection_unspecified)


def test_absent_keywords_take_their_defaults() -> None:
    # Hidden keywords absent count as 0 (A31); *RSS, *VMQ, *SRIOV default to 1.
    assert enabled(derive("[inf]\n")[0]) == {"rss"}
    assert enabled(derive(inf({"*SRIOV": 1, "*VMQ": 1}))[0]) == {"rss"}
    assert enabled(derive(inf({"*RssOrVmqPreference": 1}))[0]) == {"vmq"}
    assert enabled(derive(inf({"*SriovPreferred": 1, "*RssOrVmqPreference": 1}))[0]) == {"sriov", "vmq"}


def test_open_policy_leaves_absent_hidden_keywords_open() -> None:
    modes, sym = derive('[policy]\nabsent_hidden_keywords = "open"\n' + inf({"*VMQ": 1, "*SRIOV": 0}))
    for term in (modes.vmq_en, modes.rss_en, modes.selection_unspecified):
        assert outcomes(sym, term) == {True, False}
    assert outcomes(sym, modes.sriov_en) == {False}
    preference = sym.inf("*SriovPreferred")
    assert preference is not None and outcomes(sym, z3.Or(preference == 0, preference == 1)) == {True}


def test_open_policy_keeps_listed_hidden_keywords() -> None:
    modes, sym = derive('[policy]\nabsent_hidden_keywords = "open"\n'
                        + inf({"*SriovPreferred": 0, "*RssOrVmqPreference": 1, "*VMQ": 1}))
    assert enabled(modes) == {"vmq"} and not fixed(modes.selection_unspecified)
    assert not sym.domains


def test_open_keyword_value() -> None:
    modes, sym = derive(inf({"*RssOrVmqPreference": 1, "*VMQ": '"?"'}))
    assert outcomes(sym, modes.vmq_en) == {True, False}
    assert outcomes(sym, modes.rss_en) == {False}


@pytest.mark.parametrize(("toml", "expected"), [
    ("", False),
    ('[receive_filter.hardware]\nsupported_queue_properties = ["MSI_X_SUPPORTED"]\n', False),
    ('[receive_filter.hardware]\nsupported_queue_properties = ["MSI_X_SUPPORTED", "VM_QUEUE_SUPPORTED"]\n', True),
    ('[receive_filter.current]\nsupported_queue_properties = ["VM_QUEUE_SUPPORTED"]\n', False),
], ids=["absent", "without-vm-queue", "with-vm-queue", "current-only"])
def test_vmq_sup(toml: str, expected: bool) -> None:
    assert fixed(derive(toml)[0].vmq_sup) is expected


@pytest.mark.parametrize(("toml", "expected"), [
    ("", False),
    ("[nic_switch.hardware]\nrevision = 3\nmax_num_vfs = 0\n", False),
    ("[nic_switch.hardware]\nrevision = 3\nmax_num_vfs = 4\n", True),
    ("[nic_switch.current]\nrevision = 3\nmax_num_vfs = 4\n", False),
], ids=["absent", "no-vfs", "vfs", "current-only"])
def test_sriov_sup(toml: str, expected: bool) -> None:
    assert fixed(derive(toml)[0].sriov_sup) is expected


@pytest.mark.parametrize(("toml", "expected"), [
    ("", False),
    ("[rss_capabilities]\nrevision = 3\n", True),
], ids=["absent", "present"])
def test_rss_sup(toml: str, expected: bool) -> None:
    assert fixed(derive(toml)[0].rss_sup) is expected


@pytest.mark.parametrize(("toml", "expected"), [
    ("", False),
    ('[nic_switch.hardware]\nrevision = 3\nnic_switch_capabilities = ["SINGLE_VPORT_POOL"]\n', False),
    ('[nic_switch.hardware]\nrevision = 3\nnic_switch_capabilities = ["RSS_ON_PF_VPORTS_SUPPORTED"]\n', True),
    ('[nic_switch.current]\nrevision = 3\nnic_switch_capabilities = ["RSS_ON_PF_VPORTS_SUPPORTED"]\n', False),
], ids=["absent", "without-rss-on-pf-vports", "with-rss-on-pf-vports", "current-only"])
def test_vmmq_sup(toml: str, expected: bool) -> None:
    assert fixed(derive(toml)[0].vmmq_sup) is expected


def test_sup_open_flags() -> None:
    modes, sym = derive('[receive_filter.hardware]\nsupported_queue_properties = "?"\n'
                        '[nic_switch.hardware]\nrevision = 3\nmax_num_vfs = { min = 0, max = 2 }\n'
                        'nic_switch_capabilities = { one_of = [0x10, 0x90] }\n')
    for term in (modes.vmq_sup, modes.sriov_sup, modes.vmmq_sup):
        assert outcomes(sym, term) == {True, False}


def vport(index: int, vmmq: str) -> str:
    return f"[[vports]]\nid = {index}\nnum_queue_pairs = 2\nvmmq = {vmmq}\n"


@pytest.mark.parametrize(("toml", "expected"), [
    ("", False),
    (vport(0, "false") + vport(1, "false"), False),
    (vport(0, "false") + vport(1, "true"), True),
], ids=["no-vports", "none-vmmq", "one-vmmq"])
def test_vmmq_en(toml: str, expected: bool) -> None:
    assert fixed(derive(toml)[0].vmmq_en) is expected


def test_vmmq_en_open() -> None:
    modes, sym = derive(vport(0, "false") + vport(1, '"?"'))
    assert outcomes(sym, modes.vmmq_en) == {True, False}
