"""An independent, plain-Python evaluator of the encoded catalog rules, and a seeded generator of concrete configs.

Test-only support for `test_differential.py`. It deliberately imports nothing from `vmqproof` (no z3, no
`vmqproof.properties`, no `vmqproof.model.smt.symbolic`): it works on the raw configuration dict it generated and
re-implements the defaults of design.md itself (header size by revision, VPort defaults, absent INF keyword
defaults, hidden keywords absent = 0, the INF-SRIOV-2 table for vmq_en / sriov_en / rss_en) and each rule's
formula from rules.md, in the reading the encoding chose where rules.md leaves one open (the choice is named in
each rule's comment).

Verdicts are the strings "holds", "violated", "not-applicable" and "unspecified"; an evaluation is a list of
(instance, verdict) pairs per rule, with the instance "-" when the rule has no instance or is out of scope.

Beyond the structures: `[host]` (HOST-*: processor sets as decisions.md "[host]" defines them), `[trace]` (registry
reads and OID sequences, replayed as decisions.md "Traces" says; a ProcessorAffinity is a GROUP_AFFINITY mask, so
the order and repeats of its list never count), and driver INF files (`generate_inf` draws the declarations of each
model first and then writes them as INF text with the spellings a reader must see through; `evaluate_inf` decides
INF-DECL-*, INF-VMQ-2 and INF-VMMQ-2 on the declarations, model by model).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

HOLDS, VIOLATED, NA, UNSPECIFIED = "holds", "violated", "not-applicable", "unspecified"

# --------------------------------------------------------------------------------------------------------------
# Constants re-stated from rules.md §3 (not imported: the point is independence)
# --------------------------------------------------------------------------------------------------------------

SIZES = {
    "receive_filter.hardware": {1: 56, 2: 84},
    "receive_filter.current": {1: 56, 2: 84},
    "nic_switch.hardware": {1: 32, 2: 116, 3: 132},
    "nic_switch.current": {1: 32, 2: 116, 3: 132},
    "nic_switch.parameters": {1: 548, 2: 552},
    "rss_capabilities": {1: 16, 2: 18, 3: 18},
}
TYPES = {"rss_capabilities": 0x88}          # every other structure section: NDIS_OBJECT_TYPE_DEFAULT 0x80
PF = 0xFFFF                                  # NDIS_PF_FUNCTION_ID
MAXIMUM_GROUPS = 32
RSS_PARAMETERS_TYPE, RSS_PARAMETERS_SIZE_REV3 = 0x89, 44
# design.md: hash settings default to equal values across VPorts; these are the values the loader fills in
DEFAULT_HASH_INFORMATION = 0x1 | 0x100 | 0x200 | 0x400 | 0x1000
DEFAULT_HASH_KEY = int("6d5a56da255b0ec24167253d43a38fb0d0ca2bcbae7b30b477cb2da38030f20c"
                       "6a42b73bbeac01fa", 16)           # the well-known Toeplitz sample key

SQP_NAMES = {"MSI_X_SUPPORTED": 0x1, "VM_QUEUE_SUPPORTED": 0x2, "LOOKAHEAD_SPLIT_SUPPORTED": 0x4,
             "DYNAMIC_PROCESSOR_AFFINITY_CHANGE_SUPPORTED": 0x8, "INTERRUPT_VECTOR_COALESCING_SUPPORTED": 0x10,
             "ANY_VLAN_SUPPORTED": 0x20, "IMPLAT_MIN_OF_QUEUES_MODE": 0x40,
             "DYNAMIC_PROCESSOR_AFFINITY_CHANGE_FOR_DEFAULT_QUEUE_SUPPORTED": 0x40,
             "IMPLAT_SUM_OF_QUEUES_MODE": 0x80, "PACKET_COALESCING_SUPPORTED_ON_DEFAULT_QUEUE": 0x100}
CAPS_NAMES = {"VLAN_SUPPORTED": 0x1, "PER_VPORT_INTERRUPT_MODERATION_SUPPORTED": 0x2,
              "ASYMMETRIC_QUEUE_PAIRS_FOR_NONDEFAULT_VPORT_SUPPORTED": 0x4, "VF_RSS_SUPPORTED": 0x8,
              "SINGLE_VPORT_POOL": 0x10, "RSS_PARAMETERS_PER_PF_VPORT_SUPPORTED": 0x20,
              "NIC_SWITCH_WITHOUT_IOV_SUPPORTED": 0x40, "RSS_ON_PF_VPORTS_SUPPORTED": 0x80,
              "RSS_PER_PF_VPORT_INDIRECTION_TABLE_SUPPORTED": 0x100,
              "RSS_PER_PF_VPORT_HASH_FUNCTION_SUPPORTED": 0x200, "RSS_PER_PF_VPORT_HASH_TYPE_SUPPORTED": 0x400,
              "RSS_PER_PF_VPORT_HASH_KEY_SUPPORTED": 0x800,
              "RSS_PER_PF_VPORT_INDIRECTION_TABLE_SIZE_RESTRICTED": 0x1000}
FLAG_NAMES = {"supported_queue_properties": ("NDIS_RECEIVE_FILTER_", SQP_NAMES),
              "nic_switch_capabilities": ("NDIS_NIC_SWITCH_CAPS_", CAPS_NAMES)}

# rules.md §3.13: keyword → (default when absent, or None: no default)
KEYWORD_DEFAULTS: dict[str, int | None] = {
    "*RssOnHostVPorts": 1, "*VMQ": 1, "*VMQLookaheadSplit": 1, "*VMQVlanFiltering": 1,
    "*RssOrVmqPreference": 0, "*SRIOV": 1, "*SriovPreferred": 0, "*NumVFs": None, "*RSS": 1, "*RSSProfile": 4,
    "*RssBaseProcGroup": 0, "*NumaNodeId": 65535, "*RssBaseProcNumber": 0, "*MaxRssProcessors": 16,
    "*RssMaxProcNumber": None,  # MAXIMUM_PROC_PER_GROUP − 1: depends on the architecture (View.keyword)
    "*NumRSSQueues": 16, "*RssMaxProcGroup": 0,
}
CANONICAL = {name.lower(): name for name in KEYWORD_DEFAULTS}


def ndis_tuple(text: str) -> tuple[int, int]:
    """'6.30' → (6, 30); '6.1' is NDIS 6.1 = (6, 10); '6.0' = (6, 0)."""
    major, minor = text.split(".")
    return int(major), int(minor) * 10 if len(minor) == 1 else int(minor)


def pow2(n: int) -> bool:
    return n > 0 and n & (n - 1) == 0


def nextpow2(n: int) -> int:
    p = 1
    while p < n:
        p *= 2
    return p


# --------------------------------------------------------------------------------------------------------------
# The effective (defaulted) view of a raw configuration dict
# --------------------------------------------------------------------------------------------------------------

@dataclass
class VP:
    path: str
    id: int
    function_id: int
    num_queue_pairs: int
    vmmq: bool
    affinity: list[int]
    table: list[int] | None
    size: int                 # IndirectionTableSize in entries: given, else len(table), else 0
    size_known: bool          # a table or an explicit indirection_table_size
    default_cpu: int
    has_default: bool
    values: dict[str, int]

    @property
    def pf(self) -> bool:
        return self.function_id == PF


class View:
    def __init__(self, doc: dict[str, Any]) -> None:
        self.doc = doc
        adapter = doc.get("adapter", {})
        self.ndis = ndis_tuple(adapter.get("ndis", "6.60"))
        self.role = adapter.get("role", "pf")
        self.virtual = adapter.get("virtual", False)
        self.ppg = 32 if adapter.get("arch", "amd64") == "x86" else 64
        self.has_inf = "inf" in doc
        self.inf: dict[str, Any] = {}
        for key, value in doc.get("inf", {}).items():
            if isinstance(value, str) and value.strip().isdigit():
                value = int(value)
            self.inf[key.lower()] = value
        self.sections: dict[str, dict[str, int]] = {}
        for section in SIZES:
            group, _, part = section.partition(".")
            raw = doc.get(group, {}).get(part) if part else doc.get(group)
            if raw is not None:
                self.sections[section] = self._structure(section, raw)
        rpi = doc.get("rss_processors")
        self.rss: list[int] | None = None
        if rpi is not None:
            self.rss = [self.cpu(p["cpu"] if isinstance(p, dict) else p) for p in rpi.get("processors", [])]
        msix = doc.get("msix")
        self.msix: dict[str, Any] | None = None
        if msix is not None:
            self.msix = {"table_size": msix.get("table_size", 0),
                         "vectors": [(v["kind"], self.cpu(v["cpu"]) if "cpu" in v else 0)
                                     for v in msix.get("vectors", [])]}
        self.vports = [self._vport(i, raw) for i, raw in enumerate(doc.get("vports", []))]
        self.queues = doc.get("queues", [])
        policy = doc.get("policy", {})
        self.reading = policy.get("msix_minimum_reading", "R2a")
        self.queue_count = policy.get("msix_queue_count", "num_queues_plus_one")
        self.exactly_one = policy.get("vectors_per_processor", "at-most-one") == "exactly-one"
        self.exponent = policy.get("queue_pairs_power_of_two", "value") == "exponent"
        self.caps_reading = policy.get("current_caps_when_disabled", "zeroed")
        self.num_queues_reading = policy.get("sriov_and_vmq_num_queues", "sriov-wins")

    # -- helpers -----------------------------------------------------------------------------------------------
    def cpu(self, text: str) -> int:
        group, number = (int(x) for x in text.split(":"))
        return group * self.ppg + number

    @staticmethod
    def _flags(name: str, value: Any) -> int:
        if isinstance(value, int):
            return value
        prefix, names = FLAG_NAMES[name]
        result = 0
        for item in value:
            if isinstance(item, int):
                result |= item
            else:
                result |= names[item.upper().removeprefix(prefix)]
        return result

    def _structure(self, section: str, raw: dict[str, Any]) -> dict[str, int]:
        revision = raw.get("revision", 0)      # a zero-initialised structure: an omitted revision is 0
        values: dict[str, Any] = {"type": TYPES.get(section, 0x80), "revision": revision,
                                  "size": SIZES[section].get(revision, 0)}
        for name, value in raw.items():
            values[name] = self._flags(name, value) if isinstance(value, list) else value
        return values

    def _vport(self, index: int, raw: dict[str, Any]) -> VP:
        attached = raw.get("attached", "pf")
        function_id = PF if attached == "pf" else int(attached.split(":")[1])
        table = [self.cpu(c) for c in raw["indirection_table"]] if "indirection_table" in raw else None
        size = raw.get("indirection_table_size", len(table) if table is not None else 0)
        has_default = "default_processor" in raw or bool(table)
        default_cpu = self.cpu(raw["default_processor"]) if "default_processor" in raw else (
            table[0] if table else 0)
        key = raw.get("hash_secret_key", DEFAULT_HASH_KEY)
        if isinstance(key, str):
            key = int(key.strip().removeprefix("0x"), 16)
        values = {"rss_type": raw.get("rss_type", RSS_PARAMETERS_TYPE), "rss_revision": raw.get("rss_revision", 3),
                  "rss_size": raw.get("rss_size", RSS_PARAMETERS_SIZE_REV3),
                  "base_cpu_number": raw.get("base_cpu_number", 0),
                  "hash_information": raw.get("hash_information", DEFAULT_HASH_INFORMATION), "hash_key": key}
        return VP(f"vports[{index}]", raw["id"], function_id, raw["num_queue_pairs"], raw.get("vmmq", False),
                  [self.cpu(c) for c in raw.get("processor_affinity", [])], table, size,
                  table is not None or "indirection_table_size" in raw, default_cpu, has_default, values)

    def present(self, name: str) -> bool:
        return name.lower() in self.inf

    def keyword(self, name: str) -> int | None:
        """The value in effect: the listed value, else the documented default (None: absent, no default)."""
        if name.lower() in self.inf:
            return self.inf[name.lower()]
        if name == "*RssMaxProcNumber":
            return self.ppg - 1
        return KEYWORD_DEFAULTS[name]

    def is_one(self, name: str) -> bool:
        return self.keyword(name) == 1

    def s(self, section: str) -> dict[str, int] | None:
        return self.sections.get(section)

    # -- mode predicates (rules.md §2.0, design.md "Mode predicates") ------------------------------------------
    @property
    def vmq_sup(self) -> bool:
        rfc = self.s("receive_filter.hardware")
        return rfc is not None and bool(rfc.get("supported_queue_properties", 0) & 0x2)

    @property
    def sriov_sup(self) -> bool:
        nsc = self.s("nic_switch.hardware")
        return nsc is not None and nsc.get("max_num_vfs", 0) > 0

    @property
    def vmmq_sup(self) -> bool:
        nsc = self.s("nic_switch.hardware")
        return nsc is not None and bool(nsc.get("nic_switch_capabilities", 0) & 0x80)

    def _table_row(self) -> tuple[bool, bool, bool, bool, bool]:
        return (self.is_one("*SriovPreferred"), self.is_one("*RssOrVmqPreference"), self.is_one("*SRIOV"),
                self.is_one("*VMQ"), self.is_one("*RSS"))

    @property
    def selection(self) -> str | None:
        """The enabled interface(s) by the INF-SRIOV-2 table, or None for a row the table leaves out (A33)."""
        sp, vp, sriov, vmq, rss = self._table_row()
        if sp:
            if vp and sriov and vmq:
                return "sriov+vmq"
            if vp and not sriov and vmq:
                return "vmq"
            if not sriov and not vmq:
                return "none"
            return None
        if vp:
            return "vmq" if vmq else "none"
        return "rss" if rss else "none"

    @property
    def vmq_en(self) -> bool:
        return self.selection in ("vmq", "sriov+vmq")

    @property
    def sriov_en(self) -> bool:
        return self.selection == "sriov+vmq"

    @property
    def vmmq_en(self) -> bool:
        return any(v.vmmq for v in self.vports)


# --------------------------------------------------------------------------------------------------------------
# Rules
# --------------------------------------------------------------------------------------------------------------

Outcome = list[tuple[str, str]]


def ob(instance: str, guard: bool, body: bool, unspecified: bool = False) -> tuple[str, str]:
    """guard ⇒ body on a concrete configuration."""
    if not guard:
        return instance, NA
    if body:
        return instance, HOLDS
    return instance, UNSPECIFIED if unspecified else VIOLATED


@dataclass(frozen=True)
class RuleDef:
    id: str
    fn: Callable[[View], Outcome]
    min_ndis: tuple[int, int] | None = None
    roles: tuple[str, ...] = ("pf", "vf")
    physical_only: bool = False
    failing: str = VIOLATED        # the verdict a broken instance gets (INF-SRIOV-2: unspecified)


RULES: dict[str, RuleDef] = {}


def rule(id: str, *, min_ndis: str | None = None, roles: tuple[str, ...] = ("pf", "vf"),
         physical_only: bool = False, failing: str = VIOLATED) -> Callable[[Callable[[View], Outcome]], Any]:
    def wrap(fn: Callable[[View], Outcome]) -> Callable[[View], Outcome]:
        RULES[id] = RuleDef(id, fn, None if min_ndis is None else ndis_tuple(min_ndis), roles, physical_only,
                            failing)
        return fn
    return wrap


def evaluate(doc: dict[str, Any], rule_ids: list[str] | None = None) -> dict[str, Outcome]:
    view = View(doc)
    result: dict[str, Outcome] = {}
    for rule_id in rule_ids or list(RULES):
        d = RULES[rule_id]
        in_scope = ((d.min_ndis is None or view.ndis >= d.min_ndis) and view.role in d.roles
                    and not (d.physical_only and view.virtual))
        outcome = d.fn(view) if in_scope else []
        result[rule_id] = outcome or [("-", NA)]
    return result


# ---- VMQ-IRQ (rules.md §2.1) ---------------------------------------------------------------------------------

@rule("VMQ-IRQ-1", physical_only=True)
def vmq_irq_1(v: View) -> Outcome:
    # vmq_sup ⇒ IRQ.msix_capable, read as: an MSI-X table of at least one entry.
    if v.msix is None:
        return []
    return [ob("msix", v.vmq_sup, v.msix["table_size"] >= 1)]


@rule("VMQ-IRQ-2", physical_only=True)
def vmq_irq_2(v: View) -> Outcome:
    out = []
    for section, guard in (("receive_filter.hardware", v.vmq_sup or v.sriov_sup),
                           ("receive_filter.current", v.vmq_en or v.sriov_en)):
        rfc = v.s(section)
        if rfc is not None:
            out.append(ob(section, guard, bool(rfc.get("supported_queue_properties", 0) & 0x1)))
    return out


@rule("VMQ-IRQ-4", physical_only=True)
def vmq_irq_4(v: View) -> Outcome:
    if v.rss is None or v.msix is None:
        return []
    return [ob(f"msix.vectors[{i}]", True, cpu in v.rss)
            for i, (kind, cpu) in enumerate(v.msix["vectors"]) if kind == "data"]


@rule("VMQ-IRQ-5", physical_only=True)
def vmq_irq_5(v: View) -> Outcome:
    if v.rss is None or v.msix is None:
        return []
    data = [cpu for kind, cpu in v.msix["vectors"] if kind == "data"]
    out, seen = [], set()
    for index, cpu in enumerate(v.rss):
        if cpu in seen:
            continue
        seen.add(cpu)
        n = data.count(cpu)
        out.append(ob(f"rss_processors.processors[{index}]", True, n == 1 if v.exactly_one else n <= 1))
    return out


@rule("VMQ-IRQ-6", physical_only=True)
def vmq_irq_6(v: View) -> Outcome:
    if v.msix is None:
        return []
    return [ob("msix", True, sum(1 for kind, _ in v.msix["vectors"] if kind == "other") <= 2)]


@rule("VMQ-IRQ-7", physical_only=True)
def vmq_irq_7(v: View) -> Outcome:
    if v.rss is None or v.msix is None:
        return []
    return [ob("msix", True, len(v.msix["vectors"]) <= len(set(v.rss)) + 2)]


def msix_minimum(q: int, reading: str) -> int:
    """f(Q) of rules.md A1 (f(0) = 0)."""
    if q <= 0:
        return 0
    half = -(-q // 2)
    band = 0 if q <= 16 else 1 if q <= 64 else 2
    table = {
        "R1": (1, 16, 32),
        "R2a": (q, max(16, half), 32),
        "R2b": (q, max(16, half), max(32, half)),
        "R3": (q, 16 + -(-((q - 17) * 16) // 47), 32),
        "R4": (16, 32, 32),
    }[reading]
    return table[band]


@rule("VMQ-IRQ-8", physical_only=True)
def vmq_irq_8(v: View) -> Outcome:
    if v.msix is None:
        return []
    section, name, extra = {
        "num_queues_plus_one": ("receive_filter.hardware", "num_queues", 1),
        "num_queues": ("receive_filter.hardware", "num_queues", 0),
        "max_num_queue_pairs": ("nic_switch.hardware", "max_num_queue_pairs", 0),
        "rss_receive_queues": ("rss_capabilities", "number_of_receive_queues", 0),
    }[v.queue_count]
    record = v.s(section)
    if record is None:
        return []
    q = record.get(name, 0) + extra
    return [ob("msix", v.vmq_sup, v.msix["table_size"] >= msix_minimum(q, v.reading))]


@rule("VMQ-IRQ-9", min_ndis="6.30")
def vmq_irq_9(v: View) -> Outcome:
    # The SQP read is the current one where given, else the hardware one.
    section = "receive_filter.current" if v.s("receive_filter.current") is not None else "receive_filter.hardware"
    rfc = v.s(section)
    if rfc is None:
        return []
    return [ob(section, v.vmq_en or v.sriov_en, bool(rfc.get("supported_queue_properties", 0) & 0x10))]


# ---- NSC (rules.md §2.4) -------------------------------------------------------------------------------------

NSC_HW, NSC_CUR = "nic_switch.hardware", "nic_switch.current"


def not_zeroed(record: dict[str, int]) -> bool:
    """rules.md A7 (iii): a current structure zeroed apart from its header stands for NULL."""
    return any(value for name, value in record.items() if name not in ("type", "revision", "size"))


def per_section(v: View, body: Callable[[dict[str, int]], bool], *, since: int = 1,
                premise: Callable[[dict[str, int]], bool] | None = None,
                sections: tuple[str, ...] = (NSC_HW, NSC_CUR)) -> Outcome:
    """One instance per present NSC section; a field of revision N is constrained only from revision N (3: the
    last revision, so exactly 3), a current section only when it is not zeroed."""
    out = []
    for section in sections:
        r = v.s(section)
        if r is None:
            continue
        guard = section.endswith(".hardware") or not_zeroed(r)     # A7 (iii) is about current structures only
        if since == 3:
            guard = guard and r["revision"] == 3
        elif since == 2:
            guard = guard and r["revision"] >= 2
        if premise is not None:
            guard = guard and premise(r)
        out.append(ob(section, guard, body(r)))
    return out


def caps(r: dict[str, int]) -> int:
    return r.get("nic_switch_capabilities", 0)


@rule("NSC-1")
def nsc_1(v: View) -> Outcome:
    return per_section(v, lambda r: r["type"] == 0x80 and SIZES[NSC_HW].get(r["revision"]) == r["size"])


@rule("NSC-2")
def nsc_2(v: View) -> Outcome:
    return per_section(v, lambda r: r["revision"] == 3 and r["size"] == 132, premise=lambda _: v.vmmq_sup)


@rule("NSC-3", min_ndis="6.30")
def nsc_3(v: View) -> Outcome:
    return per_section(v, lambda r: r["revision"] >= 2)


@rule("NSC-4")
def nsc_4(v: View) -> Outcome:
    names = ("num_total_mac_addresses", "num_mac_addresses_per_port", "num_vlans_per_port")
    return per_section(v, lambda r: all(r.get(n, 0) == 0 for n in names), since=2)


@rule("NSC-5")
def nsc_5(v: View) -> Outcome:
    return per_section(v, lambda r: r.get("max_num_switches", 0) == 1, since=2)


@rule("NSC-6")
def nsc_6(v: View) -> Outcome:
    return per_section(v, lambda r: r.get("max_num_vports", 0) >= r.get("max_num_vfs", 0) + 1, since=2)


@rule("NSC-7")
def nsc_7(v: View) -> Outcome:
    return per_section(v, lambda r: r.get("max_num_queue_pairs", 0) >= r.get("max_num_vports", 0), since=2)


@rule("NSC-8")
def nsc_8(v: View) -> Outcome:
    return per_section(v, lambda r: r.get("max_num_mac_addresses", 0) >= r.get("max_num_vports", 0), since=2)


def powers(v: View, name: str, since: int) -> Outcome:
    # rules.md A19: (a) a power of 2, or (b) an exponent of 2 (which must fit the 32-bit range: ≤ 31).
    if v.exponent:
        return per_section(v, lambda r: r.get(name, 0) <= 31, since=since)
    return per_section(v, lambda r: pow2(r.get(name, 0)), since=since)


@rule("NSC-9")
def nsc_9(v: View) -> Outcome:
    return powers(v, "max_num_queue_pairs_per_non_default_vport", 2)


@rule("NSC-10")
def nsc_10(v: View) -> Outcome:
    return powers(v, "max_num_queue_pairs_for_default_vport", 3)


@rule("NSC-11")
def nsc_11(v: View) -> Outcome:
    # MaxNumVFs ≤ *NumVFs, read on the current capabilities (the hardware ones are complete, HWA-6).
    num_vfs = v.keyword("*NumVFs")
    if num_vfs is None:
        return []
    return per_section(v, lambda r: r.get("max_num_vfs", 0) <= num_vfs, since=2, sections=(NSC_CUR,))


@rule("NSC-12")
def nsc_12(v: View) -> Outcome:
    return per_section(v, lambda r: bool(caps(r) & 0x10), since=2, premise=lambda _: v.vmmq_sup,
                       sections=(NSC_HW,))


@rule("NSC-13")
def nsc_13(v: View) -> Outcome:
    # vmmq_sup ⇔ RSS_ON_PF_VPORTS: checked as "a PF VPort with VMMQ ⇒ the hardware flag" (VF VPorts with VMMQ
    # are VMMQ-VP-1's).
    hw = v.s(NSC_HW)
    if hw is None:
        return []
    return [ob(p.path, p.vmmq, bool(caps(hw) & 0x80)) for p in v.vports if p.pf]


@rule("NSC-14")
def nsc_14(v: View) -> Outcome:
    return per_section(v, lambda r: bool(caps(r) & 0x100), since=2, premise=lambda _: v.vmmq_sup,
                       sections=(NSC_HW,))


@rule("NSC-15")
def nsc_15(v: View) -> Outcome:
    return per_section(v, lambda r: (caps(r) & 0xE00) in (0, 0xE00), since=2)


@rule("NSC-15b")
def nsc_15b(v: View) -> Outcome:
    return per_section(v, lambda r: bool(caps(r) & 0x800), since=2, premise=lambda r: bool(caps(r) & 0x200))


@rule("NSC-16")
def nsc_16(v: View) -> Outcome:
    hw = v.s(NSC_HW)
    others = [p for p in v.vports if p.id != 0]
    if hw is None or not others:
        return []
    return [ob(p.path, not caps(hw) & 0x4, p.num_queue_pairs == others[0].num_queue_pairs) for p in others[1:]]


@rule("NSC-17")
def nsc_17(v: View) -> Outcome:
    hw = v.s(NSC_HW)
    if hw is None:
        return []
    return [ob(p.path, bool(caps(hw) & 0x1000) and p.vmmq, p.size == nextpow2(p.num_queue_pairs))
            for p in v.vports if p.pf and p.size_known]


@rule("NSC-18")
def nsc_18(v: View) -> Outcome:
    names = ("max_num_rss_capable_non_default_pf_vports", "max_num_queue_pairs_for_default_vport",
             "number_of_indirection_table_entries_for_default_vport",
             "number_of_indirection_table_entries_per_non_default_pf_vport")
    return per_section(v, lambda r: all(r.get(n, 0) >= 1 for n in names), since=3, premise=lambda _: v.vmmq_sup,
                       sections=(NSC_HW,))


@rule("NSC-19")
def nsc_19(v: View) -> Outcome:
    # ∀ v, w ∈ PFV ∩ NonDef with RSS: |ITE[v]| = |ITE[w]|, each compared with the first such VPort before it.
    # A VPort whose file states no table (neither entries nor a size) has no size to compare: it is left out.
    out = []
    candidates = [p for p in v.vports if p.id != 0 and p.pf and p.size_known]
    for index, p in enumerate(candidates):
        first = next((q for q in candidates[:index] if q.vmmq), None)
        if first is None:
            continue
        out.append(ob(p.path, p.vmmq, p.size == first.size))
    return out


@rule("NSC-21")
def nsc_21(v: View) -> Outcome:
    return per_section(v, lambda r: r.get("max_num_vfs", 0) > 0, since=2, premise=lambda r: bool(caps(r) & 0x1))


@rule("NSC-22")
def nsc_22(v: View) -> Outcome:
    out = per_section(v, lambda _: v.ndis >= (6, 60) and v.vmq_sup, since=2,
                      premise=lambda r: bool(caps(r) & 0x40), sections=(NSC_HW,))
    if v.s("nic_switch.parameters") is not None or v.vports:
        out.append(ob("queues", not v.sriov_en, not v.queues))
    return out


@rule("NSC-23", roles=("vf",))
def nsc_23(v: View) -> Outcome:
    # A current structure zeroed apart from its header stands for NULL (rules.md A7 iii, as in NSC-1…21).
    current = v.s(NSC_CUR)
    return [ob(NSC_HW, True, v.s(NSC_HW) is None), ob(NSC_CUR, True, current is None or not not_zeroed(current))]


@rule("NSC-24")
def nsc_24(v: View) -> Outcome:
    if not v.vports:
        return []
    count = sum(1 for p in v.vports if p.id != 0 and p.pf)

    def body(r: dict[str, int]) -> bool:
        vports = r.get("max_num_vports", 0)
        pool = vports - 1 if caps(r) & 0x10 else vports - r.get("max_num_vfs", 0)
        return count <= pool
    return per_section(v, body, since=2, sections=(NSC_HW,))


@rule("NSC-25")
def nsc_25(v: View) -> Outcome:
    by_vf: dict[int, int] = {}
    for p in v.vports:
        if not p.pf:
            by_vf[p.function_id] = by_vf.get(p.function_id, 0) + 1
    return [ob(f"vf:{vf}", True, n <= 1) for vf, n in by_vf.items()]


@rule("NSC-26", min_ndis="6.80")
def nsc_26(v: View) -> Outcome:
    hw = v.s(NSC_HW)
    if hw is None:
        return []
    out = []
    for p in v.vports:
        if not p.pf or not p.size_known:
            continue
        name = ("number_of_indirection_table_entries_for_default_vport" if p.id == 0 else
                "number_of_indirection_table_entries_per_non_default_pf_vport")
        out.append(ob(p.path, hw["revision"] == 3, p.size <= hw.get(name, 0)))
    return out


# ---- NSP (rules.md §2.5) -------------------------------------------------------------------------------------

NSP_SECTION = "nic_switch.parameters"


def default_vport(v: View) -> VP | None:
    return next((p for p in v.vports if p.id == 0), None)


@rule("NSP-1")
def nsp_1(v: View) -> Outcome:
    r = v.s(NSP_SECTION)
    if r is None:
        return []
    return [ob(NSP_SECTION, True, r["type"] == 0x80 and SIZES[NSP_SECTION].get(r["revision"]) == r["size"])]


@rule("NSP-2")
def nsp_2(v: View) -> Outcome:
    r = v.s(NSP_SECTION)
    if r is None:
        return []
    return [ob(NSP_SECTION, v.vmmq_sup, r["revision"] == 2 and r["size"] == 552)]


@rule("NSP-3")
def nsp_3(v: View) -> Outcome:
    r = v.s(NSP_SECTION)
    if r is None:
        return []
    out = []
    pairs = r.get("num_queue_pairs_for_default_vport", 0)
    vp0 = default_vport(v)
    if vp0 is not None:
        out.append(ob(NSP_SECTION, v.vmmq_sup, pairs == vp0.num_queue_pairs))
    hw = v.s(NSC_HW)
    if hw is not None:   # the bounds constrain the Revision 2 field only
        out.append(ob(NSP_SECTION, r["revision"] == 2,
                      1 <= pairs <= hw.get("max_num_queue_pairs_for_default_vport", 0)))
    return out


@rule("NSP-4", min_ndis="6.30")
def nsp_4(v: View) -> Outcome:
    r = v.s(NSP_SECTION)
    return [] if r is None else [ob(NSP_SECTION, True, r.get("switch_type", 0) == 1)]


@rule("NSP-5")
def nsp_5(v: View) -> Outcome:
    r = v.s(NSP_SECTION)
    return [] if r is None else [ob(NSP_SECTION, True, r.get("switch_id", 0) == 0)]


@rule("NSP-6")
def nsp_6(v: View) -> Outcome:
    r = v.s(NSP_SECTION)
    return [] if r is None else [ob(NSP_SECTION, True, r.get("flags", 0) & 0xFFFF0000 == 0)]


@rule("NSP-8")
def nsp_8(v: View) -> Outcome:
    r, hw = v.s(NSP_SECTION), v.s(NSC_HW)
    if r is None or hw is None:
        return []
    return [ob(NSP_SECTION, True, r.get("num_vfs", 0) <= hw.get("max_num_vfs", 0))]


@rule("NSP-9")
def nsp_9(v: View) -> Outcome:
    # A switch exists when VPorts are listed.
    if not v.vports:
        return []
    vp0 = default_vport(v)
    return [ob("vports", True, vp0 is not None and vp0.pf)]


@rule("NSP-11")
def nsp_11(v: View) -> Outcome:
    sp, vp = v.keyword("*SriovPreferred"), v.keyword("*RssOrVmqPreference")
    return [ob("inf", v.vmmq_en, sp == 1 or (sp == 0 and vp == 1))]


# ---- VMMQ (rules.md §2.6) ------------------------------------------------------------------------------------

@rule("VMMQ-CAP-1")
def vmmq_cap_1(v: View) -> Outcome:
    # Runtime part on the default VPort; "∃ VMMQ-capable non-default PF VPort" as the hardware capacity ≥ 1.
    if not v.vports:
        return []
    vp0 = default_vport(v)
    out = [ob("vports", v.vmmq_en, False) if vp0 is None else ob(vp0.path, v.vmmq_en, vp0.vmmq)]
    hw = v.s(NSC_HW)
    if hw is not None:
        out.append(ob(NSC_HW, v.vmmq_en, hw.get("max_num_rss_capable_non_default_pf_vports", 0) >= 1))
    return out


@rule("VMMQ-CAP-2")
def vmmq_cap_2(v: View) -> Outcome:
    return [ob("inf", v.vmmq_en, v.keyword("*RssOnHostVPorts") == 1)]


def capped(v: View) -> bool | None:
    """*MaxRssProcessors caps NumberOfInterruptMessages: below the MSI-X table size and equal to the keyword;
    None when [rss_capabilities], [msix] or the keyword is missing."""
    rsc = v.s("rss_capabilities")
    if rsc is None or v.msix is None or not v.present("*MaxRssProcessors"):
        return None
    messages = rsc.get("number_of_interrupt_messages", 0)
    return messages < v.msix["table_size"] and messages == v.keyword("*MaxRssProcessors")


@rule("VMMQ-CAP-3")
def vmmq_cap_3(v: View) -> Outcome:
    c = capped(v)
    return [] if c is None else [ob("rss_capabilities", v.vmmq_en, not c)]


@rule("VMMQ-CAP-5")
def vmmq_cap_5(v: View) -> Outcome:
    return [ob("adapter", v.vmmq_sup, v.ndis >= (6, 60))]


@rule("VMMQ-VP-1")
def vmmq_vp_1(v: View) -> Outcome:
    return [ob(p.path, p.vmmq, p.pf) for p in v.vports]


@rule("VMMQ-VP-2")
def vmmq_vp_2(v: View) -> Outcome:
    out = []
    for p in v.vports:
        if not p.pf:
            continue
        used = set(p.table or [])
        if p.has_default:
            used.add(p.default_cpu)
        out.append(ob(p.path, True, len(used) <= p.num_queue_pairs if p.vmmq else p.num_queue_pairs == 1))
    return out


@rule("VMMQ-VP-3")
def vmmq_vp_3(v: View) -> Outcome:
    out = []
    for p in v.vports:
        if not p.pf:
            continue
        ok = set(p.table or []) <= set(p.affinity)
        if v.rss is not None:
            ok = ok and set(p.affinity) <= set(v.rss)
        out.append(ob(p.path, p.vmmq, ok))
    return out


@rule("VMMQ-VP-4")
def vmmq_vp_4(v: View) -> Outcome:
    return [ob(p.path, not p.vmmq, p.default_cpu == min(p.affinity))
            for p in v.vports if p.pf and p.has_default and p.affinity]


@rule("VMMQ-RSS-1")
def vmmq_rss_1(v: View) -> Outcome:
    return [ob(p.path, p.vmmq, p.values["rss_type"] == 0x89 and p.values["rss_revision"] == 3
               and p.values["rss_size"] == 44 and p.values["base_cpu_number"] == 0)
            for p in v.vports if p.pf]


@rule("VMMQ-RSS-2")
def vmmq_rss_2(v: View) -> Outcome:
    # pow2(entries) and equal sizes for all PF VPorts with VMMQ whose table size is known.
    sized = [p for p in v.vports if p.pf and p.vmmq and p.size_known]
    return [ob(p.path, True, pow2(p.size) and p.size == sized[0].size) for p in sized]


@rule("VMMQ-RSS-3")
def vmmq_rss_3(v: View) -> Outcome:
    if v.rss is None:
        return []
    return [ob(p.path, p.vmmq, p.default_cpu in v.rss) for p in v.vports if p.has_default]


def hash_information_allowed(hw: dict[str, int], p: VP, first: VP) -> bool:
    """rules.md VMMQ-RSS-4: per-VPort differences are allowed only if the corresponding NSC flag is set: the hash
    function bits (NDIS_HASH_FUNCTION_MASK 0xFF) may differ only with HASH_FUNCTION (0x200), the hash type bits
    (NDIS_HASH_TYPE_MASK 0xFFFF00) only with HASH_TYPE (0x400)."""
    diff = p.values["hash_information"] ^ first.values["hash_information"]
    return ((not diff & 0xFF or bool(caps(hw) & 0x200))
            and (not diff & 0xFFFF00 or bool(caps(hw) & 0x400)) and not diff & ~0xFFFFFF)


@rule("VMMQ-RSS-4")
def vmmq_rss_4(v: View) -> Outcome:
    hw = v.s(NSC_HW)
    pf = [p for p in v.vports if p.pf]
    if hw is None or len(pf) < 2:
        return []
    first, out = pf[0], []
    for p in pf[1:]:
        ok = hash_information_allowed(hw, p, first)
        ok = ok and (bool(caps(hw) & 0x800) or p.values["hash_key"] == first.values["hash_key"])
        if p.table is not None and first.table is not None:
            ok = ok and (bool(caps(hw) & 0x100) or p.table == first.table)
        out.append(ob(p.path, True, ok))
    return out


@rule("VMMQ-RSS-5")
def vmmq_rss_5(v: View) -> Outcome:
    out = []
    for p in v.vports:
        if not p.pf or p.table is None:
            continue
        ok = len(set(p.table)) <= p.num_queue_pairs and (v.rss is None or set(p.table) <= set(v.rss))
        out.append(ob(p.path, p.vmmq, ok))
    return out


# ---- INF keywords (rules.md §2.10) ---------------------------------------------------------------------------

def legal(v: View, name: str) -> range | tuple[int, ...]:
    binary = (0, 1)
    per_group = v.ppg
    return {
        "*RssOnHostVPorts": binary, "*VMQ": binary, "*VMQLookaheadSplit": binary, "*VMQVlanFiltering": binary,
        "*RssOrVmqPreference": binary, "*SRIOV": binary, "*SriovPreferred": binary, "*RSS": binary,
        "*RSSProfile": (1, 2, 3, 4, 5, 6) if v.ndis >= (6, 88) else (1, 2, 3, 4, 5),   # 6 is NDIS 6.88's Balanced
        "*RssBaseProcGroup": range(MAXIMUM_GROUPS), "*RssMaxProcGroup": range(MAXIMUM_GROUPS),
        "*NumaNodeId": range(65536),
        "*RssBaseProcNumber": range(per_group), "*RssMaxProcNumber": range(per_group),
        "*MaxRssProcessors": range(1, MAXIMUM_GROUPS * per_group + 1),
        "*NumRSSQueues": range(1, 2 ** 32),
    }[name]


def values_of(v: View, *names: str) -> Outcome:
    return [ob(f'inf."{name}"', True, v.keyword(name) in legal(v, name)) for name in names if v.present(name)]


def value_rule(id: str, *names: str) -> None:
    rule(id)(lambda v: values_of(v, *names))


value_rule("INF-VMMQ-1", "*RssOnHostVPorts")
value_rule("INF-VMQ-1", "*VMQ", "*VMQLookaheadSplit", "*VMQVlanFiltering", "*RssOrVmqPreference")
value_rule("INF-SRIOV-1", "*SRIOV", "*SriovPreferred")
value_rule("INF-RSS-1", "*RSS")
value_rule("INF-RSS-2", "*RSSProfile")
value_rule("INF-RSS-4", "*RssBaseProcGroup")
value_rule("INF-RSS-5", "*NumaNodeId")
value_rule("INF-RSS-6", "*RssBaseProcNumber")
value_rule("INF-RSS-7", "*MaxRssProcessors")
value_rule("INF-RSS-9", "*NumRSSQueues")
value_rule("INF-RSS-10", "*RssMaxProcGroup")


@rule("INF-RSS-8")
def inf_rss_8(v: View) -> Outcome:
    out = values_of(v, "*RssMaxProcNumber")
    if v.present("*RssMaxProcNumber"):
        out.append(ob('inf."*RssMaxProcNumber" (needs *RssMaxProcGroup)', True, v.present("*RssMaxProcGroup")))
    return out


@rule("INF-VMMQ-3")
def inf_vmmq_3(v: View) -> Outcome:
    # Reading A16: vmmq_en ⇒ *RSSProfile absent or 1.
    if not v.present("*RSSProfile"):
        return []
    return [ob('inf."*RSSProfile"', v.vmmq_en, v.keyword("*RSSProfile") == 1)]


@rule("INF-VMMQ-4")
def inf_vmmq_4(v: View) -> Outcome:
    c = capped(v)
    return [] if c is None else [ob('inf."*MaxRssProcessors"', v.vmmq_en, not c)]


@rule("INF-VMQ-3")
def inf_vmq_3(v: View) -> Outcome:
    # pref_vmq (and not SR-IOV preferred) ⇒ (VM_QUEUE_SUPPORTED in the current caps ⇔ *VMQ = 1).
    rfc = v.s("receive_filter.current")
    if not v.has_inf or rfc is None:
        return []
    advertised = bool(rfc.get("supported_queue_properties", 0) & 0x2)
    return [ob("receive_filter.current", v.is_one("*RssOrVmqPreference") and not v.is_one("*SriovPreferred"),
               advertised == v.is_one("*VMQ"))]


@rule("INF-SRIOV-2", failing=UNSPECIFIED)
def inf_sriov_2(v: View) -> Outcome:
    if not v.has_inf:
        return []
    return [ob("inf", True, v.selection is not None, unspecified=True)]


@rule("INF-SRIOV-5")
def inf_sriov_5(v: View) -> Outcome:
    if not v.has_inf:
        return []
    specified = v.selection is not None
    out = []
    rfc = v.s("receive_filter.current")
    if rfc is not None:
        out.append(ob("receive_filter.current", specified and bool(rfc.get("supported_queue_properties", 0) & 0x2),
                      v.vmq_en or v.sriov_en))
    cur, hw = v.s(NSC_CUR), v.s(NSC_HW)
    if cur is not None:
        without_iov = hw is not None and bool(caps(hw) & 0x40)
        out.append(ob(NSC_CUR, specified and not_zeroed(cur), v.sriov_en or (v.vmq_en and without_iov)))
    return out


@rule("INF-RSS-3")
def inf_rss_3(v: View) -> Outcome:
    if not v.present("*RSSProfile"):
        return []
    names = ("*RssBaseProcNumber", "*RssBaseProcGroup", "*RssMaxProcNumber", "*RssMaxProcGroup", "*NumaNodeId")
    return [ob('inf."*RSSProfile"', v.keyword("*RSSProfile") == 6, not any(v.present(n) for n in names))]


@rule("INF-RSS-11")
def inf_rss_11(v: View) -> Outcome:
    names = ("*RssBaseProcGroup", "*RssBaseProcNumber", "*RssMaxProcGroup", "*RssMaxProcNumber")
    if not any(v.present(n) for n in names):
        return []
    bg, bn, mg, mn = (v.keyword(n) for n in names)
    return [ob("inf", True, (bg, bn) <= (mg, mn))]


# ---- Receive-filter capabilities (rules.md §2.2) --------------------------------------------------------------

RFC_HW, RFC_CUR = "receive_filter.hardware", "receive_filter.current"
RFC = (RFC_HW, RFC_CUR)


def sqp(r: dict[str, int]) -> int:
    return r.get("supported_queue_properties", 0)


def on_hardware(v: View, guard: bool, body: Callable[[dict[str, int]], bool]) -> Outcome:
    r = v.s(RFC_HW)
    return [] if r is None else [ob(RFC_HW, guard, body(r))]


def on_current(v: View, guard: bool, body: Callable[[dict[str, int]], bool]) -> Outcome:
    # An enabled interface needs the current capabilities: a zeroed current structure is no excuse here.
    r = v.s(RFC_CUR)
    return [] if r is None else [ob(RFC_CUR, guard, body(r))]


@rule("RF-CAP-1")
def rf_cap_1(v: View) -> Outcome:
    return per_section(v, lambda r: r["type"] == 0x80 and SIZES[RFC_HW].get(r["revision"]) == r["size"],
                       sections=RFC)


@rule("RF-CAP-2", min_ndis="6.30")
def rf_cap_2(v: View) -> Outcome:
    return per_section(v, lambda r: r["revision"] == 2 and r["size"] == 84, sections=RFC)


@rule("RF-CAP-3")
def rf_cap_3(v: View) -> Outcome:
    return on_current(v, v.vmq_en or v.sriov_en, lambda r: bool(sqp(r) & 0x2))


@rule("RF-CAP-4", physical_only=True)
def rf_cap_4(v: View) -> Outcome:
    # The SR-IOV case of VMQ-IRQ-2 (VMQ-only adapters are VMQ-IRQ-2's).
    return (on_hardware(v, v.sriov_sup, lambda r: bool(sqp(r) & 0x1))
            + on_current(v, v.sriov_en, lambda r: bool(sqp(r) & 0x1)))


@rule("RF-CAP-5", min_ndis="6.30")
def rf_cap_5(v: View) -> Outcome:
    return on_hardware(v, v.vmq_sup or v.sriov_sup, lambda r: bool(sqp(r) & 0x8))


@rule("RF-CAP-6", min_ndis="6.30")
def rf_cap_6(v: View) -> Outcome:
    return on_hardware(v, v.vmq_sup or v.sriov_sup, lambda r: bool(sqp(r) & 0x10))


@rule("RF-CAP-7", min_ndis="6.30")
def rf_cap_7(v: View) -> Outcome:
    return per_section(v, lambda r: not sqp(r) & 0x4 and r.get("min_lookahead_split_size", 0) == 0
                       and r.get("max_lookahead_split_size", 0) == 0, sections=RFC)


@rule("RF-CAP-8")
def rf_cap_8(v: View) -> Outcome:
    # A14: bit 0x40 is IMPLAT_MIN_OF_QUEUES_MODE (forbidden) before NDIS 6.80, an allowed capability from 6.80.
    forbidden = 0x80 | (0x40 if v.ndis < (6, 80) else 0)
    return per_section(v, lambda r: not sqp(r) & forbidden, sections=RFC)


@rule("RF-CAP-9")
def rf_cap_9(v: View) -> Outcome:
    return on_hardware(v, v.vmq_sup or v.sriov_sup, lambda r: bool(r.get("supported_filter_tests", 0) & 0x1))


@rule("RF-CAP-10")
def rf_cap_10(v: View) -> Outcome:
    return on_hardware(v, v.vmq_sup, lambda r: bool(r.get("supported_headers", 0) & 0x1))


@rule("RF-CAP-11")
def rf_cap_11(v: View) -> Outcome:
    return on_hardware(v, v.vmq_sup or (v.sriov_sup and v.ndis >= (6, 30)),
                       lambda r: bool(r.get("supported_mac_header_fields", 0) & 0x1))


@rule("RF-CAP-12")
def rf_cap_12(v: View) -> Outcome:
    # A10: with SR-IOV and VMQ both enabled, the reading decides which of the two requirements wins.
    def body(r: dict[str, int]) -> bool:
        n = r.get("num_queues", 0)
        if v.num_queues_reading == "sriov-wins":
            return n == 0 if v.sriov_en else n >= 1
        return n >= 1 if v.vmq_en else n == 0
    return on_current(v, v.vmq_en or v.sriov_en, body)


@rule("RF-CAP-15")
def rf_cap_15(v: View) -> Outcome:
    return on_current(v, v.vmq_en or v.sriov_en, lambda r: bool(r.get("enabled_filter_types", 0) & 0x1))


@rule("RF-CAP-17")
def rf_cap_17(v: View) -> Outcome:
    return on_current(v, v.vmq_en, lambda r: bool(r.get("enabled_queue_types", 0) & 0x1))


@rule("RF-CAP-18")
def rf_cap_18(v: View) -> Outcome:
    def zero_or_at_least(value: int, minimum: int) -> bool:
        return value == 0 or value >= minimum
    return per_section(v, lambda r: zero_or_at_least(r.get("max_field_tests_per_packet_coalescing_filter", 0), 5)
                       and zero_or_at_least(r.get("max_packet_coalescing_filters", 0), 10), since=2, sections=RFC)


@rule("RF-CAP-19")
def rf_cap_19(v: View) -> Outcome:
    out = []
    for section in RFC:
        r = v.s(section)
        if r is None:
            continue
        reported = section == RFC_HW or not_zeroed(r)
        out.append(ob(f"{section} (NdisReserved)", reported and r["revision"] >= 2, r.get("ndis_reserved", 0) == 0))
        out.append(ob(f"{section} (reserved for NDIS)", reported,
                      all(r.get(n, 0) == 0 for n in ("flags", "max_queue_groups", "max_queues_per_queue_group"))))
    return out


@rule("RF-CAP-20", roles=("vf",))
def rf_cap_20(v: View) -> Outcome:
    current = v.s(RFC_CUR)
    return [ob(RFC_HW, True, v.s(RFC_HW) is None), ob(RFC_CUR, True, current is None or not not_zeroed(current))]


@rule("RF-CAP-21")
def rf_cap_21(v: View) -> Outcome:
    return on_current(v, v.keyword("*VMQVlanFiltering") == 0,
                      lambda r: not r.get("supported_mac_header_fields", 0) & 0x8)


# ---- Hardware-assist attributes (rules.md §2.3) ---------------------------------------------------------------
# A present section is a non-NULL pointer once the file describes some capability structure. Readings of A7/A9:
# zeroed (a zeroed current structure is D10's pointer and S13's NULL), strict (D10 only), legacy (S13/S15 waive
# D10 and want a real NULL). S13's NULL rule never covers NIC_SWITCH_WITHOUT_IOV on NDIS ≥ 6.60.

def describes_capabilities(v: View) -> bool:
    return any(v.s(s) is not None for s in (RFC_HW, RFC_CUR, NSC_HW, NSC_CUR, "rss_capabilities"))


def s13_applies(v: View) -> bool:
    hw = v.s(NSC_HW)
    without_iov = hw is not None and bool(caps(hw) & 0x40)
    return v.selection is not None and not v.sriov_en and (v.ndis < (6, 60) or not without_iov)


def paired(v: View, hardware: str, current: str, waived: bool) -> bool:
    hw, cur = v.s(hardware) is not None, v.s(current) is not None
    return (not cur or hw) and (not (hw and not waived) or cur)


@rule("HWA-1", min_ndis="6.20")
def hwa_1(v: View) -> Outcome:
    if not describes_capabilities(v):
        return []
    disabled = v.selection is not None and not (v.vmq_en or v.sriov_en)
    return [ob("receive_filter", True, paired(v, RFC_HW, RFC_CUR, v.caps_reading == "legacy" and disabled))]


@rule("HWA-2", min_ndis="6.20")
def hwa_2(v: View) -> Outcome:
    if not describes_capabilities(v):
        return []
    return [ob("nic_switch", True, paired(v, NSC_HW, NSC_CUR, v.caps_reading == "legacy" and s13_applies(v)))]


@rule("HWA-4", min_ndis="6.20")
def hwa_4(v: View) -> Outcome:
    if not describes_capabilities(v) or not v.has_inf:
        return []
    current = v.s(NSC_CUR)
    reported = current is not None and (v.caps_reading != "zeroed" or not_zeroed(current))
    return [ob(NSC_CUR, v.caps_reading != "strict" and s13_applies(v), not reported)]


@rule("HWA-5", min_ndis="6.20")
def hwa_5(v: View) -> Outcome:
    hw, cur = v.s(NSC_HW), v.s(NSC_CUR)
    if not v.has_inf or (hw is None and cur is None):
        return []
    same = hw is not None and cur is not None and all(hw.get(k, 0) == cur.get(k, 0) for k in set(hw) | set(cur))
    return [ob(NSC_CUR, v.sriov_en, same)]


@rule("HWA-7")
def hwa_7(v: View) -> Outcome:
    # The receive-filter and NIC switch pointers come with revision 2 of the attributes (NDIS 6.20).
    return [ob(s, True, v.ndis >= (6, 20)) for s in (RFC_HW, RFC_CUR, NSC_HW, NSC_CUR) if v.s(s) is not None]


# ---- VM queues (rules.md §2.7) ----------------------------------------------------------------------------------

@rule("VMQ-Q-3")
def vmq_q_3(v: View) -> Outcome:
    # Ids of allocated VM queues are in [1, NumQueues] (0 is the default queue); current NumQueues, else hardware.
    r = v.s(RFC_CUR) if v.s(RFC_CUR) is not None else v.s(RFC_HW)
    if r is None:
        return []
    return [ob(f"queues[{i}]", True, 1 <= q["id"] <= r.get("num_queues", 0)) for i, q in enumerate(v.queues)]


@rule("VMQ-Q-4", physical_only=True)
def vmq_q_4(v: View) -> Outcome:
    entries = [(i, q["msix_entry"]) for i, q in enumerate(v.queues) if "msix_entry" in q]
    out = []
    for i, entry in entries:
        distinct = all(entry != other for j, other in entries if j != i)
        within = v.msix is None or entry < v.msix["table_size"]
        out.append(ob(f"queues[{i}]", True, distinct and within))
    return out


@rule("VMQ-Q-5", min_ndis="6.30")
def vmq_q_5(v: View) -> Outcome:
    return [ob(f"queues[{i}]", True, q.get("lookahead_size", 0) == 0) for i, q in enumerate(v.queues)]


@rule("VMQ-Q-6")
def vmq_q_6(v: View) -> Outcome:
    return [ob(f"queues[{i}]", True, q.get("flags", 0) & ~0x3 & 0xFFFFFFFF == 0) for i, q in enumerate(v.queues)]


# ---- Derived (rules.md §5) -----------------------------------------------------------------------------------

@rule("D-7")
def d_7(v: View) -> Outcome:
    out = []
    for section in (NSC_HW, NSC_CUR):
        r = v.s(section)
        if r is None:
            continue
        c = caps(r)
        ok = ((not c & 0x1F00 or bool(c & 0x80)) and (not c & 0x1000 or bool(c & 0x100))
              and (not c & 0x1FC0 or r["revision"] == 3) and (not c & 0x80 or bool(c & 0x10)))
        out.append(ob(section, True, ok))
    return out


D8_MASKS: dict[str, dict[str, int]] = {
    # field → the bits that must be 0 (the complement of the documented ones; reserved fields: all bits)
    "receive_filter.hardware": {"flags": 0xFFFFFFFF, "supported_queue_properties": ~0x1FF & 0xFFFFFFFF,
                                "enabled_filter_types": ~0x3 & 0xFFFFFFFF,
                                "enabled_queue_types": ~0x1 & 0xFFFFFFFF, "ndis_reserved": 0xFFFFFFFF},
    "nic_switch.hardware": {"flags": 0xFFFFFFFF, "nic_switch_capabilities": ~0x1FFF & 0xFFFFFFFF,
                            **{f"ndis_reserved{i}": 0xFFFFFFFF for i in range(1, 18)}},
    "nic_switch.parameters": {f"ndis_reserved{i}": 0xFFFFFFFF for i in range(1, 4)},
    "rss_capabilities": {"capabilities_flags": ~0x7F003F0F & 0xFFFFFFFF},
}
D8_MASKS["receive_filter.current"] = D8_MASKS["receive_filter.hardware"]
D8_MASKS["nic_switch.current"] = D8_MASKS["nic_switch.hardware"]


@rule("D-8")
def d_8(v: View) -> Outcome:
    out = []
    for section, masks in D8_MASKS.items():
        r = v.s(section)
        if r is not None:
            out.append(ob(section, True, all(r.get(name, 0) & mask == 0 for name, mask in masks.items())))
    return out


# ---- RSS capabilities and processor info (rules.md §2.9) ------------------------------------------------------

RSC = "rss_capabilities"
RPI_SIZES = {1: 32, 2: 40}
RSC_MSI_FLAGS = 0x01000000 | 0x08000000 | 0x20000000    # MESSAGE_SIGNALED_INTERRUPTS, USING_MSI_X, SUPPORTS_MSI_X


@rule("RSS-CAP-1")
def rss_cap_1(v: View) -> Outcome:
    # The revision a miniport of its NDIS version sets: 3 from 6.60, 2 from 6.30, else 1.
    r = v.s(RSC)
    if r is None:
        return []
    revision = 3 if v.ndis >= (6, 60) else 2 if v.ndis >= (6, 30) else 1
    return [ob(RSC, True, r["type"] == 0x88 and r["revision"] == revision
               and r["size"] == SIZES[RSC][revision])]


@rule("RSS-CAP-2", physical_only=True)
def rss_cap_2(v: View) -> Outcome:
    # msi: an MSI flag in CapabilitiesFlags, or an MSI-X table with at least one entry.
    r = v.s(RSC)
    if r is None:
        return []
    msi = bool(r.get("capabilities_flags", 0) & RSC_MSI_FLAGS) or (v.msix is not None
                                                                  and v.msix["table_size"] >= 1)
    return [ob(RSC, not msi, r.get("number_of_interrupt_messages", 0) == 1)]


@rule("RSS-CAP-3", min_ndis="6.30")
def rss_cap_3(v: View) -> Outcome:
    r = v.s(RSC)
    return [] if r is None else [ob(RSC, True, pow2(r.get("number_of_indirection_table_entries", 0)))]


@rule("RSS-CAP-4")
def rss_cap_4(v: View) -> Outcome:
    r = v.s(RSC)
    return [] if r is None else [ob(RSC, True, bool(r.get("capabilities_flags", 0) & 0x1))]


@rule("RSS-CAP-6")
def rss_cap_6(v: View) -> Outcome:
    # RSSv2 (0x40000000) on a VMQ or VMMQ NIC ⇒ DYNAMIC_PROCESSOR_AFFINITY_CHANGE_SUPPORTED in the hardware SQP.
    r, rfc = v.s(RSC), v.s("receive_filter.hardware")
    if r is None or rfc is None:
        return []
    rssv2 = bool(r.get("capabilities_flags", 0) & 0x40000000)
    return [ob(RSC, rssv2 and (v.vmq_sup or v.vmmq_sup), bool(rfc.get("supported_queue_properties", 0) & 0x8))]


def rss_processor_info(v: View) -> tuple[dict[str, int], list[int]] | None:
    """The NDIS_RSS_PROCESSOR_INFO fields with what NDIS fills (design.md), and the listed processors."""
    raw = v.doc.get("rss_processors")
    if raw is None:
        return None
    cpus = [v.cpu(p["cpu"] if isinstance(p, dict) else p) for p in raw.get("processors", [])]
    revision = raw.get("revision", 2 if v.ndis >= (6, 30) else 1)
    header_size = RPI_SIZES.get(revision, 0)
    fields = {"type": raw.get("type", 0xB1), "revision": revision, "size": raw.get("size", header_size),
              "flags": raw.get("flags", 0), "rss_processor_array_offset": raw.get("rss_processor_array_offset",
                                                                                  header_size),
              "rss_processor_entry_size": raw.get("rss_processor_entry_size", 8),
              "rss_processor_count": raw.get("rss_processor_count", len(cpus))}
    for name, default in (("rss_base_processor", min(cpus, default=0)),
                          ("rss_max_processor", max(cpus, default=v.ppg - 1))):
        fields[name] = v.cpu(raw[name]) if name in raw else default
    return fields, cpus


@rule("RPI-1", min_ndis="6.20")
def rpi_1(v: View) -> Outcome:
    info = rss_processor_info(v)
    if info is None:
        return []
    r = info[0]
    revision = 2 if v.ndis >= (6, 30) else 1
    return [ob("rss_processors", True, r["type"] == 0xB1 and r["revision"] == revision
               and r["size"] == RPI_SIZES[revision] and r["flags"] == 0)]


@rule("RPI-2", min_ndis="6.20")
def rpi_2(v: View) -> Outcome:
    info = rss_processor_info(v)
    if info is None:
        return []
    r, cpus = info
    return [ob("rss_processors", True, r["rss_processor_array_offset"] >= r["size"]
               and r["rss_processor_entry_size"] >= 6 and r["rss_processor_count"] == len(cpus))]


@rule("RPI-3", min_ndis="6.20")
def rpi_3(v: View) -> Outcome:
    info = rss_processor_info(v)
    if info is None:
        return []
    r, cpus = info
    if not cpus:
        return []
    return [ob("rss_processors", True, all(cpu >= r["rss_base_processor"]
                                           and (r["revision"] < 2 or cpu <= r["rss_max_processor"]) for cpu in cpus))]


# ---- VPort parameters (rules.md §2.11) -----------------------------------------------------------------------

def raw_vports(v: View) -> list[tuple[VP, dict[str, Any]]]:
    return list(zip(v.vports, v.doc.get("vports", [])))


@rule("VPORT-1", min_ndis="6.30")
def vport_1(v: View) -> Outcome:
    # The header defaults to Type 0x80, Revision 1; Revision 2 needs NDIS 6.50.
    out = []
    for p, raw in raw_vports(v):
        revision = raw.get("revision", 1)
        out.append(ob(p.path, True, raw.get("type", 0x80) == 0x80
                      and (revision == 1 or (revision == 2 and v.ndis >= (6, 50)))))
    return out


@rule("VPORT-2", min_ndis="6.30")
def vport_2(v: View) -> Outcome:
    return [ob(p.path, True, raw.get("switch_id", 0) == 0) for p, raw in raw_vports(v)]


def vport_bound_section(v: View) -> dict[str, int] | None:
    """The NIC switch capabilities that bound the VPorts: current when reported (not zeroed), else hardware."""
    current = v.s(NSC_CUR)
    if current is not None and not_zeroed(current):
        return current
    return v.s(NSC_HW)


@rule("VPORT-3")
def vport_3(v: View) -> Outcome:
    bound = vport_bound_section(v)
    out = []
    for p in v.vports:
        ok = p.id != 0 or p.pf
        if bound is not None and bound["revision"] >= 2:
            ok = ok and p.id < bound.get("max_num_vports", 0)
        out.append(ob(p.path, True, ok))
    return out


@rule("VPORT-5")
def vport_5(v: View) -> Outcome:
    rfc = v.s("receive_filter.hardware")
    out = []
    for p, raw in raw_vports(v):
        changed = bool(raw.get("flags", 0) & 0x100000)
        if not p.pf:
            out.append(ob(p.path, True, not changed))
        elif p.id != 0 and rfc is not None:
            out.append(ob(p.path, changed, bool(rfc.get("supported_queue_properties", 0) & 0x8)))
    return out


@rule("VPORT-7")
def vport_7(v: View) -> Outcome:
    return [ob(p.path, True, raw.get("lookahead_size", 0) == 0) for p, raw in raw_vports(v)]


# ---- [host] (decisions.md "[host]"; the HOST-* summaries of `vmqproof rules`) --------------------------------
# The processors that exist are the union of the NUMA nodes, else logical_processors spread evenly over the
# groups (as many groups as needed when not given); an adapter setting's processor set runs from its base to its
# max processor among them (all processors when the host does not say), one of each SMT pair (the first met from
# the base upwards) when smt, at most max_processors (default 16). Omitted base: 0:0; omitted max: the highest
# processor that exists.

HOST_DEFAULT_MAX_PROCESSORS = 16


@dataclass
class HostSetting:
    enabled: bool
    base: int
    max: int
    limit: int
    array: list[int]


class HostView:
    def __init__(self, v: View, raw: dict[str, Any]) -> None:
        ppg = v.ppg
        self.smt = raw.get("smt", False)
        nodes = {int(key): cpu_ranges(v, text) for key, text in raw.get("numa_nodes", {}).items()}
        count, groups = raw.get("logical_processors"), raw.get("groups")
        self.existing: set[int] | None = None
        if nodes:
            self.existing = set().union(*nodes.values())
        elif count is not None:
            groups = groups if groups is not None else -(-count // ppg)
            self.existing = set()
            for g in range(groups):
                share = count // groups + (1 if g < count % groups else 0)
                self.existing.update(range(g * ppg, g * ppg + share))
        highest = max(self.existing) if self.existing else MAXIMUM_GROUPS * ppg - 1
        self.adapters: list[tuple[str, dict[str, HostSetting]]] = []
        for entry in raw.get("adapters", []):
            settings = {}
            for kind in ("vmq", "rss"):
                s = entry.get(kind)
                if s is None:
                    continue
                array = [v.cpu(p["cpu"] if isinstance(p, dict) else p) for p in s.get("processors", [])]
                settings[kind] = HostSetting(s.get("enabled", True),
                                             v.cpu(s["base_processor"]) if "base_processor" in s else 0,
                                             v.cpu(s["max_processor"]) if "max_processor" in s else highest,
                                             s.get("max_processors", HOST_DEFAULT_MAX_PROCESSORS), array)
            self.adapters.append((entry["name"], settings))
        self.teams = raw.get("teams", [])

    def processor_set(self, s: HostSetting) -> set[int]:
        chosen: list[int] = []
        siblings_used: set[int] = set()
        cpu = s.base
        while cpu <= s.max and len(chosen) < s.limit:
            exists = self.existing is None or cpu in self.existing
            if exists and not (self.smt and cpu // 2 in siblings_used):
                chosen.append(cpu)
                siblings_used.add(cpu // 2)
            cpu += 1
        return set(chosen)

    def team_sets(self, members: list[str]) -> list[set[int]]:
        """The VMQ processor sets of the members whose VMQ is present and enabled."""
        by_name = dict(self.adapters)
        return [self.processor_set(by_name[m]["vmq"]) for m in members
                if "vmq" in by_name[m] and by_name[m]["vmq"].enabled]


def cpu_ranges(v: View, text: Any) -> set[int]:
    """'0:0-0:7,0:9' (or a list of such strings) → processor indexes."""
    cpus: set[int] = set()
    for part in (text if isinstance(text, list) else [text]):
        for piece in part.split(","):
            low, _, high = piece.partition("-")
            cpus.update(range(v.cpu(low.strip()), v.cpu((high or low).strip()) + 1))
    return cpus


def host_of(v: View) -> HostView | None:
    raw = v.doc.get("host")
    return None if raw is None else HostView(v, raw)


@rule("HOST-1")
def host_1(v: View) -> Outcome:
    # A sum-of-queues team's members (VMQ present and enabled; two or more) have pairwise disjoint sets.
    h = host_of(v)
    if h is None:
        return []
    out = []
    for i, team in enumerate(h.teams):
        sets = h.team_sets(team.get("members", []))
        if team["mode"] == "sum-of-queues" and len(sets) >= 2:
            total = sum(len(s) for s in sets)
            out.append(ob(f"host.teams[{i}]", True, len(set().union(*sets)) == total))
    return out


@rule("HOST-2")
def host_2(v: View) -> Outcome:
    # A min-queues team's members (VMQ present and enabled; two or more) have identical sets.
    h = host_of(v)
    if h is None:
        return []
    out = []
    for i, team in enumerate(h.teams):
        sets = h.team_sets(team.get("members", []))
        if team["mode"] == "min-queues" and len(sets) >= 2:
            out.append(ob(f"host.teams[{i}]", True, all(s == sets[0] for s in sets)))
    return out


@rule("HOST-3")
def host_3(v: View) -> Outcome:
    # Base, max and the RSS processor array of every setting (enabled or not) exist; no instance when the host
    # does not say which processors exist.
    h = host_of(v)
    if h is None or h.existing is None:
        return []
    out = []
    for i, (_, settings) in enumerate(h.adapters):
        for kind, s in settings.items():
            named = {s.base, s.max, *s.array}
            out.append(ob(f"host.adapters[{i}].{kind}", True, named <= h.existing))
    return out


# ---- [trace] (decisions.md "Traces") --------------------------------------------------------------------------
# Flag values re-stated from rules.md §3.10/§3.11 and ntddndis.h (NDIS_RSS_PARAM_FLAG_*).

VPORT_FLAG_NAMES = {"LOOKAHEAD_SPLIT_ENABLED": 0x1, "PACKET_DIRECT_RX_ONLY": 0x2, "ENFORCE_MAX_SG_LIST": 0x8000,
                    "FLAGS_CHANGED": 0x10000, "NAME_CHANGED": 0x20000, "INT_MOD_CHANGED": 0x40000,
                    "STATE_CHANGED": 0x80000, "PROCESSOR_AFFINITY_CHANGED": 0x100000,
                    "NDK_PARAMS_CHANGED": 0x200000, "QOS_SQ_ID_CHANGED": 0x400000,
                    "NUM_QUEUE_PAIRS_CHANGED": 0x800000}
QUEUE_FLAG_NAMES = {"PER_QUEUE_RECEIVE_INDICATION": 0x1, "LOOKAHEAD_SPLIT_REQUIRED": 0x2, "FLAGS_CHANGED": 0x10000,
                    "PROCESSOR_AFFINITY_CHANGED": 0x20000, "SUGGESTED_RECV_BUFFER_NUMBERS_CHANGED": 0x40000,
                    "NAME_CHANGED": 0x80000, "INTERRUPT_COALESCING_DOMAIN_ID_CHANGED": 0x100000,
                    "QOS_SQ_ID_CHANGED": 0x200000}
RSS_FLAG_NAMES = {"BASE_CPU_UNCHANGED": 0x1, "HASH_INFO_UNCHANGED": 0x2, "ITABLE_UNCHANGED": 0x4,
                  "HASH_KEY_UNCHANGED": 0x8, "DISABLE_RSS": 0x10, "DEFAULT_PROCESSOR_UNCHANGED": 0x20}
SWITCH_FLAG_NAMES = {"SWITCH_NAME_CHANGED": 0x10000}

CREATE_SWITCH, DELETE_SWITCH = "OID_NIC_SWITCH_CREATE_SWITCH", "OID_NIC_SWITCH_DELETE_SWITCH"
CREATE_VPORT, DELETE_VPORT = "OID_NIC_SWITCH_CREATE_VPORT", "OID_NIC_SWITCH_DELETE_VPORT"
VPORT_PARAMETERS = "OID_NIC_SWITCH_VPORT_PARAMETERS"
RSS_PARAMETERS = "OID_GEN_RECEIVE_SCALE_PARAMETERS"
ALLOCATE_QUEUE, FREE_QUEUE = "OID_RECEIVE_FILTER_ALLOCATE_QUEUE", "OID_RECEIVE_FILTER_FREE_QUEUE"
QUEUE_PARAMETERS = "OID_RECEIVE_FILTER_QUEUE_PARAMETERS"
QUEUE_STATUS = "NDIS_STATUS_RECEIVE_FILTER_QUEUE_PARAMETERS"
RECEIVE_INDICATION = "RECEIVE_INDICATION"
ALLOCATE_VF = "OID_NIC_SWITCH_ALLOCATE_VF"
FLAG_TABLES = {CREATE_SWITCH: ("NDIS_NIC_SWITCH_PARAMETERS_", SWITCH_FLAG_NAMES),
               "OID_NIC_SWITCH_PARAMETERS": ("NDIS_NIC_SWITCH_PARAMETERS_", SWITCH_FLAG_NAMES),
               CREATE_VPORT: ("NDIS_NIC_SWITCH_VPORT_PARAMS_", VPORT_FLAG_NAMES),
               VPORT_PARAMETERS: ("NDIS_NIC_SWITCH_VPORT_PARAMS_", VPORT_FLAG_NAMES),
               ALLOCATE_QUEUE: ("NDIS_RECEIVE_QUEUE_PARAMETERS_", QUEUE_FLAG_NAMES),
               QUEUE_PARAMETERS: ("NDIS_RECEIVE_QUEUE_PARAMETERS_", QUEUE_FLAG_NAMES),
               QUEUE_STATUS: ("NDIS_RECEIVE_QUEUE_PARAMETERS_", QUEUE_FLAG_NAMES),
               RSS_PARAMETERS: ("NDIS_RSS_PARAM_FLAG_", RSS_FLAG_NAMES)}
# The members of a VM queue a queue-parameters set may change, each with its *_CHANGED flag (rules.md VMQ-Q-7).
QUEUE_MEMBER_FLAGS = {"flags": 0x10000, "processor_affinity": 0x20000, "num_suggested_receive_buffers": 0x40000,
                      "queue_name": 0x80000, "interrupt_coalescing_domain_id": 0x100000, "qos_sq_id": 0x200000}
VPORT_MEMBER_FLAGS = {"num_queue_pairs": 0x800000, "processor_affinity": 0x100000}
CHANGED_BITS = 0xFFFF0000

# Registry keyword classes (decisions.md "Registry reads"), lower-case.
RSS_KEYWORD_CLASS = {k.lower() for k in ("*RSS", "*RSSProfile", "*RssBaseProcGroup", "*NumaNodeId",
                                          "*RssBaseProcNumber", "*MaxRssProcessors", "*RssMaxProcNumber",
                                          "*NumRSSQueues", "*RssMaxProcGroup")}
VMQ_KEYWORD_CLASS = {"*vmq", "*vmqlookaheadsplit", "*vmqvlanfiltering"}
SRIOV_KEYWORD_CLASS = {"*sriov", "*numvfs"}
VMSMP_RESERVED_VALUES = {"*tengigvmqenabled", "*belowtengigvmqenabled", "*rssmaxprocnumber", "*maxrssprocessors"}


@dataclass
class Step:
    index: int
    oid: str
    request: str
    ok: bool                       # accepted: no status, or NDIS_STATUS_SUCCESS (0)
    f: dict[str, Any]              # the recorded fields (processors as indexes, lists as lists, flags as ints)

    @property
    def path(self) -> str:
        return f"trace.requests[{self.index}]"

    def get(self, name: str) -> Any:
        return self.f.get(name)

    def flag(self, bit: int) -> bool:
        return bool(self.f.get("flags", 0) & bit)

    def is_set(self, oid: str) -> bool:
        return self.oid == oid and self.request == "set"


def trace_flags(oid: str, value: Any) -> int:
    if isinstance(value, int):
        return value
    prefix, names = FLAG_TABLES[oid]
    result = 0
    for item in value:
        result |= item if isinstance(item, int) else names[item.strip().upper().removeprefix(prefix)]
    return result


def trace_steps(v: View) -> list[Step]:
    steps = []
    for index, raw in enumerate(v.doc.get("trace", {}).get("requests", [])):
        oid = raw["oid"].strip().upper()
        request = raw.get("request", "indication")
        status = raw.get("status")
        ok = status is None or status == 0 or (isinstance(status, str)
                                                and status.strip().upper() == "NDIS_STATUS_SUCCESS")
        fields: dict[str, Any] = {}
        for name, value in raw.items():
            if name in ("oid", "request", "status"):
                continue
            if name == "flags":
                value = trace_flags(oid, value)
            elif name in ("processor_affinity", "indirection_table"):
                value = [v.cpu(c) for c in value]
            elif name in ("processor", "default_processor"):
                value = v.cpu(value)
            elif name == "hash_secret_key" and isinstance(value, str):
                value = int(value.strip().removeprefix("0x"), 16)
            fields[name] = value
        steps.append(Step(index, oid, request, ok, fields))
    return steps


@dataclass
class PortState:
    count: int | None                        # NumQueuePairs in effect
    created: list[int] | None                # ProcessorAffinity of the create-VPort
    affinity: list[int] | None               # ProcessorAffinity in effect
    table: list[int] | None = None           # the indirection table in effect
    tables_at_count: list[list[int]] | None = None   # tables set while the current count is in effect
    disabled: bool = False                   # RSS (VMMQ) disabled by DISABLE_RSS
    hash_information: Any = None
    hash_secret_key: Any = None


def new_count(step: Step) -> int | None:
    """The NumQueuePairs a VPORT_PARAMETERS set asks for: given, with NUM_QUEUE_PAIRS_CHANGED or no flags."""
    if not step.is_set(VPORT_PARAMETERS) or step.get("num_queue_pairs") is None:
        return None
    if "flags" in step.f and not step.flag(0x800000):
        return None
    return step.get("num_queue_pairs")


class Replay:
    """What the trace shows before each step: per VPort and per VM queue, the state successful steps built."""

    def __init__(self, steps: list[Step]) -> None:
        self.steps = steps
        self.ports_before: list[dict[int, PortState]] = []
        self.queues_before: list[dict[int, dict[str, Any]]] = []
        self.switch_before: list[bool] = []
        self.allocated_before: list[int] = []
        ports: dict[int, PortState] = {}
        queues: dict[int, dict[str, Any]] = {}
        allocated: set[int] = set()
        switch = False
        for step in steps:
            self.ports_before.append({k: copy_port(p) for k, p in ports.items()})
            self.queues_before.append({k: dict(q) for k, q in queues.items()})
            self.switch_before.append(switch)
            self.allocated_before.append(len(allocated))
            if not step.ok:
                continue
            port_id, queue_id = step.get("vport"), step.get("queue")
            if step.oid == CREATE_SWITCH and step.request != "query":
                switch = True
                ports[0] = PortState(step.get("num_queue_pairs_for_default_vport"), None, None, tables_at_count=[])
            elif step.oid == DELETE_SWITCH:
                switch = False
                ports = {}
            elif step.oid == CREATE_VPORT and port_id is not None:
                affinity = step.get("processor_affinity")
                ports[port_id] = PortState(step.get("num_queue_pairs"), affinity, affinity, tables_at_count=[])
            elif step.oid == DELETE_VPORT and port_id is not None:
                ports.pop(port_id, None)
            elif step.oid == VPORT_PARAMETERS and port_id is not None:
                port = ports.setdefault(port_id, PortState(None, None, None, tables_at_count=[]))
                count = new_count(step) if step.request == "set" else step.get("num_queue_pairs")
                if count is not None and count != port.count:
                    port.count, port.tables_at_count = count, []
                affinity = step.get("processor_affinity")
                if affinity is not None and (step.request != "set" or "flags" not in step.f or step.flag(0x100000)):
                    port.affinity = affinity
            elif step.oid == RSS_PARAMETERS and port_id is not None:
                port = ports.setdefault(port_id, PortState(None, None, None, tables_at_count=[]))
                if step.request == "set" and step.flag(RSS_FLAG_NAMES["DISABLE_RSS"]):
                    port.disabled = True
                    continue
                if step.request == "set":
                    port.disabled = False
                    if port.hash_information is None and not step.flag(RSS_FLAG_NAMES["HASH_INFO_UNCHANGED"]):
                        port.hash_information = step.get("hash_information")
                    if port.hash_secret_key is None and not step.flag(RSS_FLAG_NAMES["HASH_KEY_UNCHANGED"]):
                        port.hash_secret_key = step.get("hash_secret_key")
                table = step.get("indirection_table")
                if table is not None and not step.flag(RSS_FLAG_NAMES["ITABLE_UNCHANGED"]):
                    port.table = table
                    if step.request == "set":
                        assert port.tables_at_count is not None
                        port.tables_at_count.append(table)
            elif step.oid == ALLOCATE_QUEUE and queue_id is not None:
                queues[queue_id] = queue_members(step, QUEUE_MEMBER_FLAGS)
                allocated.add(queue_id)
            elif step.oid == FREE_QUEUE and queue_id is not None:
                queues.pop(queue_id, None)
                allocated.discard(queue_id)
            elif step.oid in (QUEUE_PARAMETERS, QUEUE_STATUS) and queue_id is not None:
                reported = QUEUE_MEMBER_FLAGS if step.request == "query" else \
                    {m: bit for m, bit in QUEUE_MEMBER_FLAGS.items() if step.flag(bit)}
                queues.setdefault(queue_id, {}).update(queue_members(step, reported))


def copy_port(p: PortState) -> PortState:
    return PortState(p.count, p.created, p.affinity, p.table, list(p.tables_at_count or []), p.disabled,
                     p.hash_information, p.hash_secret_key)


def queue_members(step: Step, members: dict[str, int]) -> dict[str, Any]:
    """The queue members a step gives; flags keep their low 16 bits, an affinity is a mask (a set)."""
    out: dict[str, Any] = {}
    for name in members:
        value = step.get(name)
        if value is None:
            continue
        out[name] = value & 0xFFFF if name == "flags" else frozenset(value) if name == "processor_affinity" else value
    return out


def replay_of(v: View) -> Replay | None:
    if "trace" not in v.doc:
        return None
    cached = v.__dict__.get("_replay")
    if cached is None:
        cached = v.__dict__["_replay"] = Replay(trace_steps(v))
    return cached


def registry_reads(v: View) -> list[str] | None:
    trace = v.doc.get("trace")
    return None if trace is None else trace.get("registry_reads")


def read_key(name: str) -> str:
    """A registry read as compared: lower-case; a value under the VMSMP service key as 'vmsmp\\<value>'."""
    parts = [p for p in name.strip().split("\\") if p]
    if any(p.lower() == "vmsmp" for p in parts[:-1]):
        return "vmsmp\\" + parts[-1].lower()
    return name.strip().lower()


def preferences(v: View) -> tuple[bool, bool, bool]:
    """(SR-IOV, VMQ, RSS) preference: *SriovPreferred = 1; else *RssOrVmqPreference = 1; else RSS."""
    sp, vp = v.is_one("*SriovPreferred"), v.is_one("*RssOrVmqPreference")
    return sp, not sp and vp, not sp and not vp


@rule("INF-VMQ-4")
def inf_vmq_4(v: View) -> Outcome:
    # S8, one instance per (non-VMSMP) read; applies when *SriovPreferred ≠ 1: VMQ preference ⇒ no RSS keyword,
    # RSS preference ⇒ no VMQ keyword.
    sriov, vmq, rss = preferences(v)
    out = []
    for i, name in enumerate(registry_reads(v) or []):
        key = read_key(name)
        if key.startswith("vmsmp\\"):
            continue
        allowed = not (vmq and key in RSS_KEYWORD_CLASS) and not (rss and key in VMQ_KEYWORD_CLASS)
        out.append(ob(f"trace.registry_reads[{i}]", not sriov, allowed))
    return out


@rule("INF-VMQ-5")
def inf_vmq_5(v: View) -> Outcome:
    # One instance per read: the four VMSMP values never; the adapter's *RssMaxProcNumber / *MaxRssProcessors
    # not with VMQ enabled.
    out = []
    for i, name in enumerate(registry_reads(v) or []):
        key = read_key(name)
        if key.startswith("vmsmp\\"):
            allowed = key.removeprefix("vmsmp\\") not in VMSMP_RESERVED_VALUES
        else:
            allowed = not (v.vmq_en and key in ("*rssmaxprocnumber", "*maxrssprocessors"))
        out.append(ob(f"trace.registry_reads[{i}]", True, allowed))
    return out


@rule("INF-SRIOV-3")
def inf_sriov_3(v: View) -> Outcome:
    # S11: per (non-VMSMP) read: SR-IOV preference ⇒ no RSS keyword; VMQ preference ⇒ no RSS or SR-IOV keyword;
    # RSS preference ⇒ no VMQ or SR-IOV keyword. One more instance: SR-IOV preference ⇒ *SRIOV and
    # *VMQVlanFiltering were read (its premise is its guard, decisions.md "Premises are guards").
    reads = registry_reads(v)
    if reads is None:
        return []
    sriov, vmq, rss = preferences(v)
    out = []
    for i, name in enumerate(reads):
        key = read_key(name)
        if key.startswith("vmsmp\\"):
            continue
        forbidden = ((key in RSS_KEYWORD_CLASS and (sriov or vmq)) or (key in SRIOV_KEYWORD_CLASS and (vmq or rss))
                     or (key in VMQ_KEYWORD_CLASS and rss))
        out.append(ob(f"trace.registry_reads[{i}]", True, not forbidden))
    keys = {read_key(name) for name in reads}
    out.append(ob("trace.registry_reads", sriov, "*sriov" in keys and "*vmqvlanfiltering" in keys))
    return out


@rule("VPORT-4", min_ndis="6.30")
def vport_4(v: View) -> Outcome:
    r = replay_of(v)
    return [] if r is None else [ob(s.path, True, s.get("vport") != 0) for s in r.steps
                                 if s.oid in (CREATE_VPORT, DELETE_VPORT) and s.get("vport") is not None]


@rule("VPORT-6", min_ndis="6.30")
def vport_6(v: View) -> Outcome:
    # Steps with flags: create-VPort and VPORT_PARAMETERS requests other than sets carry no *_CHANGED flag; a set
    # carries at least one, and changes NumQueuePairs / ProcessorAffinity (a mask: compared as a set) against
    # the VPort's state only with its flag.
    r = replay_of(v)
    if r is None:
        return []
    out = []
    for s, ports in zip(r.steps, r.ports_before):
        if s.oid not in (CREATE_VPORT, VPORT_PARAMETERS) or "flags" not in s.f:
            continue
        changed = s.get("flags") & CHANGED_BITS
        if not s.is_set(VPORT_PARAMETERS):
            out.append(ob(s.path, True, changed == 0))
            continue
        ok = changed != 0
        port = ports.get(s.get("vport"))
        if port is not None:
            for member, bit in VPORT_MEMBER_FLAGS.items():
                new = s.get(member)
                old = port.count if member == "num_queue_pairs" else port.affinity
                if member == "processor_affinity" and new is not None and old is not None:
                    new, old = set(new), set(old)
                if new is not None and old is not None and new != old and not s.flag(bit):
                    ok = False
        out.append(ob(s.path, True, ok))
    return out


@rule("VMMQ-VP-5")
def vmmq_vp_5(v: View) -> Outcome:
    # Receive indications of a VPort whose RSS a DISABLE_RSS set turned off are on the lowest processor of its
    # create-VPort ProcessorAffinity (VPorts without one, e.g. the default VPort, are not judged).
    r = replay_of(v)
    if r is None:
        return []
    out = []
    for s, ports in zip(r.steps, r.ports_before):
        port = ports.get(s.get("vport")) if s.oid == RECEIVE_INDICATION else None
        if port is not None and port.disabled and port.created and s.get("processor") is not None:
            out.append(ob(s.path, True, s.get("processor") == min(port.created)))
    return out


def lowerings(r: Replay) -> list[tuple[int, Step, PortState, int]]:
    """(position, step, VPort state before, new count) of every VPORT_PARAMETERS set lowering NumQueuePairs."""
    out = []
    for position, (s, ports) in enumerate(zip(r.steps, r.ports_before)):
        count = new_count(s)
        port = ports.get(s.get("vport"))
        if count is not None and port is not None and port.count is not None and count < port.count:
            out.append((position, s, port, count))
    return out


@rule("VMMQ-RSS-6")
def vmmq_rss_6(v: View) -> Outcome:
    r = replay_of(v)
    if r is None:
        return []
    return [ob(s.path, True, len(set(port.table or [])) <= count) for _, s, port, count in lowerings(r)]


def repeated(table: list[int], pattern: list[int]) -> bool:
    return bool(pattern) and len(table) % len(pattern) == 0 and table == pattern * (len(table) // len(pattern))


def restricted(v: View) -> bool:
    """RSS_PER_PF_VPORT_INDIRECTION_TABLE_SIZE_RESTRICTED: current NIC switch caps when reported, else hardware."""
    section = vport_bound_section(v)
    return section is not None and bool(caps(section) & 0x1000)


@rule("VMMQ-RSS-10")
def vmmq_rss_10(v: View) -> Outcome:
    # As VMMQ-RSS-6, and on a RESTRICTED adapter: the table in effect has the size of the first table set at the
    # old count, and when the VPort's next table (the next RSS set that sends one) is smaller, it is that table
    # repeated.
    r = replay_of(v)
    if r is None:
        return []
    out = []
    for position, s, port, count in lowerings(r):
        table = port.table or []
        ok = len(set(table)) <= count
        if restricted(v):
            first = port.tables_at_count[0] if port.tables_at_count else None
            if first is not None and len(first) != len(table):
                ok = False
            following = next((t.get("indirection_table") for t in r.steps[position + 1:]
                              if t.is_set(RSS_PARAMETERS) and t.get("vport") == s.get("vport")
                              and t.get("indirection_table") is not None
                              and not t.flag(RSS_FLAG_NAMES["ITABLE_UNCHANGED"])), None)
            if following is not None and table and len(following) < len(table) and not repeated(table, following):
                ok = False
        out.append(ob(s.path, True, ok))
    return out


@rule("VMMQ-RSS-7")
def vmmq_rss_7(v: View) -> Outcome:
    # An RSS set whose table grows over the table in effect (more entries or more distinct processors) references
    # at most the VPort's NumQueuePairs processors: the raising VPORT_PARAMETERS set came first.
    r = replay_of(v)
    if r is None:
        return []
    out = []
    for s, ports in zip(r.steps, r.ports_before):
        table = s.get("indirection_table")
        port = ports.get(s.get("vport"))
        if not s.is_set(RSS_PARAMETERS) or table is None or s.flag(RSS_FLAG_NAMES["ITABLE_UNCHANGED"]) \
                or port is None or port.count is None or port.table is None:
            continue
        if len(table) > len(port.table) or len(set(table)) > len(set(port.table)):
            out.append(ob(s.path, True, len(set(table)) <= port.count))
    return out


SWITCH_STEP_FIELDS = ("flags", "switch_type", "switch_id", "switch_friendly_name", "num_vfs",
                      "num_queue_pairs_for_default_vport", "revision")


@rule("NSP-7")
def nsp_7(v: View) -> Outcome:
    # static_switch and [nic_switch.parameters]: a create-switch (not a query) giving any parameter that differs
    # from the initialisation parameters has a failure status.
    r, init = replay_of(v), v.s(NSP_SECTION)
    if r is None or init is None or not v.doc["trace"].get("static_switch", False):
        return []
    defaults = {"switch_friendly_name": ""}
    out = []
    for s in r.steps:
        if s.oid != CREATE_SWITCH or s.request == "query":
            continue
        given = [name for name in SWITCH_STEP_FIELDS if name in s.f]
        if not given:
            continue
        same = all(s.get(name) == init.get(name, defaults.get(name, 0)) for name in given)
        out.append(ob(s.path, True, same or not s.ok))
    return out


def affinity_steps(r: Replay) -> list[Step]:
    return [s for s in r.steps if s.get("processor_affinity") is not None
            and (s.oid == ALLOCATE_QUEUE or (s.is_set(QUEUE_PARAMETERS) and s.flag(0x20000)))]


@rule("VMQ-Q-1")
def vmq_q_1(v: View) -> Outcome:
    r = replay_of(v)
    return [] if r is None else [ob(s.path, True, len(s.get("processor_affinity")) > 0) for s in affinity_steps(r)]


@rule("VMQ-Q-7")
def vmq_q_7(v: View) -> Outcome:
    # A queue-parameters set (flags recorded) on a queue the trace knows changes a member only with its flag.
    r = replay_of(v)
    if r is None:
        return []
    out = []
    for s, queues in zip(r.steps, r.queues_before):
        state = queues.get(s.get("queue"))
        if not s.is_set(QUEUE_PARAMETERS) or "flags" not in s.f or state is None:
            continue
        given = queue_members(s, QUEUE_MEMBER_FLAGS)
        ok = all(given[m] == state[m] or s.flag(bit) for m, bit in QUEUE_MEMBER_FLAGS.items()
                 if m in given and m in state)
        out.append(ob(s.path, True, ok))
    return out


@rule("VMQ-Q-12", min_ndis="6.30")
def vmq_q_12(v: View) -> Outcome:
    r = replay_of(v)
    if r is None:
        return []
    out = []
    for s in r.steps:
        if s.oid != QUEUE_STATUS or ("flags" not in s.f and "revision" not in s.f):
            continue
        ok = s.f.get("flags", 0) & CHANGED_BITS & ~0x100000 == 0 and s.f.get("revision", 2) == 2
        out.append(ob(s.path, True, ok))
    return out


# ---- INF declarations (rules.md D-12, INF-VMQ-2; decisions.md "INF files") ------------------------------------
# These read an INF file, never `[inf]`: on a configuration they have no instance. An INF is compared through
# `evaluate_inf`, on the declarations the generator wrote into it (InfSpec), model by model.

for _inf_rule in ("INF-DECL-1", "INF-DECL-2", "INF-VMQ-2"):
    rule(_inf_rule)(lambda v: [])

NUMERIC_NDI_TYPES = {"int": (-(1 << 31), (1 << 31) - 1), "long": (-(1 << 31), (1 << 31) - 1),
                     "word": (0, 0xFFFF), "dword": (0, 0xFFFFFFFF)}
HIDDEN_KEYWORDS = ("*RssOrVmqPreference", "*SriovPreferred")


def inf_number(text: str | None) -> int | None:
    """An INF/registry number: decimal with an optional sign, or 0x hex; None otherwise."""
    if text is None:
        return None
    text = text.strip()
    body = text[1:] if text[:1] in "+-" else text
    if body.isdigit() and body.isascii() and len(body) <= 20:
        return int(text)
    digits = text[2:]
    if text[:2] in ("0x", "0X") and 1 <= len(digits) <= 16 and all(c in "0123456789abcdefABCDEF" for c in digits):
        return int(digits, 16)
    return None


@dataclass
class Declared:
    keyword: str                                     # as first spelled
    values: dict[str, str]                           # value name (lower-case) → the last value written
    enum: list[str]                                  # enum value names, first occurrences


def inf_declarations(model: dict[str, Any]) -> tuple[dict[str, Declared], dict[str, str]]:
    """The model's declarations (by lower-case keyword) and direct writes (lower-case name → name as last
    spelled), from its AddReg entries in order."""
    declared: dict[str, Declared] = {}
    writes: dict[str, str] = {}
    for entry in model["entries"]:
        kind = entry[0]
        if kind == "write":
            writes[entry[1].lower()] = entry[1]
            continue
        if kind not in ("param", "enum"):
            continue
        keyword = entry[1]
        d = declared.setdefault(keyword.lower(), Declared(keyword, {}, []))
        if kind == "param":
            d.values[entry[2].lower()] = entry[3]
        elif entry[2] not in d.enum:
            d.enum.append(entry[2])
    return declared, writes


def inf_decl_1(model: dict[str, Any]) -> Outcome:
    declared, _ = inf_declarations(model)
    out = []
    for d in declared.values():
        if d.values.get("type", "").strip().lower() != "enum":
            continue
        default = d.values.get("default")
        ok = default is not None and any(
            name.strip().lower() == default.strip().lower()
            or (inf_number(default) is not None and inf_number(name) == inf_number(default)) for name in d.enum)
        out.append(ob(f"Ndi\\Params\\{d.keyword}.default", True, ok))
    return out


def inf_decl_2(model: dict[str, Any]) -> Outcome:
    declared, _ = inf_declarations(model)
    out = []
    for d in declared.values():
        kind = d.values.get("type", "").strip().lower()
        if kind not in NUMERIC_NDI_TYPES:
            continue
        texts = {name: d.values.get(name) for name in ("default", "min", "max", "step")}
        numbers = {name: inf_number(text) for name, text in texts.items()}
        low = numbers["min"] if numbers["min"] is not None else NUMERIC_NDI_TYPES[kind][0]
        high = numbers["max"] if numbers["max"] is not None else NUMERIC_NDI_TYPES[kind][1]
        default, step = numbers["default"], numbers["step"]
        ok = default is not None and low <= high and low <= default <= high
        ok = ok and all(texts[n] is None or numbers[n] is not None for n in ("min", "max"))
        if texts["step"] is not None:
            ok = ok and step is not None and step >= 1 and (default - low) % step == 0
        where = f"Ndi\\Params\\{d.keyword}" + (".default" if texts["default"] is not None else "")
        out.append(ob(where, True, ok))
    return out


def inf_vmq_2(model: dict[str, Any]) -> Outcome:
    declared, writes = inf_declarations(model)
    out = []
    for name in HIDDEN_KEYWORDS:
        if name.lower() in declared:
            out.append(ob(f"Ndi\\Params\\{declared[name.lower()].keyword}", True, False))
        elif name.lower() in writes:
            out.append(ob(f"HKR.{writes[name.lower()]}", True, False))
        else:
            out.append(ob(f"INF ({name})", True, True))
    return out


INF_RULES: dict[str, Callable[[dict[str, Any]], Outcome]] = {
    "INF-DECL-1": inf_decl_1, "INF-DECL-2": inf_decl_2, "INF-VMQ-2": inf_vmq_2}


def evaluate_inf(spec: dict[str, Any], rule_ids: list[str]) -> dict[str, Outcome]:
    """Each rule's instances over every model of a generated INF, prefixed with the model's install section."""
    result: dict[str, Outcome] = {}
    for rule_id in rule_ids:
        outcome: Outcome = []
        for model in spec["models"]:
            found = INF_RULES[rule_id](model) if rule_id in INF_RULES else []
            outcome += [(f"{model['name']}: {instance}", verdict) for instance, verdict in found or [("-", NA)]]
        result[rule_id] = outcome
    return result


# ---- warnings and advice on [host], [trace] and INF files --------------------------------------------------------

@rule("HOST-4")
def host_4(v: View) -> Outcome:
    # Enabled settings only: processor 0:0 handles the host's default work when the setting is in use.
    h = host_of(v)
    if h is None:
        return []
    return [ob(f"host.adapters[{i}].{kind}", True, s.base != 0)
            for i, (_, settings) in enumerate(h.adapters) for kind, s in settings.items() if s.enabled]


@rule("HOST-5")
def host_5(v: View) -> Outcome:
    # With SMT, every setting's base and max (as in effect) are even processor numbers within their group.
    h = host_of(v)
    if h is None or not h.smt:
        return []
    return [ob(f"host.adapters[{i}].{kind}", True, (s.base % v.ppg) % 2 == 0 and (s.max % v.ppg) % 2 == 0)
            for i, (_, settings) in enumerate(h.adapters) for kind, s in settings.items()]


@rule("HOST-6")
def host_6(v: View) -> Outcome:
    # An adapter on a known NUMA node (not 65535): each of its settings' processor sets lies on that node.
    raw = v.doc.get("host")
    h = host_of(v)
    if h is None or not raw.get("numa_nodes"):
        return []
    nodes = {int(key): cpu_ranges(v, text) for key, text in raw["numa_nodes"].items()}
    out = []
    for i, entry in enumerate(raw.get("adapters", [])):
        node = entry.get("numa_node")
        if node not in nodes:
            continue
        for kind, s in h.adapters[i][1].items():
            out.append(ob(f"host.adapters[{i}].{kind}", True, h.processor_set(s) <= nodes[node]))
    return out


@rule("VMQ-Q-2")
def vmq_q_2(v: View) -> Outcome:
    # popcount(mask) = 1: the processors a step lists, each counted once.
    r = replay_of(v)
    return [] if r is None else [ob(s.path, True, len(set(s.get("processor_affinity"))) == 1)
                                 for s in affinity_steps(r)]


@rule("VMMQ-VP-6")
def vmmq_vp_6(v: View) -> Outcome:
    r = replay_of(v)
    return [] if r is None else [ob(s.path, True, not s.flag(0x800000) or s.is_set(VPORT_PARAMETERS))
                                 for s in r.steps if s.oid in (CREATE_VPORT, VPORT_PARAMETERS) and "flags" in s.f]


@rule("D-19")
def d_19(v: View) -> Outcome:
    # INF-VMQ-4, INF-VMQ-5 and INF-SRIOV-3 over the whole read set, one instance.
    if registry_reads(v) is None:
        return []
    verdicts = [verdict for rule_id in ("INF-VMQ-4", "INF-VMQ-5", "INF-SRIOV-3") for _, verdict in RULES[rule_id].fn(v)]
    return [ob("trace.registry_reads", True, VIOLATED not in verdicts)]


def caps_in_effect(v: View, bit: int) -> bool:
    """A NIC switch capability bit: of the current capabilities when reported (not zeroed), else the hardware."""
    section = vport_bound_section(v)
    return section is not None and bool(caps(section) & bit)


@rule("D-16")
def d_16(v: View) -> Outcome:
    # One instance per step it constrains (decisions.md): create-VPort / allocate-VF after create-switch; with
    # NIC_SWITCH_WITHOUT_IOV no allocate-queue while a switch exists and no create-switch while VM queues are
    # allocated; RSS sets and count changes keep distinct(table) ≤ NumQueuePairs; hash information and key keep
    # their first value in the VPort's lifetime unless the set says *_UNCHANGED.
    r = replay_of(v)
    if r is None:
        return []
    without_iov = caps_in_effect(v, 0x40)
    out = []
    for index, s in enumerate(r.steps):
        switch, queues = r.switch_before[index], r.allocated_before[index]
        port = r.ports_before[index].get(s.get("vport"))
        checks: list[bool] = []
        if s.oid in (CREATE_VPORT, ALLOCATE_VF) and s.request != "query":
            checks.append(switch)
        if s.oid == ALLOCATE_QUEUE:
            checks.append(not (without_iov and switch))
        if s.oid == CREATE_SWITCH and s.request != "query":
            checks.append(not (without_iov and queues > 0))
        if s.is_set(RSS_PARAMETERS) and port is not None:
            table = None if s.flag(RSS_FLAG_NAMES["ITABLE_UNCHANGED"]) else s.get("indirection_table")
            if table is not None and port.count is not None:
                checks.append(len(set(table)) <= port.count)
            for name, keep in (("hash_information", "HASH_INFO_UNCHANGED"), ("hash_secret_key", "HASH_KEY_UNCHANGED")):
                first = getattr(port, name)
                if s.get(name) is not None and first is not None and not s.flag(RSS_FLAG_NAMES[keep]):
                    checks.append(s.get(name) == first)
        count = new_count(s)
        if count is not None and port is not None and port.table is not None:
            checks.append(len(set(port.table)) <= count)
        if checks:
            out.append(ob(s.path, True, all(checks)))
    return out


# INF files: INF-DECL-3 (warning), INF-VMMQ-2 (warning), INF-DECL-4 and INF-DECL-5 (info)
STANDARD_KEYWORD_KINDS = {name.lower(): ("enum" if name in ("*RssOnHostVPorts", "*VMQ", "*VMQLookaheadSplit",
                                                            "*VMQVlanFiltering", "*RssOrVmqPreference", "*SRIOV",
                                                            "*SriovPreferred", "*RSS", "*RSSProfile") else "int")
                          for name in KEYWORD_DEFAULTS}
for _inf_rule in ("INF-DECL-3", "INF-VMMQ-2", "INF-DECL-4", "INF-DECL-5"):
    rule(_inf_rule)(lambda v: [])


def inf_decl_3(model: dict[str, Any]) -> Outcome:
    declared, _ = inf_declarations(model)
    out = []
    for key, d in declared.items():
        kind = STANDARD_KEYWORD_KINDS.get(key)
        if kind is None:
            continue
        declared_type = d.values.get("type", "").strip().lower()
        ok = declared_type == "enum" if kind == "enum" else declared_type in NUMERIC_NDI_TYPES
        out.append(ob(f"Ndi\\Params\\{d.keyword}.type", True, ok))
    return out


def inf_vmmq_2(model: dict[str, Any]) -> Outcome:
    declared, _ = inf_declarations(model)
    vmmq = declared.get("*rssonhostvports")
    if vmmq is None:
        return []
    return [ob(f"Ndi\\Params\\{vmmq.keyword}", True, RSS_KEYWORD_CLASS <= set(declared))]


def inf_decl_4(model: dict[str, Any]) -> Outcome:
    return [ob("INF template", True, not model.get("placeholders"))]


def inf_decl_5(model: dict[str, Any]) -> Outcome:
    return [ob("INF file", True, not model.get("fragment"))]


INF_RULES.update({"INF-DECL-3": inf_decl_3, "INF-VMMQ-2": inf_vmmq_2, "INF-DECL-4": inf_decl_4,
                  "INF-DECL-5": inf_decl_5})


# ---- warnings and advice on the configuration (rules.md §2.2 RF-CAP-14, §2.11 VPORT-9, §5 derived) ---------------
# The NIC switch maxima that bound the VPorts are those of the current capabilities when reported (not zeroed),
# else the hardware ones (decisions.md VPORT-3/VPORT-9); a revision-N field only from revision N.

def bound_field(v: View, name: str, since: int) -> tuple[int, bool] | None:
    """(value, applies); a zeroed current section with no hardware one bounds nothing (the instance stays, n/a)."""
    section = vport_bound_section(v)
    if section is None:
        current = v.s(NSC_CUR)
        return None if current is None else (current.get(name, 0), False)
    applies = section["revision"] == 3 if since == 3 else section["revision"] >= since
    return section.get(name, 0), applies


def reported_nsc(v: View) -> list[tuple[str, dict[str, int], bool]]:
    """The NIC switch capability sections, each with whether it is reported (current: when not zeroed)."""
    return [(s, r, s == NSC_HW or not_zeroed(r)) for s in (NSC_HW, NSC_CUR) if (r := v.s(s)) is not None]


@rule("RF-CAP-14")
def rf_cap_14(v: View) -> Outcome:
    out = []
    for section in RFC:
        r = v.s(section)
        if r is not None:
            reported = section == RFC_HW or not_zeroed(r)
            out.append(ob(section, reported and v.vmq_sup,
                          r.get("max_mac_header_filters", 0) >= r.get("num_queues", 0)))
    return out


@rule("VPORT-9")
def vport_9(v: View) -> Outcome:
    if not v.vports:
        return []
    out = []
    pairs = bound_field(v, "max_num_queue_pairs", 2)
    if pairs is not None:
        out.append(ob("vports", pairs[1], sum(p.num_queue_pairs for p in v.vports) <= pairs[0]))
    count = bound_field(v, "max_num_vports", 2)
    if count is not None:
        out.append(ob("vports (count)", count[1], len(v.vports) <= count[0]))
    per_vport = bound_field(v, "max_num_queue_pairs_per_non_default_vport", 2)
    if per_vport is not None:
        out += [ob(p.path, per_vport[1], p.num_queue_pairs <= per_vport[0]) for p in v.vports if p.id != 0]
    return out


@rule("D-3", physical_only=True)
def d_3(v: View) -> Outcome:
    out = []
    if v.msix is not None:
        out.append(ob("msix", True, 1 <= v.msix["table_size"] <= 2048))
    rsc = v.s(RSC)
    if rsc is not None:
        out.append(ob(RSC, True, rsc.get("number_of_interrupt_messages", 0) <= 2048))
    return out


@rule("D-5")
def d_5(v: View) -> Outcome:
    out = []
    for section, r, reported in reported_nsc(v):
        pairs = r.get("max_num_queue_pairs", 0)
        default_fits = r["revision"] != 3 or \
            r.get("max_num_queue_pairs_for_default_vport", 0) <= pairs - (r.get("max_num_vports", 0) - 1)
        out.append(ob(section, reported and r["revision"] >= 2,
                      default_fits and r.get("max_num_queue_pairs_per_non_default_vport", 0) <= pairs))
    vp0 = default_vport(v)
    limit = bound_field(v, "max_num_queue_pairs_for_default_vport", 3)
    if vp0 is not None and limit is not None:
        out.append(ob(vp0.path, limit[1], vp0.num_queue_pairs <= limit[0]))
    return out


@rule("D-6")
def d_6(v: View) -> Outcome:
    out = []
    for section, r, reported in reported_nsc(v):
        capable, vports = r.get("max_num_rss_capable_non_default_pf_vports", 0), r.get("max_num_vports", 0)
        ok = capable <= vports - 1 and (bool(caps(r) & 0x10) or capable <= vports - r.get("max_num_vfs", 0))
        out.append(ob(section, reported and r["revision"] == 3, ok))
    limit = bound_field(v, "max_num_rss_capable_non_default_pf_vports", 3)
    candidates = [p for p in v.vports if p.id != 0 and p.pf]
    if limit is not None and candidates:
        out.append(ob("vports", limit[1], sum(1 for p in candidates if p.vmmq) <= limit[0]))
    return out


@rule("D-10")
def d_10(v: View) -> Outcome:
    out = []
    rfc = v.s(RFC_HW)
    if rfc is not None:
        out.append(ob(RFC_HW, v.vmmq_sup, bool(sqp(rfc) & 0x8)))
    rsc = v.s(RSC)
    if rsc is not None and v.ndis >= (6, 80):
        out.append(ob(RSC, v.vmmq_sup, bool(rsc.get("capabilities_flags", 0) & 0x40000000)))
    return out


@rule("D-11", physical_only=True)
def d_11(v: View) -> Outcome:
    if v.msix is None:
        return []
    size = v.msix["table_size"]
    out = []
    rfc, hw = v.s(RFC_HW), v.s(NSC_HW)
    if rfc is not None:
        out.append(ob("msix", v.vmq_sup, rfc.get("num_queues", 0) + 1 <= size))
    pf = [p for p in v.vports if p.pf]
    if pf:
        out.append(ob("msix (VMMQ queue pairs)", v.vmmq_en, sum(p.num_queue_pairs for p in pf) <= size))
    if hw is not None:
        out.append(ob("msix (MaxNumQueuePairs)", v.vmmq_sup and hw["revision"] >= 2,
                      hw.get("max_num_queue_pairs", 0) <= size))
    return out


@rule("D-13")
def d_13(v: View) -> Outcome:
    rsc = v.s(RSC)
    if rsc is None or not v.present("*NumRSSQueues"):
        return []
    return [ob('inf."*NumRSSQueues"', True, v.keyword("*NumRSSQueues") <= rsc.get("number_of_receive_queues", 0))]


@rule("D-14")
def d_14(v: View) -> Outcome:
    info = rss_processor_info(v)
    return [] if info is None else [ob("rss_processors", True, len(set(info[1])) == len(info[1]))]


@rule("D-15", physical_only=True)
def d_15(v: View) -> Outcome:
    info = rss_processor_info(v)
    if info is None:
        return []
    return [ob(f"queues[{i}]", True, v.cpu(q["cpu"]) in info[1]) for i, q in enumerate(v.queues)]


@rule("D-17")
def d_17(v: View) -> Outcome:
    hw = v.s(NSC_HW)
    others = [p for p in v.vports if p.id != 0]
    if hw is None or len(others) < 2:
        return []
    return [ob("vports", not caps(hw) & 0x4, all(p.num_queue_pairs == others[0].num_queue_pairs for p in others))]


@rule("D-18")
def d_18(v: View) -> Outcome:
    hw = v.s(NSC_HW)
    if hw is None:
        return []
    single = bool(caps(hw) & 0x10)
    vports, vfs = hw.get("max_num_vports", 0), hw.get("max_num_vfs", 0)
    ok = single or not v.vmq_sup or vports - vfs >= 1
    parameters = v.s(NSP_SECTION)
    if v.vports or parameters is not None:
        pf_count = sum(1 for p in v.vports if p.id != 0 and p.pf)
        allocated = parameters.get("num_vfs", 0) if parameters is not None else \
            len({p.function_id for p in v.vports if not p.pf})
        ok = ok and (not single or pf_count + allocated <= vports - 1)
    return [ob(NSC_HW, hw["revision"] >= 2, ok)]


CURRENT_WITHIN = {
    # rules.md D-1: flags current ⊆ hardware; numeric maxima current ≤ hardware
    "receive_filter": (("supported_queue_properties", "supported_filter_tests", "supported_headers",
                        "supported_mac_header_fields", "supported_arp_header_fields", "supported_ipv4_header_fields",
                        "supported_ipv6_header_fields", "supported_udp_header_fields"),
                       ("num_queues", "max_mac_header_filters", "max_field_tests_per_packet_coalescing_filter",
                        "max_packet_coalescing_filters")),
    "nic_switch": (("nic_switch_capabilities",),
                   ("max_num_vports", "max_num_vfs", "max_num_queue_pairs", "max_num_queue_pairs_per_non_default_vport",
                    "max_num_mac_addresses", "max_num_rss_capable_non_default_pf_vports",
                    "number_of_indirection_table_entries_for_default_vport",
                    "number_of_indirection_table_entries_per_non_default_pf_vport",
                    "max_num_queue_pairs_for_default_vport")),
}


@rule("D-1")
def d_1(v: View) -> Outcome:
    out = []
    for group, (flag_fields, maxima) in CURRENT_WITHIN.items():
        cur, hw = v.s(f"{group}.current"), v.s(f"{group}.hardware")
        if cur is None or hw is None:
            continue
        ok = all(cur.get(n, 0) & ~hw.get(n, 0) == 0 for n in flag_fields) and \
            all(cur.get(n, 0) <= hw.get(n, 0) for n in maxima)
        out.append(ob(f"{group}.current", True, ok))
    return out


@rule("D-4")
def d_4(v: View) -> Outcome:
    out = []
    rsc = v.s(RSC)
    if rsc is not None:
        out.append(ob(RSC, True, rsc.get("number_of_indirection_table_entries", 0) <= 128))
    default_ite = "number_of_indirection_table_entries_for_default_vport"
    other_ite = "number_of_indirection_table_entries_per_non_default_pf_vport"
    for section, r, reported in reported_nsc(v):
        a, b = r.get(default_ite, 0), r.get(other_ite, 0)
        ok = (a == 0 or pow2(a)) and (b == 0 or pow2(b))
        if caps(r) & 0x1000:
            ok = ok and a >= nextpow2(r.get("max_num_queue_pairs_for_default_vport", 0)) \
                and b >= nextpow2(r.get("max_num_queue_pairs_per_non_default_vport", 0))
        out.append(ob(section, reported and r["revision"] == 3, ok))
    first, second = bound_field(v, default_ite, 3), bound_field(v, other_ite, 3)
    if first is not None and second is not None:
        separate = v.doc.get("policy", {}).get("vport_table_size", "common-min") == "separate"
        for p in v.vports:
            if not p.pf or not p.size_known:
                continue
            bound = (first[0] if p.id == 0 else second[0]) if separate else min(first[0], second[0])
            out.append(ob(p.path, first[1] and p.vmmq, p.size <= bound))
    return out


@rule("D-9")
def d_9(v: View) -> Outcome:
    # vmmq_en ⇒ the whole VMMQ chain: keywords (*RssOnHostVPorts ≠ 0, a creatable switch as NSP-11 reads it),
    # NDIS ≥ 6.60, the hardware NIC switch flags and revision 3, NIC_SWITCH_WITHOUT_IOV unless SR-IOV is on and
    # preferred, and revision 2 switch parameters.
    if not v.vports:
        return []
    sp, vp = v.keyword("*SriovPreferred"), v.keyword("*RssOrVmqPreference")
    ok = v.keyword("*RssOnHostVPorts") != 0 and (sp == 1 or (sp == 0 and vp == 1)) and v.ndis >= (6, 60)
    hw, parameters = v.s(NSC_HW), v.s(NSP_SECTION)
    if hw is not None:
        needed = 0x80 | 0x100 | 0x10
        without_sriov = not v.is_one("*SRIOV") or sp != 1
        ok = ok and caps(hw) & needed == needed and hw["revision"] == 3 and (not without_sriov or bool(caps(hw) & 0x40))
    if parameters is not None:
        ok = ok and parameters["revision"] == 2
    return [ob("vports", v.vmmq_en, ok)]


# ---- the rules issue 13 added to the comparison: D-2, RSS-CAP-7, RPI-4…7, MSIX-5, VMQ-Q-13 ---------------------

def rss_processor_fields(v: View) -> tuple[dict[str, int], list[dict[str, Any]]] | None:
    """rss_processor_info's fields plus the ones RPI-4…7 read (NDIS fills MaxNumRssProcessors with the count,
    PreferredNumaNode 0 and RssProfile from *RSSProfile, else 4), and the processor entries as tables."""
    info = rss_processor_info(v)
    if info is None:
        return None
    raw = v.doc["rss_processors"]
    fields = dict(info[0])
    profile = v.keyword("*RSSProfile") if v.present("*RSSProfile") else 4
    for name, default in (("max_num_rss_processors", len(info[1])), ("preferred_numa_node", 0),
                          ("rss_profile", profile)):
        fields[name] = raw.get(name, default)
    entries = [p if isinstance(p, dict) else {"cpu": p} for p in raw.get("processors", [])]
    return fields, [{**e, "cpu": v.cpu(e["cpu"])} for e in entries]


# rules.md §3: the fields each revision adds (NDIS_SIZEOF_<structure>_REVISION_N ends after the last of them).
FIELDS_SINCE: dict[str, dict[int, tuple[str, ...]]] = {
    "receive_filter": {2: ("supported_arp_header_fields", "supported_ipv4_header_fields",
                           "supported_ipv6_header_fields", "supported_udp_header_fields",
                           "max_field_tests_per_packet_coalescing_filter", "max_packet_coalescing_filters",
                           "ndis_reserved")},
    "nic_switch": {2: ("nic_switch_capabilities", "max_num_switches", "max_num_vports", "max_num_vfs",
                       "max_num_queue_pairs", "max_num_queue_pairs_per_non_default_vport", "max_num_mac_addresses")
                      + tuple(f"ndis_reserved{i}" for i in range(4, 18)),
                   3: ("max_num_rss_capable_non_default_pf_vports",
                       "number_of_indirection_table_entries_for_default_vport",
                       "number_of_indirection_table_entries_per_non_default_pf_vport",
                       "max_num_queue_pairs_for_default_vport")},
    "nic_switch.parameters": {2: ("num_queue_pairs_for_default_vport",)},
    "rss_capabilities": {2: ("number_of_indirection_table_entries",)},
    "rss_processors": {2: ("rss_max_processor", "rss_profile")},
}


@rule("D-2")
def d_2(v: View) -> Outcome:
    # Per structure: its Type, 1 ≤ Revision ≤ the highest, Size ≥ NDIS_SIZEOF of its revision (a revision with no
    # size asks for none: the revision part fails already), a revision-N field non-zero ⇒ Revision ≥ N; in the
    # NDIS-filled [rss_processors] only the fields the file gives count.
    headers: list[tuple[str, dict[str, int], dict[int, int], int, set[str] | None]] = [
        (section, r, SIZES[section], TYPES.get(section, 0x80), None) for section, r in v.sections.items()]
    rpi = rss_processor_fields(v)
    if rpi is not None:
        headers.append(("rss_processors", rpi[0], RPI_SIZES, 0xB1, set(v.doc["rss_processors"])))
    out = []
    for section, r, sizes, object_type, given in headers:
        since = FIELDS_SINCE.get(section, FIELDS_SINCE.get(section.split(".")[0], {}))
        revision = r["revision"]
        late = [name for n, names in since.items() for name in names
                if (given is None or name in given) and r.get(name, 0) != 0 and revision < n]
        out.append(ob(section, True, r["type"] == object_type and 1 <= revision <= max(sizes)
                      and r["size"] >= sizes.get(revision, 0) and not late))
    return out


@rule("RSS-CAP-7")
def rss_cap_7(v: View) -> Outcome:
    # Per PF VPort that lists its table: its distinct processors ≤ NumberOfReceiveQueues.
    r = v.s(RSC)
    if r is None:
        return []
    return [ob(p.path, True, len(set(p.table)) <= r.get("number_of_receive_queues", 0))
            for p in v.vports if p.pf and p.table is not None]


@rule("RPI-4", min_ndis="6.20")
def rpi_4(v: View) -> Outcome:
    info = rss_processor_fields(v)
    if info is None:
        return []
    r = info[0]
    return [ob("rss_processors", True, r["max_num_rss_processors"] <= r["rss_processor_count"])]


@rule("RPI-5", min_ndis="6.20")
def rpi_5(v: View) -> Outcome:
    # PreferredNumaNode = *NumaNodeId when the keyword is present and names a node the processors show (the
    # highest numa_node given, + 1; at least one node).
    info = rss_processor_fields(v)
    if info is None or not v.present("*NumaNodeId"):
        return []
    r, entries = info
    node = v.keyword("*NumaNodeId")
    nodes = 1 + max((e["numa_node"] for e in entries if "numa_node" in e), default=0)
    return [ob("rss_processors", node < nodes, r["preferred_numa_node"] == node)]


@rule("RPI-6", physical_only=True, min_ndis="6.20")
def rpi_6(v: View) -> Outcome:
    # Per data vector: every RSS processor with a lower PreferenceIndex than its target's is the target of some data
    # vector (the later entry of a processor listed twice gives its index).
    info = rss_processor_fields(v)
    if info is None or v.msix is None:
        return []
    rank = {e["cpu"]: e["preference_index"] for e in info[1] if "preference_index" in e}
    if not rank:
        return []
    targets = {cpu for kind, cpu in v.msix["vectors"] if kind == "data"}
    out = []
    for index, (kind, cpu) in enumerate(v.msix["vectors"]):
        if kind != "data":
            continue
        mine = rank.get(cpu)
        out.append(ob(f"msix.vectors[{index}]", True,
                      mine is None or all(other in targets for other, i in rank.items() if i < mine)))
    return out


@rule("RPI-7", min_ndis="6.30")
def rpi_7(v: View) -> Outcome:
    # From revision 2: RssProfile is an NDIS_RSS_PROFILE value, 1…5, and 6 (Balanced) from NDIS 6.88.
    info = rss_processor_fields(v)
    if info is None:
        return []
    r = info[0]
    return [ob("rss_processors", r["revision"] >= 2, 1 <= r["rss_profile"] <= (6 if v.ndis >= (6, 88) else 5))]


@rule("MSIX-5", physical_only=True)
def msix_5(v: View) -> Outcome:
    # ∀ p ∈ RPI.P: some vector (of either kind) targets p; one instance per distinct processor, at its first entry.
    if v.rss is None or v.msix is None:
        return []
    raw = v.doc["msix"].get("vectors", [])
    targets = {v.cpu(vector["cpu"]) for vector in raw if "cpu" in vector}
    out, seen = [], set()
    for index, cpu in enumerate(v.rss):
        if cpu not in seen:
            seen.add(cpu)
            out.append(ob(f"rss_processors.processors[{index}]", True, cpu in targets))
    return out


@rule("VMQ-Q-13")
def vmq_q_13(v: View) -> Outcome:
    return [ob("queues", v.sriov_en, not v.queues)]


# --------------------------------------------------------------------------------------------------------------
# The generator: one raw configuration dict per seed, values biased towards the rules' boundaries
# --------------------------------------------------------------------------------------------------------------

NDIS_VERSIONS = ["6.0", "6.1", "6.20", "6.30", "6.30", "6.40", "6.50", "6.60", "6.60", "6.60", "6.60", "6.70",
                 "6.80", "6.82", "6.85", "6.88", "6.89"]


class Gen:
    def __init__(self, seed: int) -> None:
        self.r = random.Random(seed)

    def p(self, probability: float) -> bool:
        return self.r.random() < probability

    def pick(self, *choices: Any) -> Any:
        return self.r.choice(choices)

    def bits(self, weighted: dict[int, float], extra: tuple[int, ...] = (), extra_p: float = 0.05) -> int:
        value = 0
        for bit, probability in weighted.items():
            if self.p(probability):
                value |= bit
        if extra and self.p(extra_p):
            value |= self.r.choice(extra)
        return value

    def flag_field(self, name: str, value: int) -> Any:
        """An integer bitmask, or (sometimes, for the named flag sets) a list of flag names."""
        if name not in FLAG_NAMES or not self.p(0.35):
            return value
        prefix, names = FLAG_NAMES[name]
        by_bit = {}
        for flag, bit in names.items():
            by_bit.setdefault(bit, flag)
        items: list[Any] = []
        rest = value
        for bit, flag in by_bit.items():
            if value & bit:
                spelled = (prefix + flag) if self.p(0.3) else flag
                items.append(spelled.lower() if self.p(0.1) else spelled)
                rest &= ~bit
        if rest:
            items.append(rest)
        self.r.shuffle(items)
        return items

    # -- processors --------------------------------------------------------------------------------------------
    def cpu(self, group: int | None = None) -> tuple[int, int]:
        if group is None:
            group = 0 if self.p(0.8) else self.pick(1, 1, self.r.randrange(MAXIMUM_GROUPS))
        number = self.r.randrange(8) if self.p(0.85) else self.r.randrange(self.ppg)
        return group, number

    @staticmethod
    def text(cpu: tuple[int, int]) -> str:
        return f"{cpu[0]}:{cpu[1]}"

    # -- sections ----------------------------------------------------------------------------------------------
    def header(self, raw: dict[str, Any], revisions: tuple[int, ...], sizes: dict[int, int]) -> None:
        if self.p(0.9):
            raw["revision"] = self.r.choice(revisions)
        if self.p(0.12):
            revision = raw.get("revision", 0)
            raw["size"] = self.pick(sizes.get(revision, 0), *sizes.values(), 0, 1000)
        if self.p(0.06):
            raw["type"] = self.pick(0x80, 0x81, 0x88, 0)

    def receive_filter(self) -> dict[str, Any]:
        raw: dict[str, Any] = {}
        self.header(raw, (1, 2, 2, 2, 2, 3), SIZES["receive_filter.hardware"])
        sqp = self.bits({0x1: 0.75, 0x2: 0.7, 0x4: 0.1, 0x8: 0.6, 0x10: 0.65, 0x20: 0.1, 0x40: 0.1, 0x80: 0.05,
                         0x100: 0.1}, (0x200, 0x8000, 0x80000000))
        raw["supported_queue_properties"] = self.flag_field("supported_queue_properties", sqp)
        if self.p(0.6):
            raw["num_queues"] = self.pick(0, 1, 2, 7, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 200,
                                          self.r.randrange(300))
        if self.p(0.4):
            raw["enabled_filter_types"] = self.pick(0, 1, 1, 2, 3, 4, 0x80000000)
        if self.p(0.4):
            raw["enabled_queue_types"] = self.pick(0, 1, 1, 2, 0x10)
        if self.p(0.08):
            raw["flags"] = self.pick(0, 1, 2)
        if self.p(0.08):
            raw["ndis_reserved"] = self.pick(0, 1, 0xFFFFFFFF)
        for name in ("supported_filter_tests", "supported_headers", "supported_mac_header_fields"):
            if self.p(0.3):
                raw[name] = self.pick(0, 1, 3, 9)
        if self.p(0.3):
            raw["max_mac_header_filters"] = self.pick(0, 16, 32, 128)
        return raw

    def nic_switch(self, current: bool) -> dict[str, Any]:
        raw: dict[str, Any] = {}
        if current and self.p(0.25):     # a zeroed current structure (A7 iii): only a header
            self.header(raw, (1, 2, 3, 3), SIZES[NSC_HW])
            return raw
        self.header(raw, (1, 2, 2, 3, 3, 3, 3, 4), SIZES[NSC_HW])
        caps_value = self.bits({0x1: 0.2, 0x2: 0.2, 0x4: 0.45, 0x8: 0.2, 0x10: 0.6, 0x20: 0.05, 0x40: 0.35,
                                0x80: 0.55, 0x100: 0.55, 0x1000: 0.25}, (0x2000, 0x10000, 0x80000000))
        hashes = self.pick(0, 0, 0xE00, 0xE00, self.r.choice((0x200, 0x400, 0x800, 0x600, 0xA00, 0xC00)))
        raw["nic_switch_capabilities"] = self.flag_field("nic_switch_capabilities", caps_value | hashes)
        vports = self.pick(0, 1, 2, 4, 8, 16, 16, 64)
        raw["max_num_vports"] = vports
        raw["max_num_vfs"] = self.pick(0, 0, 0, 1, max(vports - 1, 0), vports, 7, 63)
        raw["max_num_queue_pairs"] = self.pick(vports, vports - 1 if vports else 0, 2 * vports, 32, 128, 0)
        raw["max_num_mac_addresses"] = self.pick(vports, max(vports - 1, 0), 128, 0)
        raw["max_num_switches"] = self.pick(1, 1, 1, 1, 0, 2)
        raw["max_num_queue_pairs_per_non_default_vport"] = self.pick(0, 1, 2, 3, 4, 4, 6, 8, 16, 31, 32, 1 << 31)
        raw["max_num_queue_pairs_for_default_vport"] = self.pick(0, 1, 2, 4, 5, 8, 8, 16, 31, 32, 100)
        raw["max_num_rss_capable_non_default_pf_vports"] = self.pick(0, 1, 8, 8, 32)
        raw["number_of_indirection_table_entries_for_default_vport"] = self.pick(0, 1, 4, 16, 64, 128, 128)
        raw["number_of_indirection_table_entries_per_non_default_pf_vport"] = self.pick(0, 1, 4, 8, 16, 16, 128)
        for name in ("num_total_mac_addresses", "num_mac_addresses_per_port", "num_vlans_per_port"):
            if self.p(0.07):
                raw[name] = self.pick(1, 16)
        if self.p(0.06):
            raw["flags"] = self.pick(1, 0x100)
        if self.p(0.08):
            raw[f"ndis_reserved{self.r.randrange(1, 18)}"] = self.pick(0, 1, 7)
        for name in list(raw):
            if name not in ("nic_switch_capabilities", "revision") and self.p(0.08):
                del raw[name]
        return raw

    def parameters(self) -> dict[str, Any]:
        raw: dict[str, Any] = {}
        self.header(raw, (1, 2, 2, 2, 3), SIZES[NSP_SECTION])
        if self.p(0.85):
            raw["switch_type"] = self.pick(1, 1, 1, 1, 0, 2)
        if self.p(0.5):
            raw["switch_id"] = self.pick(0, 0, 0, 1)
        if self.p(0.3):
            raw["flags"] = self.pick(0, 0, 0x10000, 0x1, 0x80000000)
        if self.p(0.6):
            raw["num_vfs"] = self.pick(0, 0, 1, 4, 7, 63, 64)
        if self.p(0.85):
            raw["num_queue_pairs_for_default_vport"] = self.pick(0, 1, 1, 2, 4, 4, 8, 16, 17)
        if self.p(0.2):
            raw["switch_friendly_name"] = "Default Switch"
        if self.p(0.08):
            raw[f"ndis_reserved{self.r.randrange(1, 4)}"] = self.pick(0, 1)
        return raw

    def rss_capabilities(self) -> dict[str, Any]:
        raw: dict[str, Any] = {}
        self.header(raw, (1, 2, 3, 3, 3), SIZES["rss_capabilities"])
        raw["capabilities_flags"] = self.bits({0x1: 0.8, 0x100: 0.6, 0x200: 0.6, 0x800: 0.2, 0x01000000: 0.6,
                                               0x08000000: 0.3, 0x20000000: 0.5, 0x40000000: 0.2},
                                              (0x10, 0x4000, 0x00800000, 0x80000000), 0.1)
        raw["number_of_interrupt_messages"] = self.pick(1, 4, 8, 16, 16, 32, 64, 0)
        if self.p(0.3):      # as if *MaxRssProcessors capped it (VMMQ-CAP-3, INF-VMMQ-4)
            limit = next((v for k, v in self.inf_values.items() if k.lower() == "*maxrssprocessors"), None)
            if isinstance(limit, int) or (isinstance(limit, str) and limit.isdigit()):
                raw["number_of_interrupt_messages"] = int(limit)
        raw["number_of_receive_queues"] = self.pick(0, 1, 8, 16, 17, 64, 65, 128)
        raw["number_of_indirection_table_entries"] = self.pick(0, 1, 64, 100, 128, 128)
        return raw

    # -- INF -----------------------------------------------------------------------------------------------------
    def inf(self) -> dict[str, Any]:
        binary = lambda: self.pick(0, 1, 1, 1, 0, 2) if self.p(0.9) else self.pick(3, 255, 0xFFFFFFFF)
        per_group = self.ppg
        generators: dict[str, Callable[[], int]] = {
            "*RssOnHostVPorts": binary, "*VMQ": binary, "*VMQLookaheadSplit": binary, "*VMQVlanFiltering": binary,
            "*RssOrVmqPreference": binary, "*SRIOV": binary, "*SriovPreferred": binary, "*RSS": binary,
            "*NumVFs": lambda: self.pick(0, 1, 4, 7, 8, 63, 64, 65535),
            "*RSSProfile": lambda: self.pick(0, 1, 1, 1, 2, 3, 4, 4, 5, 6, 6, 7),
            "*RssBaseProcGroup": lambda: self.pick(0, 0, 1, 2, 31, 32, 33),
            "*RssMaxProcGroup": lambda: self.pick(0, 0, 1, 2, 31, 32, 33),
            "*NumaNodeId": lambda: self.pick(0, 1, 65535, 65535, 65536, 100000),
            "*RssBaseProcNumber": lambda: self.pick(0, 0, 4, 31, 32, 63, 64, per_group - 1, per_group),
            "*RssMaxProcNumber": lambda: self.pick(0, 3, 8, 31, 32, 63, 64, per_group - 1, per_group),
            "*MaxRssProcessors": lambda: self.pick(0, 1, 4, 8, 16, 16, 32, 1024, 1025, 2048, 2049),
            "*NumRSSQueues": lambda: self.pick(0, 1, 8, 16, 0xFFFFFFFF),
        }
        probability = {"*NumVFs": 0.4, "*SriovPreferred": 0.5, "*RssOrVmqPreference": 0.6, "*VMQ": 0.55, "*SRIOV": 0.5,
                       "*RSS": 0.4, "*RssOnHostVPorts": 0.45, "*RSSProfile": 0.45, "*MaxRssProcessors": 0.4}
        inf: dict[str, Any] = {}
        for name, generator in generators.items():
            if not self.p(probability.get(name, 0.2)):
                continue
            key = name if self.p(0.8) else self.pick(name.lower(), name.upper())
            value: Any = generator()
            if self.p(0.1):
                value = str(value)            # a REG_SZ registry value
            inf[key] = value
        if self.p(0.1):
            inf["VendorSpecificTuning"] = self.pick("fast", 3)
        return inf

    # -- the whole document ------------------------------------------------------------------------------------
    def config(self) -> dict[str, Any]:
        r = self.r
        doc: dict[str, Any] = {}
        if self.p(0.5):
            doc["format"] = "vmqproof/1"
        adapter: dict[str, Any] = {}
        arch = "amd64"
        if self.p(0.85):
            adapter["ndis"] = r.choice(NDIS_VERSIONS)
        if self.p(0.4) or self.p(0.15):
            adapter["role"] = "vf" if self.p(0.3) else "pf"
        if self.p(0.3):
            adapter["virtual"] = self.p(0.3)
        if self.p(0.15):
            arch = adapter["arch"] = self.pick("x86", "arm64", "amd64")
        if self.p(0.2):
            adapter["name"] = "generated"
        if adapter or self.p(0.5):
            doc["adapter"] = adapter
        self.ppg = 32 if arch == "x86" else 64

        self.inf_values: dict[str, Any] = {}
        if self.p(0.85):
            doc["inf"] = self.inf_values = self.inf()
        receive_filter = {}
        if self.p(0.75):
            receive_filter["hardware"] = self.receive_filter()
        if self.p(0.55):
            receive_filter["current"] = self.receive_filter()
        if receive_filter:
            doc["receive_filter"] = receive_filter
        nic_switch = {}
        if self.p(0.7):
            nic_switch["hardware"] = self.nic_switch(False)
        if self.p(0.4):
            nic_switch["current"] = self.nic_switch(True)
        if self.p(0.5):
            nic_switch["parameters"] = self.parameters()
        if nic_switch or self.p(0.05):
            doc["nic_switch"] = nic_switch
        if self.p(0.6):
            doc["rss_capabilities"] = self.rss_capabilities()

        # RSS processors: a small pool, mostly in group 0
        pool = sorted({self.cpu() for _ in range(r.choice((1, 2, 4, 6, 8)))})
        if self.p(0.75):
            chosen = [c for c in pool if self.p(0.85)]
            if chosen and self.p(0.08):
                chosen.append(r.choice(chosen))                 # a duplicate entry
            entries: list[Any] = []
            for c in chosen:
                if self.p(0.2):
                    entries.append({"cpu": self.text(c), "numa_node": self.pick(0, 1), "preference_index": 0})
                else:
                    entries.append(self.text(c))
            rpi: dict[str, Any] = {"processors": entries}
            if self.p(0.2):
                rpi["preferred_numa_node"] = self.pick(0, 1, 65535)
            if self.p(0.1):
                rpi["max_num_rss_processors"] = len(entries)
            doc["rss_processors"] = rpi
        else:
            chosen = pool

        if self.p(0.75):
            msix: dict[str, Any] = {}
            if self.p(0.9):
                msix["table_size"] = self.pick(0, 1, 2, 4, 8, 15, 16, 17, 31, 32, 33, 64, 65, 128, 2048)
            vectors = []
            for c in chosen:
                for _ in range(self.pick(0, 1, 1, 1, 1, 2)):
                    vectors.append({"kind": "data", "cpu": self.text(c)})
            for _ in range(self.pick(0, 0, 1, 4)):
                vectors.append({"kind": "data", "cpu": self.text(self.cpu())})
            for _ in range(self.pick(0, 1, 1, 2, 2, 3, 4)):
                vector: dict[str, Any] = {"kind": "other"}
                if self.p(0.2):
                    vector["cpu"] = self.text(self.cpu())
                vectors.append(vector)
            r.shuffle(vectors)
            ids = r.sample(range(4 * len(vectors) + 4), len(vectors))
            msix["vectors"] = [{"id": i, **v} for i, v in zip(ids, vectors)]
            doc["msix"] = msix

        vports = self.vports(chosen or pool)
        if vports or self.p(0.05):
            doc["vports"] = vports
        queues = []
        for index in range(self.pick(0, 0, 0, 1, 2, 4)):
            queue: dict[str, Any] = {"id": index + 1, "cpu": self.text(r.choice(chosen or pool))}
            if self.p(0.7):
                queue["msix_entry"] = index + 1
            queues.append(queue)
        if queues:
            doc["queues"] = queues

        if self.p(0.6):
            policy: dict[str, Any] = {}
            if self.p(0.8):
                policy["msix_minimum_reading"] = self.pick("R1", "R2a", "R2b", "R3", "R4")
            if self.p(0.5):
                policy["msix_queue_count"] = self.pick("num_queues_plus_one", "num_queues", "max_num_queue_pairs",
                                                       "rss_receive_queues")
            if self.p(0.4):
                policy["vectors_per_processor"] = self.pick("at-most-one", "exactly-one")
            if self.p(0.3):
                policy["queue_pairs_power_of_two"] = self.pick("value", "exponent")
            doc["policy"] = policy
        if "msix" in doc and self.p(0.5):       # the table size right at the VMQ-IRQ-8 minimum, ± 1
            policy = doc.get("policy", {})
            section, name, extra = {
                "num_queues_plus_one": ("receive_filter", "num_queues", 1),
                "num_queues": ("receive_filter", "num_queues", 0),
                "max_num_queue_pairs": ("nic_switch", "max_num_queue_pairs", 0),
                "rss_receive_queues": ("rss_capabilities", "number_of_receive_queues", 0),
            }[policy.get("msix_queue_count", "num_queues_plus_one")]
            record = doc.get(section, {})
            record = record if section == "rss_capabilities" else record.get("hardware", {})
            q = record.get(name, 0) + extra
            size = msix_minimum(q, policy.get("msix_minimum_reading", "R2a")) + self.pick(-1, 0, 0, 1)
            doc["msix"]["table_size"] = max(size, 0)
        self.filter_and_queue_extras(doc)
        return doc

    def filter_and_queue_extras(self, doc: dict[str, Any]) -> None:
        """Fields only rules.md §2.2, §2.3 and §2.7 read, and the A7/A9 and A10 readings; drawn after everything
        else so that the draws before them (and the configurations of the other rules) stay as they were."""
        receive_filter = doc.get("receive_filter", {})
        if "current" in receive_filter and self.p(0.1):      # a zeroed current structure (A7 iii): only a header
            receive_filter["current"] = {k: v for k, v in receive_filter["current"].items() if k == "revision"}
        for raw in receive_filter.values():
            if self.p(0.15):
                raw["min_lookahead_split_size"] = self.pick(0, 0, 128)
            if self.p(0.15):
                raw["max_lookahead_split_size"] = self.pick(0, 1024)
            if self.p(0.35):
                raw["max_field_tests_per_packet_coalescing_filter"] = self.pick(0, 4, 5, 8)
            if self.p(0.35):
                raw["max_packet_coalescing_filters"] = self.pick(0, 9, 10, 16)
            if self.p(0.1):
                raw["max_queue_groups"] = self.pick(0, 1)
            if self.p(0.1):
                raw["max_queues_per_queue_group"] = self.pick(0, 2)
            if self.p(0.3):
                raw["supported_mac_header_fields"] = self.pick(0x1, 0x9, 0x8)
        inf = doc.get("inf")
        if inf is not None and self.p(0.08):                 # the SR-IOV + VMQ row of INF-SRIOV-2
            for name in ("*SriovPreferred", "*RssOrVmqPreference", "*SRIOV", "*VMQ"):
                for key in [k for k in inf if k.lower() == name.lower()]:
                    del inf[key]
                inf[name] = 1
        if inf is not None and self.p(0.15):
            for key in [k for k in inf if k.lower() == "*vmqvlanfiltering"]:
                del inf[key]
            inf["*VMQVlanFiltering"] = self.pick(0, 0, 1)
        for raw in receive_filter.values():
            if self.p(0.3):
                raw["enabled_filter_types"] = self.pick(0, 1, 1)
            if self.p(0.3):
                raw["enabled_queue_types"] = self.pick(0, 1, 1)
        nic_switch = doc.get("nic_switch", {})
        if "hardware" in nic_switch and self.p(0.3):         # current = hardware (HWA-5)
            nic_switch["current"] = dict(nic_switch["hardware"])
        queues = doc.get("queues", [])
        if queues and self.p(0.1):
            queues[0]["id"] = 0
        if len(queues) > 1 and self.p(0.25) and "msix_entry" in queues[0]:
            self.r.choice(queues[1:])["msix_entry"] = queues[0]["msix_entry"]
        for queue in queues:
            if self.p(0.15):
                queue["lookahead_size"] = self.pick(0, 64)
            if self.p(0.25):
                queue["flags"] = self.pick(0, 1, 2, 3, 4, 0x10000, 0x20001)
        if self.p(0.5):
            policy = doc.setdefault("policy", {})
            if self.p(0.6):
                policy["current_caps_when_disabled"] = self.pick("zeroed", "strict", "legacy")
            if self.p(0.6):
                policy["sriov_and_vmq_num_queues"] = self.pick("sriov-wins", "vmq-wins")

    def vports(self, cpus: list[tuple[int, int]]) -> list[dict[str, Any]]:
        r = self.r
        count = self.pick(0, 0, 1, 2, 3, 3, 4, 5)
        if count == 0:
            return []
        ids = ([0] if self.p(0.85) else []) + r.sample(range(1, 12), count)
        ids = ids[:count]
        shared_hash = self.pick(DEFAULT_HASH_INFORMATION, 0x1 | 0x100, 0x1 | 0x4000)
        shared_table: list[str] | None = None
        vf_ids = [self.pick(0, 1, 2) for _ in range(count)]
        out = []
        for index, identifier in enumerate(ids):
            vport: dict[str, Any] = {"id": identifier}
            if identifier != 0 and self.p(0.25):
                vport["attached"] = f"vf:{vf_ids[index]}"
            elif self.p(0.3):
                vport["attached"] = "pf" if identifier != 0 or self.p(0.9) else "vf:0"
            vport["num_queue_pairs"] = self.pick(0, 1, 1, 2, 2, 3, 4, 4, 8)
            if self.p(0.8):
                vport["vmmq"] = self.p(0.7)
            group = r.choice(cpus)[0] if self.p(0.9) else 0
            same_group = [c for c in cpus if c[0] == group] or [(group, 0)]
            if self.p(0.85):
                affinity = sorted({r.choice(same_group) for _ in range(r.choice((1, 1, 2, 4)))})
                if self.p(0.1):
                    affinity.append(self.cpu(group))
                vport["processor_affinity"] = [self.text(c) for c in affinity]
            else:
                affinity = []
            source = affinity if affinity and self.p(0.8) else (same_group if self.p(0.7) else cpus)
            if self.p(0.7):
                if shared_table is not None and self.p(0.4):
                    vport["indirection_table"] = list(shared_table)
                else:
                    length = self.pick(0, 1, 2, 3, 4, 4, 8, 8, 16, 6)
                    distinct = r.choice((1, 1, 2, 2, 4))
                    chosen = [r.choice(source) for _ in range(distinct)]
                    vport["indirection_table"] = [self.text(chosen[i % len(chosen)]) for i in range(length)]
                    shared_table = shared_table or vport["indirection_table"]
                if self.p(0.1):
                    vport["indirection_table_size"] = len(vport["indirection_table"])
            elif self.p(0.3):
                vport["indirection_table_size"] = self.pick(0, 1, 2, 4, 8, 16, 6)
            if self.p(0.25):
                vport["default_processor"] = self.text(r.choice(source) if self.p(0.8) else self.cpu())
            if self.p(0.07):
                vport["rss_revision"] = self.pick(1, 2, 3)
            if self.p(0.05):
                vport["rss_size"] = self.pick(40, 44, 28)
            if self.p(0.05):
                vport["rss_type"] = self.pick(0x89, 0x88)
            if self.p(0.05):
                vport["base_cpu_number"] = self.pick(0, 1)
            if self.p(0.35):
                vport["hash_information"] = shared_hash if self.p(0.6) else self.pick(DEFAULT_HASH_INFORMATION, 0x1 | 0x200,
                                                                                    0x2 | 0x1600, 0x2 | 0x1700)
            if self.p(0.15):
                vport["hash_secret_key"] = self.pick(DEFAULT_HASH_KEY, "0x" + format(DEFAULT_HASH_KEY, "x"), 7,
                                                     "deadbeef")
            out.append(vport)
        return out


def generate(seed: int) -> dict[str, Any]:
    doc = Gen(seed).config()
    add_rss_and_vport_fields(doc, random.Random(seed ^ 0x5255_5650))
    add_host_and_trace(doc, random.Random(seed ^ 0x484F_5354))
    add_processor_info_fields(doc, random.Random(seed ^ 0x4931_3300))
    return doc


def add_processor_info_fields(doc: dict[str, Any], rng: random.Random) -> None:
    """What RPI-4…7 read (NUMA nodes, preference indexes, the NDIS-filled counts and profile, *NumaNodeId and
    *RSSProfile), from a stream of its own (issue 13) so that the rest of a seed's configuration stays as it was."""
    rpi = doc.get("rss_processors")
    if rpi is not None:
        if rng.random() < 0.4:
            rpi["processors"] = [{"cpu": e["cpu"] if isinstance(e, dict) else e,
                                  **({"numa_node": rng.choice((0, 0, 1, 2))} if rng.random() < 0.8 else {}),
                                  **({"preference_index": rng.randrange(4)} if rng.random() < 0.8 else {})}
                                 for e in rpi.get("processors", [])]
        count = len(rpi.get("processors", []))
        for name, values, probability in (("max_num_rss_processors", (0, max(count - 1, 0), count, count + 1), 0.15),
                                          ("preferred_numa_node", (0, 1, 2, 65535), 0.3),
                                          ("rss_profile", (0, 1, 4, 5, 6, 7), 0.1)):
            if rng.random() < probability:
                rpi[name] = rng.choice(values)
    inf = doc.get("inf")
    if inf is not None:
        for name, values, probability in (("*NumaNodeId", (0, 1, 2, 3), 0.25), ("*RSSProfile", (0, 1, 5, 6, 7), 0.2)):
            if rng.random() < probability:
                for key in [k for k in inf if k.lower() == name.lower()]:
                    del inf[key]
                inf[name] = rng.choice(values)


def add_rss_and_vport_fields(doc: dict[str, Any], rng: random.Random) -> None:
    """Header and scalar fields the RSS-CAP, RPI and VPORT rules read, drawn from their own stream so that the
    rest of a seed's configuration stays as it was."""
    def p(probability: float) -> bool:
        return rng.random() < probability

    rsc = doc.get("rss_capabilities")
    if rsc is not None:
        if p(0.25):
            rsc["capabilities_flags"] = rsc.get("capabilities_flags", 0) & ~(0x01000000 | 0x08000000 | 0x20000000)
        if p(0.3):
            rsc["number_of_interrupt_messages"] = 1
    rpi = doc.get("rss_processors")
    if rpi is not None:
        choices: dict[str, tuple[Any, ...]] = {
            "revision": (1, 2, 2, 3), "flags": (0, 1), "size": (32, 40, 48), "type": (0xB1, 0x80),
            "rss_processor_array_offset": (0, 32, 40, 48), "rss_processor_entry_size": (4, 6, 8),
            "rss_processor_count": (0, 1, 2, len(rpi.get("processors", []))),
            "rss_base_processor": ("0:0", "0:1", "0:2", "0:4"), "rss_max_processor": ("0:3", "0:5", "0:7", "1:0"),
        }
        for name, values in choices.items():
            if p(0.12):
                rpi[name] = rng.choice(values)
    for vport in doc.get("vports", []):
        for name, values in (("type", (0x80, 0x81)), ("revision", (1, 2, 3)), ("switch_id", (0, 1)),
                             ("lookahead_size", (0, 64)), ("flags", (0x100000, 0x10000, 0x100001))):
            if p(0.1):
                vport[name] = rng.choice(values)


def vport_paths_without_known_size(doc: dict[str, Any]) -> set[str]:
    """Paths of VPorts whose indirection-table size the file does not state (no table, no explicit size)."""
    return {f"vports[{i}]" for i, raw in enumerate(doc.get("vports", []))
            if "indirection_table" not in raw and "indirection_table_size" not in raw}



# --------------------------------------------------------------------------------------------------------------
# [host] and [trace]: drawn from their own stream, so that the rest of a seed's configuration stays as it was
# --------------------------------------------------------------------------------------------------------------

HOST_SHARE, TRACE_SHARE = 0.3, 0.45


def add_host_and_trace(doc: dict[str, Any], rng: random.Random) -> None:
    g = Gen(0)
    g.r = rng
    g.ppg = 32 if doc.get("adapter", {}).get("arch") == "x86" else 64
    if g.p(HOST_SHARE):
        doc["host"] = gen_host(g)
    if g.p(TRACE_SHARE):
        doc["trace"] = gen_trace(g, doc)


def cpu_text(cpu: int, ppg: int) -> str:
    return f"{cpu // ppg}:{cpu % ppg}"


def gen_host(g: Gen) -> dict[str, Any]:
    ppg = g.ppg
    host: dict[str, Any] = {}
    existing: list[int] | None = None
    shape = g.pick("numa", "numa", "count", "count", "none")
    nodes: list[int] = []
    if shape == "numa":
        size = g.pick(2, 4, 8, 16)
        spread = g.p(0.25)                       # one node per group
        start = 1 if g.p(0.1) else 0             # no processor 0:0
        numa: dict[str, Any] = {}
        existing = []
        for node in range(g.pick(1, 2, 2, 3)):
            low = node * ppg + start if spread else start + node * size
            cpus = list(range(low, low + size))
            existing += cpus
            mid = low + size // 2
            first, last = cpu_text(low, ppg), cpu_text(cpus[-1], ppg)
            text = g.pick(f"{first}-{last}", f"{first}-{cpu_text(mid - 1, ppg)},{cpu_text(mid, ppg)}-{last}")
            numa[str(node)] = [text] if g.p(0.15) else text
            nodes.append(node)
        host["numa_nodes"] = numa
        if g.p(0.5):
            host["logical_processors"] = len(existing)
        if g.p(0.3):
            host["groups"] = max(existing) // ppg + g.pick(1, 1, 2)
    elif shape == "count":
        count = g.pick(2, 4, 8, 16, 24, ppg, ppg + 16, 2 * ppg)
        host["logical_processors"] = count
        groups = -(-count // ppg)
        if g.p(0.4):
            choice = g.pick(1, 2, 3)
            if count >= choice and -(-count // choice) <= ppg:
                groups = host["groups"] = choice
        existing = []
        for group in range(groups):
            share = count // groups + (1 if group < count % groups else 0)
            existing += range(group * ppg, group * ppg + share)
    if g.p(0.5):
        host["smt"] = g.p(0.5)
    top = max(existing) if existing else MAXIMUM_GROUPS * ppg - 1
    pool = sorted(set((existing or list(range(16)))[:24] + [top, top + 1, top + 2, 3, 5] +
                      ([ppg + 1] if top < ppg else [])) - {x for x in (top + 1, top + 2) if x >= MAXIMUM_GROUPS * ppg})
    stride = g.pick(2, 4, 8)

    def setting(index: int, rss: bool) -> dict[str, Any]:
        s: dict[str, Any] = {}
        if g.p(0.2):
            s["enabled"] = g.p(0.6)
        base = None
        if g.p(0.85):
            base = index * stride + g.pick(0, 0, 0, 1, stride // 2) if g.p(0.6) else g.r.choice(pool)
            base = min(base, top) if g.p(0.9) else base
            if base < MAXIMUM_GROUPS * ppg:
                s["base_processor"] = cpu_text(base, ppg)
            else:
                base = None
        effective_base = base or 0
        if g.p(0.75) or effective_base > top:
            high = effective_base + g.pick(0, 1, stride - 1, stride - 1, stride, 2 * stride) if g.p(0.7) \
                else g.r.choice([c for c in pool if c >= effective_base] or [effective_base])
            if high >= MAXIMUM_GROUPS * ppg:
                high = effective_base
            s["max_processor"] = cpu_text(high, ppg)
        if g.p(0.6):
            s["max_processors"] = g.pick(1, 2, 4, 4, 8, 16)
        if g.p(0.2):
            s["number_of_receive_queues"] = g.pick(0, 4, 16)
        if rss and g.p(0.4):
            s["profile"] = g.pick("NUMAStatic", "Closest", 4, "ClosestStatic", 1)
        if rss and g.p(0.5):
            entries: list[Any] = []
            for cpu in sorted(g.r.sample(pool, min(len(pool), g.pick(1, 2, 4)))):
                entries.append({"cpu": cpu_text(cpu, ppg), "numa_distance": g.pick(0, 10)} if g.p(0.3)
                               else cpu_text(cpu, ppg))
            s["processors"] = entries
        return s

    adapters = []
    for index in range(g.pick(1, 2, 2, 3, 4)):
        adapter: dict[str, Any] = {"name": f"Port {index + 1}"}
        if g.p(0.4):
            adapter["numa_node"] = g.r.choice(nodes + [65535]) if nodes else g.pick(0, 1, 65535)
        if g.p(0.85):
            adapter["vmq"] = setting(index, False)
        if g.p(0.45):
            adapter["rss"] = setting(index, True)
        if g.p(0.1):
            adapter["sriov"] = {"enabled": g.p(0.5), "num_vfs": g.pick(0, 8)}
        if g.p(0.1):
            adapter["keywords"] = {"*VMQ": g.pick(0, 1, "1")}
        adapters.append(adapter)
    host["adapters"] = adapters
    names = [a["name"] for a in adapters]
    teams = []
    for index in range(g.pick(0, 1, 1, 1, 2) if len(names) >= 2 else g.pick(0, 0, 1)):
        team: dict[str, Any] = {"mode": g.pick("sum-of-queues", "min-queues")}
        if g.p(0.5):
            team["name"] = f"Team {index}"
        team["members"] = g.r.sample(names, min(len(names), g.pick(1, 2, 2, 3)))
        teams.append(team)
        members = [a for a in adapters if a["name"] in team["members"] and "vmq" in a]
        if g.p(0.5) and members:
            if team["mode"] == "min-queues":              # the same processor set (or the same but spelled apart)
                for a in members[1:]:
                    a["vmq"] = dict(members[0]["vmq"])
                    if g.p(0.2):
                        a["vmq"].pop("enabled", None)
            else:                                         # consecutive blocks
                for k, a in enumerate(members):
                    a["vmq"] = {"base_processor": cpu_text(k * stride, ppg),
                                "max_processor": cpu_text(k * stride + stride - 1 + g.pick(0, 0, 1), ppg),
                                "max_processors": g.pick(stride, stride // 2 or 1, 16)}
    if teams or g.p(0.2):
        host["teams"] = teams
    return host


READ_POOL = {
    "rss": ["*RSS", "*RSSProfile", "*RssBaseProcGroup", "*NumaNodeId", "*RssBaseProcNumber", "*MaxRssProcessors",
            "*RssMaxProcNumber", "*NumRSSQueues", "*RssMaxProcGroup"],
    "vmq": ["*VMQ", "*VMQLookaheadSplit", "*VMQVlanFiltering"],
    "sriov": ["*SRIOV", "*NumVFs"],
    "other": ["*RssOnHostVPorts", "*SriovPreferred", "*RssOrVmqPreference", "VendorTuning", "NetworkAddress",
              "HKLM\\Software\\Contoso\\*RSS"],
    "vmsmp": ["VMSMP\\*TenGigVmqEnabled", "VMSMP\\*BelowTenGigVmqEnabled", "VMSMP\\*RssMaxProcNumber",
              "VMSMP\\*MaxRssProcessors", "VMSMP\\QueueBudget", "vmsmp\\*tengigvmqenabled",
              "HKLM\\SYSTEM\\CurrentControlSet\\Services\\VMSMP\\Parameters\\*MaxRssProcessors"],
}

VPORT_IDS, QUEUE_IDS = (0, 1, 2, 3), (1, 2, 3)
FAILURES = ("NDIS_STATUS_FAILURE", "NDIS_STATUS_INVALID_PARAMETER", 0xC0000001, "NDIS_STATUS_NO_QUEUES")
SUCCESSES = ("NDIS_STATUS_SUCCESS", 0, "ndis_status_success")


def gen_trace(g: Gen, doc: dict[str, Any]) -> dict[str, Any]:
    trace: dict[str, Any] = {}
    if g.p(0.6):
        reads: list[str] = []
        for _ in range(g.pick(0, 1, 2, 3, 4, 6)):
            name = g.r.choice(READ_POOL[g.pick("rss", "rss", "vmq", "vmq", "sriov", "other", "vmsmp")])
            reads.append(name.lower() if g.p(0.1) and "\\" not in name else name)
        if g.p(0.35):
            reads += [k for k in ("*SRIOV", "*VMQVlanFiltering") if g.p(0.85)]
        g.r.shuffle(reads)
        trace["registry_reads"] = reads
    if g.p(0.35):
        trace["static_switch"] = g.p(0.75)
    if g.p(0.9):
        steps = TraceGen(g, doc)
        steps.static = trace.get("static_switch", False)
        trace["requests"] = steps.requests()
    return trace


class TraceGen:
    """A random but mostly plausible OID sequence over a few VPorts and VM queues."""

    def __init__(self, g: Gen, doc: dict[str, Any]) -> None:
        self.g, self.ppg = g, g.ppg
        self.params = doc.get("nic_switch", {}).get("parameters", {})
        self.static = False
        self.ports: dict[int, dict[str, Any]] = {}      # what the generator believes: count, affinity, table
        self.queues: dict[int, dict[str, Any]] = {}

    def cpus(self, n: int, group: int = 0) -> list[int]:
        return [group * self.ppg + c for c in self.g.r.sample(range(8), n)]

    def text(self, cpus: list[int]) -> list[str]:
        return [cpu_text(c, self.ppg) for c in cpus]

    def flags(self, names: dict[str, int], prefix: str, value: int, allow_list: bool = True) -> Any:
        if not allow_list or not self.g.p(0.35):
            return value
        items: list[Any] = []
        for name, bit in names.items():
            if value & bit:
                spelled = prefix + name if self.g.p(0.3) else name
                items.append(spelled.lower() if self.g.p(0.1) else spelled)
                value &= ~bit
        if value:
            items.append(value)
        return items

    def status(self, step: dict[str, Any], failing: float = 0.12) -> None:
        if self.g.p(failing):
            step["status"] = self.g.r.choice(FAILURES)
        elif self.g.p(0.08):
            step["status"] = self.g.r.choice(SUCCESSES)

    def port(self) -> int:
        known = list(self.ports)
        return self.g.r.choice(known) if known and self.g.p(0.85) else self.g.r.choice(VPORT_IDS)

    def queue(self) -> int:
        known = list(self.queues)
        return self.g.r.choice(known) if known and self.g.p(0.85) else self.g.r.choice(QUEUE_IDS)

    def requests(self) -> list[dict[str, Any]]:
        g = self.g
        kinds = ("create_switch", "delete_switch", "create_vport", "delete_vport", "vport_params", "rss",
                 "indication", "allocate_queue", "queue_params", "queue_status", "free_queue", "other",
                 "lower_count", "raise_count", "disable_rss")
        weights = (1.0, 0.15, 2.0, 0.3, 2.5, 3.0, 1.5, 1.5, 2.0, 1.0, 0.25, 0.3, 0.8, 0.4, 0.4)
        out: list[dict[str, Any]] = []
        if self.static and g.p(0.7):
            out.append(self.create_switch())
        for _ in range(g.r.randrange(1, 14)):
            kind = g.r.choices(kinds, weights)[0]
            produced = getattr(self, kind)()
            out += produced if isinstance(produced, list) else [produced]
        for step in out:
            if g.p(0.04):
                step["oid"] = step["oid"].lower()
        return out

    # -- short scenarios around the queue-count protocol (VMMQ-RSS-6/7/10) and disabling VMMQ (VMMQ-VP-5) --------
    def fresh_vport(self, count: int) -> dict[str, Any]:
        g = self.g
        vport = g.r.choice(VPORT_IDS[1:])
        affinity = self.cpus(g.pick(2, 3, 4, 4))
        self.ports[vport] = {"count": count, "affinity": affinity, "table": None}
        return {"oid": CREATE_VPORT, "request": "method", "vport": vport, "num_queue_pairs": count,
                "processor_affinity": self.text(affinity)}

    def rss_table(self, vport: int, table: list[int], flags: int | None = None) -> dict[str, Any]:
        step: dict[str, Any] = {"oid": RSS_PARAMETERS, "request": "set", "vport": vport,
                                "indirection_table": self.text(table)}
        if flags is not None:
            step["flags"] = self.flags(RSS_FLAG_NAMES, "NDIS_RSS_PARAM_FLAG_", flags)
        self.ports[vport]["table"] = table
        return step

    def count_set(self, vport: int, count: int) -> dict[str, Any]:
        g = self.g
        step: dict[str, Any] = {"oid": VPORT_PARAMETERS, "request": "set", "vport": vport, "num_queue_pairs": count}
        if g.p(0.85):
            step["flags"] = self.flags(VPORT_FLAG_NAMES, "NDIS_NIC_SWITCH_VPORT_PARAMS_", 0x800000)
        self.status(step, 0.1)
        self.ports[vport]["count"] = count
        return step

    def lower_count(self) -> list[dict[str, Any]]:
        g = self.g
        old = g.pick(4, 4, 8)
        create = self.fresh_vport(old)
        vport, affinity = create["vport"], self.ports[create["vport"]]["affinity"]
        size = g.pick(4, 8, 8, 16)
        steps = [create, self.rss_table(vport, [affinity[i % len(affinity)] for i in range(size)])]
        new = g.pick(1, 2, 2, old // 2)
        keep = affinity[:new]
        pattern = [keep[i % len(keep)] for i in range(nextpow2(new))]
        if g.p(0.6):                                      # narrow first (right), else lower first (wrong)
            narrowed = pattern * (size // len(pattern)) if g.p(0.7) else pattern
            if g.p(0.15):
                narrowed = list(reversed(narrowed))
            steps.append(self.rss_table(vport, narrowed, g.pick(None, None, 0x4)))
        steps.append(self.count_set(vport, new))
        if g.p(0.25):                                     # a set that says its (shuffled) table is unchanged
            steps.append(self.rss_table(vport, pattern[::-1] + pattern[:1], 0x4))
            self.ports[vport]["table"] = None
        if g.p(0.8):
            following = g.pick(pattern, pattern, pattern, pattern[::-1] * 2, pattern * (2 * size // len(pattern)),
                               pattern[::-1] * (2 * size // len(pattern)))
            steps.append(self.rss_table(vport, following, g.pick(None, None, None, 0x4)))
        return steps

    def raise_count(self) -> list[dict[str, Any]]:
        g = self.g
        old = g.pick(1, 2, 2)
        create = self.fresh_vport(old)
        vport, affinity = create["vport"], self.ports[create["vport"]]["affinity"]
        steps = [create, self.rss_table(vport, [affinity[i % old] for i in range(g.pick(2, 4))])]
        new = old * 2
        grown = [affinity[i % min(new, len(affinity))] for i in range(g.pick(4, 8))]
        if g.p(0.5):                                      # raise first (right), else grow first (wrong)
            steps += [self.count_set(vport, new), self.rss_table(vport, grown)]
        else:
            steps += [self.rss_table(vport, grown), self.count_set(vport, new)]
        return steps

    def disable_rss(self) -> list[dict[str, Any]]:
        g = self.g
        create = self.fresh_vport(g.pick(2, 4))
        vport, affinity = create["vport"], self.ports[create["vport"]]["affinity"]
        steps = [create]
        if g.p(0.5):
            steps.append(self.rss_table(vport, affinity * 2))
        disable: dict[str, Any] = {"oid": RSS_PARAMETERS, "request": "set", "vport": vport,
                                   "flags": self.flags(RSS_FLAG_NAMES, "NDIS_RSS_PARAM_FLAG_", 0x10)}
        self.status(disable, 0.1)
        steps.append(disable)
        for _ in range(g.pick(1, 2, 3)):
            steps.append({"oid": RECEIVE_INDICATION, "vport": vport,
                          "processor": cpu_text(min(affinity) if g.p(0.5) else g.r.choice(affinity), self.ppg)})
            if g.p(0.2):
                steps.append(self.rss_table(vport, affinity, g.pick(None, 0x2)))
        return steps

    def create_switch(self) -> dict[str, Any]:
        g = self.g
        step: dict[str, Any] = {"oid": CREATE_SWITCH, "request": g.pick("set", "method", "method", "query")}
        pools: dict[str, tuple[Any, ...]] = {
            "flags": (0, 0x10000, ["SWITCH_NAME_CHANGED"]), "switch_type": (0, 1, 1, 2), "switch_id": (0, 0, 1),
            "switch_friendly_name": ("Default Switch", "", "Other"), "num_vfs": (0, 4, 64),
            "num_queue_pairs_for_default_vport": (1, 2, 4, 8), "revision": (1, 2, 2)}
        for name, values in pools.items():
            if g.p(0.35):
                if name in self.params and g.p(0.7):
                    step[name] = self.params[name]
                elif name == "revision" and "revision" in self.params and g.p(0.5):
                    step[name] = self.params["revision"]
                else:
                    step[name] = g.r.choice(values)
        self.status(step, 0.25)
        if step["request"] != "query" and "status" not in step:
            self.ports[0] = {"count": step.get("num_queue_pairs_for_default_vport"), "affinity": None,
                             "table": None}
        return step

    def delete_switch(self) -> dict[str, Any]:
        self.ports.clear()
        return {"oid": DELETE_SWITCH, "request": "set"}

    def affinity(self) -> list[int]:
        g = self.g
        if g.p(0.07):
            return []
        cpus = self.cpus(g.pick(1, 1, 2, 3), 1 if g.p(0.1) else 0)
        return cpus + cpus[:1] if g.p(0.08) else cpus           # a processor listed twice: still one mask bit

    def create_vport(self) -> dict[str, Any]:
        g = self.g
        vport = g.r.choice(VPORT_IDS[1:]) if g.p(0.9) else 0
        step: dict[str, Any] = {"oid": CREATE_VPORT, "request": g.pick("method", "method", "set"), "vport": vport}
        count = g.pick(1, 2, 2, 4, 4, 8)
        if g.p(0.92):
            step["num_queue_pairs"] = count
        affinity = self.affinity() if g.p(0.85) else None
        if affinity is not None:
            step["processor_affinity"] = self.text(affinity)
        if g.p(0.3):
            step["flags"] = self.flags(VPORT_FLAG_NAMES, "NDIS_NIC_SWITCH_VPORT_PARAMS_",
                                       g.pick(0, 0, 0x1, 0x800000, 0x100000 | 0x1, 0x2))
        self.status(step)
        self.ports[vport] = {"count": count, "affinity": affinity, "table": None}
        return step

    def delete_vport(self) -> dict[str, Any]:
        vport = self.port()
        self.ports.pop(vport, None)
        return {"oid": DELETE_VPORT, "request": "set", "vport": vport}

    def vport_params(self) -> dict[str, Any]:
        g = self.g
        vport = self.port()
        state = self.ports.get(vport, {"count": None, "affinity": None, "table": None})
        request = g.pick("set", "set", "set", "set", "query", "method")
        step: dict[str, Any] = {"oid": VPORT_PARAMETERS, "request": request, "vport": vport}
        count = state["count"] or g.pick(1, 2, 4)
        if g.p(0.8):
            step["num_queue_pairs"] = g.pick(max(1, count // 2), max(1, count - 1), count, count * 2,
                                             g.pick(1, 2, 3, 4, 8))
        if g.p(0.35):
            affinity = list(state["affinity"] or [])
            if affinity and g.p(0.5):
                g.r.shuffle(affinity)                     # the same mask, listed in another order
                if g.p(0.2):
                    affinity.append(affinity[0])
            else:
                affinity = self.affinity()
            step["processor_affinity"] = self.text(affinity)
        if request == "set" and g.p(0.85) or request != "set" and g.p(0.3):
            value = 0
            for bit, chance in ((0x800000, 0.6), (0x100000, 0.3), (0x10000, 0.15), (0x1, 0.1)):
                if g.p(chance):
                    value |= bit
            step["flags"] = self.flags(VPORT_FLAG_NAMES, "NDIS_NIC_SWITCH_VPORT_PARAMS_", value)
        self.status(step)
        if "num_queue_pairs" in step and "status" not in step:
            state["count"] = step["num_queue_pairs"]
            self.ports[vport] = state
        return step

    def table(self, state: dict[str, Any]) -> list[int]:
        g = self.g
        current = state.get("table")
        choice = g.pick("fresh", "fresh", "narrow", "half", "double")
        if current and choice == "half" and len(current) % 2 == 0:
            return current[:len(current) // 2]
        if current and choice == "double":
            return current * 2
        if current and choice == "narrow":
            keep = sorted(set(current))[:max(1, len(set(current)) // 2)]
            return [keep[i % len(keep)] for i in range(len(current))]
        source = state.get("affinity") or self.cpus(4)
        distinct = g.r.sample(source, min(len(source), g.pick(1, 2, 2, 3, 4)))
        length = g.pick(1, 2, 4, 4, 8, 8, 16)
        if g.p(0.15):
            return [g.r.choice(distinct) for _ in range(length)]
        return [distinct[i % len(distinct)] for i in range(length)]

    def rss(self) -> dict[str, Any]:
        g = self.g
        vport = self.port()
        state = self.ports.setdefault(vport, {"count": None, "affinity": None, "table": None})
        step: dict[str, Any] = {"oid": RSS_PARAMETERS, "request": g.pick("set", "set", "set", "set", "query"),
                                "vport": vport}
        flags = 0
        if g.p(0.45):
            for bit, chance in ((0x10, 0.3), (0x4, 0.2), (0x2, 0.2), (0x8, 0.15), (0x1, 0.1), (0x20, 0.1)):
                if g.p(chance):
                    flags |= bit
            step["flags"] = self.flags(RSS_FLAG_NAMES, "NDIS_RSS_PARAM_FLAG_", flags)
        if g.p(0.85) and not (flags & 0x10 and g.p(0.7)):
            table = self.table(state)
            step["indirection_table"] = self.text(table)
            if not flags & 0x14:
                state["table"] = table
        if g.p(0.2):
            step["hash_information"] = g.pick(0x301, 0x701, ["FUNCTION_TOEPLITZ", "IPV4"])
        if g.p(0.1):
            step["hash_secret_key"] = g.pick(7, "0x1234")
        self.status(step, 0.08)
        return step

    def indication(self) -> dict[str, Any]:
        g = self.g
        step: dict[str, Any] = {"oid": RECEIVE_INDICATION}
        if g.p(0.3):
            step["request"] = "indication"
        vport = self.port() if g.p(0.92) else None
        if vport is not None:
            step["vport"] = vport
        affinity = (self.ports.get(vport) or {}).get("affinity") if vport is not None else None
        cpu = min(affinity) if affinity and g.p(0.6) else g.r.choice(self.cpus(1) + (affinity or []))
        step["processor"] = cpu_text(cpu, self.ppg)
        if g.p(0.2):
            step["queue"] = self.queue()
        return step

    def queue_fields(self, step: dict[str, Any], state: dict[str, Any], chance: float) -> None:
        g = self.g
        pools: dict[str, Callable[[], Any]] = {
            "processor_affinity": lambda: self.text(self.affinity()),
            "num_suggested_receive_buffers": lambda: g.pick(0, 64, 256),
            "queue_name": lambda: g.pick("q1", "q2", ""),
            "interrupt_coalescing_domain_id": lambda: g.pick(0, 1, 2),
            "qos_sq_id": lambda: g.pick(0, 1)}
        for name, draw in pools.items():
            if g.p(chance):
                if name in state and g.p(0.5):
                    value = list(state[name]) if isinstance(state[name], list) else state[name]
                    if isinstance(value, list) and len(value) > 1 and g.p(0.4):
                        value.reverse()                  # the same mask, listed in another order
                    step[name] = value
                else:
                    step[name] = draw()

    def allocate_queue(self) -> dict[str, Any]:
        g = self.g
        queue = g.r.choice(QUEUE_IDS)
        step: dict[str, Any] = {"oid": ALLOCATE_QUEUE, "request": g.pick("method", "method", "set"), "queue": queue}
        if g.p(0.4):
            step["flags"] = self.flags(QUEUE_FLAG_NAMES, "NDIS_RECEIVE_QUEUE_PARAMETERS_",
                                       g.pick(0, 1, 2, 3, 0x10000, 0x20001))
        self.queue_fields(step, {}, 0.4)
        if g.p(0.85):
            step["processor_affinity"] = self.text(self.affinity())
        self.status(step)
        self.queues[queue] = {k: v for k, v in step.items() if k not in ("oid", "request", "queue", "status")}
        return step

    def queue_params(self) -> dict[str, Any]:
        g = self.g
        queue = self.queue()
        state = self.queues.setdefault(queue, {})
        request = g.pick("set", "set", "set", "query")
        step: dict[str, Any] = {"oid": QUEUE_PARAMETERS, "request": request, "queue": queue}
        if request == "set" and g.p(0.85) or g.p(0.2):
            value = state.get("flags", 0) if isinstance(state.get("flags"), int) and g.p(0.5) else g.pick(0, 1, 2)
            value &= 0xFFFF
            for bit in QUEUE_MEMBER_FLAGS.values():
                if g.p(0.2):
                    value |= bit
            step["flags"] = self.flags(QUEUE_FLAG_NAMES, "NDIS_RECEIVE_QUEUE_PARAMETERS_", value)
        self.queue_fields(step, state, 0.35)
        self.status(step)
        state.update({k: v for k, v in step.items() if k not in ("oid", "request", "queue", "status")})
        return step

    def queue_status(self) -> dict[str, Any]:
        g = self.g
        step: dict[str, Any] = {"oid": QUEUE_STATUS, "queue": self.queue()}
        if g.p(0.3):
            step["request"] = "indication"
        if g.p(0.7):
            step["flags"] = self.flags(QUEUE_FLAG_NAMES, "NDIS_RECEIVE_QUEUE_PARAMETERS_",
                                       g.pick(0x100000, 0x100000, 0x100001, 0x20000, 0x110000, 0))
        if g.p(0.6):
            step["revision"] = g.pick(1, 2, 2, 3)
        if g.p(0.5):
            step["interrupt_coalescing_domain_id"] = g.pick(0, 1, 2)
        if g.p(0.05):
            step["status"] = g.r.choice(FAILURES)
        return step

    def free_queue(self) -> dict[str, Any]:
        queue = self.queue()
        self.queues.pop(queue, None)
        return {"oid": FREE_QUEUE, "request": "set", "queue": queue}

    def other(self) -> dict[str, Any]:
        g = self.g
        return g.pick({"oid": ALLOCATE_VF, "request": "set", "vf": 0},
                      {"oid": "OID_RECEIVE_FILTER_SET_FILTER", "request": "set", "queue": 1},
                      {"oid": "OID_NIC_SWITCH_ENUM_VPORTS", "request": "query"})


# --------------------------------------------------------------------------------------------------------------
# Driver INF files: the declarations are drawn first (the evaluator decides on them), then written as INF text
# with the spellings the reader must see through (case, [Strings] tokens, quoting, comments, continuations,
# decorated install sections, overwritten values, UTF-16)
# --------------------------------------------------------------------------------------------------------------

INF_SHARE = 0.15
STANDARD_ENUMS = {"*VMQ": ["0", "1"], "*RSS": ["0", "1"], "*SRIOV": ["0", "1"], "*RssOnHostVPorts": ["0", "1"],
                  "*RSSProfile": ["1", "2", "3", "4", "5"], "*VMQVlanFiltering": ["0", "1"]}
STANDARD_NUMERIC = ("*NumRSSQueues", "*MaxRssProcessors", "*RssBaseProcNumber", "*NumVFs", "*NumaNodeId",
                    "*RssMaxProcGroup")
VENDOR_KEYWORDS = ("VlanID", "*JumboPacket", "FlowMode", "*InterruptModeration", "LinkSpeed")


def generate_inf(seed: int) -> dict[str, Any] | None:
    """A generated INF: {"data": bytes, "models": [{"name": install section, "entries": [...]}]}, or None (most
    seeds have no INF). Entries, in AddReg order: ("param", keyword, value name, value), ("enum", keyword, enum
    value, description), ("write", name, value), ("other",)."""
    rng = random.Random(seed ^ 0x494E_4600)
    if rng.random() >= INF_SHARE:
        return None
    fragment = random.Random(seed ^ 0x4652_4147).random() < FRAGMENT_SHARE
    return InfGen(rng, fragment).build()


FRAGMENT_SHARE = 0.08       # of the generated INFs: an include fragment (HKR lines, no section header)


class InfGen:
    def __init__(self, rng: random.Random, fragment: bool = False) -> None:
        self.g = Gen(0)
        self.g.r = rng
        self.fragment = fragment
        self.strings: dict[str, str] = {"Vendor": "Contoso"}

    def value_text(self, value: str) -> str:
        """A value as the INF writes it: quoted, bare, or a [Strings] token (not in a fragment: no [Strings])."""
        g = self.g
        if not self.fragment and g.p(0.15) and value.strip() == value:
            token = f"V{len(self.strings)}"
            self.strings[token] = value
            return f"%{token.lower() if g.p(0.3) else token}%"
        if g.p(0.2) and value and value.strip() == value and all(c.isalnum() or c in "*+-" for c in value):
            return value
        return f'"{value}"'

    def spelled(self, keyword: str) -> str:
        g = self.g
        return keyword if g.p(0.85) else g.pick(keyword.lower(), keyword.upper())

    def enum_declaration(self, keyword: str) -> list[tuple[Any, ...]]:
        g = self.g
        values = list(STANDARD_ENUMS.get(keyword) or g.pick(["0", "1"], ["Off", "On"], ["1", "2", "4", "8"]))
        entries: list[tuple[Any, ...]] = [("param", keyword, "ParamDesc", keyword.lstrip("*"))]
        if g.p(0.95):
            entries.append(("param", keyword, g.pick("type", "Type", "TYPE"), g.pick("enum", "enum", "Enum", " ENUM")))
        for value in values:
            entries.append(("enum", keyword, value, f"Value {value}"))
        if g.p(0.1):
            entries.append(("enum", keyword, values[0], "again"))
        if g.p(0.9):
            default = g.r.choice(values)
            choice = g.pick("plain", "plain", "plain", "other", "empty", "numeric", "case")
            if choice == "other":
                default = g.pick("7", "2", "Auto", "-1")
            elif choice == "empty":
                default = ""
            elif choice == "numeric" and inf_number(default) is not None:
                default = g.pick("0" + default, hex(int(default)), "+" + default)
            elif choice == "case":
                default = default.swapcase()
            entries.append(("param", keyword, g.pick("default", "Default"), default))
            if g.p(0.12):
                entries.append(("param", keyword, "default", g.pick(g.r.choice(values), "9")))
        return entries

    def numeric_declaration(self, keyword: str) -> list[tuple[Any, ...]]:
        g = self.g
        kind = g.pick("int", "int", "dword", "word", "long", "Int", "DWORD ")
        low, high = g.pick((1, 16), (0, 63), (1, 64), (0, 65535), (8, 4))
        entries: list[tuple[Any, ...]] = [("param", keyword, "ParamDesc", keyword.lstrip("*")),
                                          ("param", keyword, "type", kind)]
        numbers = {"default": g.pick(low, high, (low + high) // 2, high + 1, low - 1, low + 1, 70000),
                   "min": low, "max": high, "step": g.pick(1, 1, 2, 4, 0, -1)}
        for name in ("default", "min", "max", "step"):
            if not g.p({"default": 0.92, "min": 0.8, "max": 0.8, "step": 0.35}[name]):
                continue
            value = numbers[name]
            text = str(value)
            if g.p(0.08):
                text = g.pick("abc", "", "1.5")
            elif g.p(0.08) and value >= 0:
                text = hex(value)
            entries.append(("param", keyword, name if g.p(0.8) else name.capitalize(), text))
        if g.p(0.1):
            entries.append(("param", keyword, "default", str(g.pick(low, high + 5))))
        return entries

    def declarations(self) -> list[tuple[Any, ...]]:
        g = self.g
        entries: list[tuple[Any, ...]] = []
        blocks = g.pick(1, 2, 2, 3, 4)
        if g.p(0.12):                                    # a VMMQ model with (nearly) every RSS keyword
            blocks = 0
            for keyword in ["*RssOnHostVPorts"] + [k for k in READ_POOL["rss"] if g.p(0.9)]:
                block = self.enum_declaration(keyword) if keyword in STANDARD_ENUMS else \
                    self.numeric_declaration(keyword)
                entries += block
        for _ in range(blocks):
            choice = g.pick("enum", "enum", "numeric", "numeric", "vendor", "other")
            if choice == "enum":
                keyword = g.r.choice(list(STANDARD_ENUMS)) if g.p(0.85) else g.r.choice(STANDARD_NUMERIC)
                block = self.enum_declaration(keyword)
            elif choice == "numeric":
                keyword = g.r.choice(STANDARD_NUMERIC) if g.p(0.85) else g.r.choice(list(STANDARD_ENUMS))
                block = self.numeric_declaration(keyword)
            elif choice == "vendor":
                keyword = g.r.choice(VENDOR_KEYWORDS)
                block = self.enum_declaration(keyword) if g.p(0.5) else self.numeric_declaration(keyword)
            else:
                keyword = g.r.choice(VENDOR_KEYWORDS)
                block = [("param", keyword, "ParamDesc", keyword), ("param", keyword, "type", g.pick("edit", "text")),
                         ("param", keyword, "default", "x")]
                if g.p(0.3):
                    block = block[:1]                # no type at all
            # the same keyword spelled differently on later lines is one declaration
            first = block[0][1]
            block = [(e[0], first if i == 0 else self.spelled(first), *e[2:]) for i, e in enumerate(block)]
            entries += block
        for name in HIDDEN_KEYWORDS:
            roll = g.r.random()
            if roll < 0.12:
                entries += [("param", self.spelled(name), "ParamDesc", name), ("param", name, "type", "enum"),
                            ("enum", name, "0", "Off"), ("enum", name, "1", "On"), ("param", name, "default", "0")]
            elif roll < 0.24:
                entries.append(("write", self.spelled(name), g.pick("0", "1")))
            elif roll < 0.28:
                entries.append(("enum", self.spelled(name), "1", "On"))     # only an Enum subkey
        if g.p(0.3):
            entries.append(("write", g.pick("*VMQ", "*RSS", "BusType"), g.pick("1", "0", "5")))
        if g.p(0.4):
            entries.append(("other",))
        if g.p(0.1):
            g.r.shuffle(entries)
        return entries

    def line(self, entry: tuple[Any, ...]) -> str:
        g = self.g
        hkr = "HKR" if g.p(0.9) else "hkr"
        sep = g.pick(", ", ",", ",  ", "\t, ")
        if entry[0] == "param":
            subkey = f"Ndi\\Params\\{entry[1]}"
            fields = [hkr, subkey, entry[2], g.pick("0", "0", ""), self.value_text(entry[3])]
        elif entry[0] == "enum":
            fields = [hkr, f"Ndi\\Params\\{entry[1]}\\{g.pick('Enum', 'enum')}", f'"{entry[2]}"', "0",
                      self.value_text(entry[3])]
        elif entry[0] == "write":
            fields = [hkr, g.pick("", " "), entry[1], g.pick("0", "0x00000000"), self.value_text(entry[2])]
        else:
            fields = g.pick(["HKR", "Ndi\\Interfaces", "UpperRange", "0", '"ndis5"'],
                            ["HKR", "Ndi", "Service", "0", '"contoso"'],
                            ["HKLM", "Software\\Contoso", "*SriovPreferred", "0", '"1"'],
                            ["HKR", "Ndi\\Params\\*VMQ\\Extra", "default", "0", '"5"'])
        text = sep.join(fields)
        if g.p(0.05):
            head, _, tail = text.rpartition(sep)
            text = head + sep.rstrip() + " \\\n    " + tail           # a continued line
        if g.p(0.1):
            text += "   ; a comment, with a comma"
        return text

    def build(self) -> dict[str, Any]:
        g = self.g
        sections = {f"{name}.Reg": self.declarations() for name in g.r.sample(["Common", "Rss", "Vmq"],
                                                                               g.pick(1, 2, 2, 3))}
        if self.fragment:       # the AddReg lines of every section, to be pasted into an install section
            eol = "\r\n" if g.p(0.5) else "\n"
            entries = [e for section in sections.values() for e in section]
            text = eol.join(["; an include fragment"] + [self.line(e) for e in entries]) + eol
            return {"data": text.encode("utf-8"), "models": [{"name": "(fragment)", "entries": entries,
                                                              "placeholders": False, "fragment": True}]}
        models = []
        for index in range(g.pick(1, 1, 1, 2)):
            names = g.r.sample(list(sections), g.r.randrange(1, len(sections) + 1))
            models.append({"name": f"Port{index + 1}.ndi", "addreg": names,
                           "decoration": g.pick(".NTamd64", ".NTamd64", ".NT", ""),
                           "entries": [e for name in names for e in sections[name]]})
        eol = "\r\n" if g.p(0.5) else "\n"
        decorated = g.p(0.7)
        template = g.p(0.1)
        for model in models:
            model["placeholders"] = template
        lines = ["; generated @NOT_A_PLACEHOLDER@", "[Version]", 'Signature = "$Windows NT$"', "Class = Net",
                 "Provider = %Vendor%"] + (["DriverVer = @DRIVER_DATE@,@DRIVER_VERSION@"] if template else []) + ["",
                 "[Manufacturer]", "%Vendor% = Contoso" + (", NTamd64" if decorated else ""), "",
                 "[Contoso" + (".NTamd64]" if decorated else "]")]
        for index, model in enumerate(models):
            self.strings[f"Desc{index}"] = f"Contoso 25G port {index + 1}"
            lines.append(f"%Desc{index}% = {model['name']}, PCI\\VEN_FFFF&DEV_000{index + 1}")
        for model in models:
            if model["decoration"] and g.p(0.2):            # an undecorated install section that must lose
                lines += ["", f"[{model['name']}]", "AddReg = Decoy.Reg"]
                sections.setdefault("Decoy.Reg", [("write", "*SriovPreferred", "1"),
                                                  ("param", "*VMQ", "default", "5"), ("param", "*VMQ", "type", "int")])
            lines += ["", f"[{model['name']}{model['decoration']}]", "Characteristics = 0x84"]
            names = model["addreg"]
            if len(names) > 1 and g.p(0.3):
                lines += [f"AddReg = {names[0]}", "AddReg = " + ", ".join(names[1:])]
            else:
                lines.append("AddReg = " + ", ".join(names))
        for name, entries in sections.items():
            lines += ["", f"[{name}]"] + [self.line(e) for e in entries]
        lines += ["", "[Strings]"] + [f'{token} = "{value}"' for token, value in self.strings.items()]
        text = eol.join(lines) + eol
        encoding = g.pick("utf-8", "utf-8", "utf-8", "utf-8-sig", "utf-16")
        return {"data": text.encode(encoding), "models": models}
