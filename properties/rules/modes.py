"""The catalog's mode predicates (rules.md §2.0), derived as design.md says.

`*_sup` come from the hardware capabilities; `vmq_en`, `sriov_en`, `rss_en` follow the keyword table
INF-SRIOV-2 from `[inf]` (absent hidden keywords count as 0 unless the policy says "open"); `vmmq_en` holds
when some VPort has `vmmq = true`.
"""

from __future__ import annotations

from dataclasses import dataclass

from vmqproof.model.config import constants as C
from vmqproof.model.config.schema import Config
from vmqproof.model.smt.logic import And, BoolTerm, Not, Or
from vmqproof.model.smt.symbolic import Symbolic, has


@dataclass(frozen=True, slots=True)
class Modes:
    vmq_sup: BoolTerm
    sriov_sup: BoolTerm
    rss_sup: BoolTerm
    vmmq_sup: BoolTerm
    vmq_en: BoolTerm
    sriov_en: BoolTerm
    rss_en: BoolTerm
    vmmq_en: BoolTerm
    selection_unspecified: BoolTerm     # a keyword combination the INF-SRIOV-2 table leaves out (A33)


def keyword_equals(sym: Symbolic, name: str, expected: int) -> BoolTerm:
    """INF.name = expected, with an absent keyword at its default (A31 for hidden ones); false when it has none."""
    value = sym.inf(name)
    return False if value is None else value == expected


def keyword_is_one(sym: Symbolic, name: str) -> BoolTerm:
    return keyword_equals(sym, name, 1)


def derive_modes(config: Config, sym: Symbolic) -> Modes:
    rfc_hw = config.structure("receive_filter.hardware")
    nsc_hw = config.structure("nic_switch.hardware")
    vmq_sup = False if rfc_hw is None else has(sym.field(rfc_hw, "supported_queue_properties"),
                                                     C.SQP_VM_QUEUE)
    sriov_sup = False if nsc_hw is None else sym.field(nsc_hw, "max_num_vfs") > 0
    rss_sup = bool(config.structure("rss_capabilities") is not None)
    vmmq_sup = False if nsc_hw is None else has(sym.field(nsc_hw, "nic_switch_capabilities"),
                                                      C.CAPS_RSS_ON_PF_VPORTS)
    sp = keyword_is_one(sym, "*SriovPreferred")
    vp = keyword_is_one(sym, "*RssOrVmqPreference")
    sriov = keyword_is_one(sym, "*SRIOV")
    vmq = keyword_is_one(sym, "*VMQ")
    rss = keyword_is_one(sym, "*RSS")
    vmmq_en = Or([sym.field(v.record, "vmmq") for v in config.vports] or [False])
    return Modes(
        vmq_sup=vmq_sup, sriov_sup=sriov_sup, rss_sup=rss_sup, vmmq_sup=vmmq_sup,
        vmq_en=And(vp, vmq),
        sriov_en=And(sp, vp, sriov, vmq),
        rss_en=And(Not(sp), Not(vp), rss),
        vmmq_en=vmmq_en,
        selection_unspecified=And(sp, Or(And(Not(vp), Or(sriov, vmq)),
                                               And(vp, Not(vmq), sriov))),
    )
