"""rules.md §2.10 — INF keywords (the registry values in effect, `[inf]`)."""

from __future__ import annotations

from collections.abc import Iterator

from vmqproof.model.config import constants as C, keywords as K
from vmqproof.model.smt.logic import And, IntTerm, Not, Or
from vmqproof.model.smt.symbolic import has
from vmqproof.properties.results import Severity
from vmqproof.properties.rules.common import not_zeroed, present
from vmqproof.properties.rules.modes import keyword_is_one
from vmqproof.properties.rules.registry import Obligation, Rule, RuleContext, rule

PROFILE = "*RSSProfile"
BALANCED = 6                          # NdisRssProfileBalanced, NDIS 6.88 (rules.md §3.9)
CLOSEST = 1                           # NdisRssProfileClosest
BASE_AND_MAX = ("*RssBaseProcGroup", "*RssBaseProcNumber", "*RssMaxProcGroup", "*RssMaxProcNumber")
PROCESSOR_KEYWORDS = BASE_AND_MAX + ("*NumaNodeId",)
SELECTION = ("*SriovPreferred", "*RssOrVmqPreference", "*SRIOV", "*VMQ")    # what vmq_en, sriov_en derive from


def instance(name: str) -> str:
    return f'inf."{name}"'


def keyword(cx: RuleContext, name: str) -> IntTerm | None:
    """The value of a keyword listed in `[inf]`; None when it is absent."""
    return cx.sym.inf(name) if cx.sym.inf_present(name) else None


def in_effect(cx: RuleContext, name: str) -> IntTerm:
    """The value in effect of a keyword with a documented default."""
    term = cx.sym.inf(name)
    assert term is not None, f"{name} has a documented default"
    return term


def read_selection(cx: RuleContext) -> None:
    """Reads the keywords the mode predicates derive from, so that a report shows their values."""
    for name in SELECTION:
        cx.sym.inf(name)


def legal_values(cx: RuleContext, spec: K.KeywordSpec) -> tuple[int, ...] | range:
    """The documented values of a keyword for this adapter: an enum's values, or an int keyword's range."""
    if spec.name == PROFILE and cx.config.adapter.ndis_version < (6, 88):
        return tuple(v for v in spec.values if v != BALANCED)
    documented = spec.documented(cx.config.adapter.arch)
    return documented if spec.kind == "enum" else range(documented[0], documented[1] + 1)


def value_obligations(cx: RuleContext, names: tuple[str, ...]) -> Iterator[Obligation]:
    for name in names:
        spec = K.lookup(name)
        term = keyword(cx, name)
        if spec is None or term is None:
            continue
        legal = legal_values(cx, spec)
        if isinstance(legal, range):
            body = And(term >= legal.start, term <= legal.stop - 1)
            text = f"outside its documented range [{legal.start}, {legal.stop - 1}]"
        else:
            body = Or([term == v for v in legal])
            text = "not one of its documented values {" + ", ".join(map(str, legal)) + "}"
        yield Obligation(instance(spec.name), body, f"{spec.name} is {text}")


def value_rule(id: str, name: str, sources: str, summary: str, *names: str) -> Rule:
    """A value or range rule: each listed keyword present in [inf] takes a documented value (error)."""
    def build(cx: RuleContext) -> Iterator[Obligation]:
        yield from value_obligations(cx, names)
    return rule(id, name, "error", sources, summary)(build)


rss_on_host_vports_values = value_rule(
    "INF-VMMQ-1", "rss-on-host-vports-values", "S3", "*RssOnHostVPorts ∈ {0, 1}.", "*RssOnHostVPorts")
vmq_keyword_values = value_rule(
    "INF-VMQ-1", "vmq-keyword-values", "S8",
    "*VMQ, *VMQLookaheadSplit, *VMQVlanFiltering, *RssOrVmqPreference ∈ {0, 1}.",
    "*VMQ", "*VMQLookaheadSplit", "*VMQVlanFiltering", "*RssOrVmqPreference")
sriov_keyword_values = value_rule(
    "INF-SRIOV-1", "sriov-keyword-values", "S9", "*SRIOV, *SriovPreferred ∈ {0, 1}.", "*SRIOV", "*SriovPreferred")
rss_keyword_values = value_rule("INF-RSS-1", "rss-keyword-values", "S10", "*RSS ∈ {0, 1}.", "*RSS")
rss_profile_values = value_rule(
    "INF-RSS-2", "rss-profile-values", "S10",
    "*RSSProfile ∈ 1..5, and 6 (NdisRssProfileBalanced) when the adapter registers NDIS ≥ 6.88.", PROFILE)
rss_base_proc_group_range = value_rule(
    "INF-RSS-4", "rss-base-proc-group-range", "S10", "*RssBaseProcGroup ∈ [0, MAXIMUM_GROUPS−1].",
    "*RssBaseProcGroup")
numa_node_id_range = value_rule(
    "INF-RSS-5", "numa-node-id-range", "S10", "*NumaNodeId ∈ [0, 65535].", "*NumaNodeId")
rss_base_proc_number_range = value_rule(
    "INF-RSS-6", "rss-base-proc-number-range", "S10 H1",
    "*RssBaseProcNumber ∈ [0, MAXIMUM_PROC_PER_GROUP−1] (32 per group on x86, else 64).", "*RssBaseProcNumber")
max_rss_processors_range = value_rule(
    "INF-RSS-7", "max-rss-processors-range", "S10",
    "*MaxRssProcessors ∈ [1, MAXIMUM_GROUPS × MAXIMUM_PROC_PER_GROUP].", "*MaxRssProcessors")
num_rss_queues_range = value_rule(
    "INF-RSS-9", "num-rss-queues-range", "S10", "*NumRSSQueues ≥ 1.", "*NumRSSQueues")
rss_max_proc_group_range = value_rule(
    "INF-RSS-10", "rss-max-proc-group-range", "S10", "*RssMaxProcGroup ∈ [0, MAXIMUM_GROUPS−1].",
    "*RssMaxProcGroup")


@rule("INF-VMMQ-3", "vmmq-closest-processor-profile", "warning", "S3",
      "With VMMQ enabled, the ClosestProcessor profile is used (reading A16): vmmq_en ⇒ *RSSProfile absent or 1.")
def vmmq_closest_processor_profile(cx: RuleContext) -> Iterator[Obligation]:
    profile = keyword(cx, PROFILE)
    if profile is None:
        return
    yield Obligation(instance(PROFILE), profile == CLOSEST,
                     "VMMQ is enabled but *RSSProfile is not 1 (ClosestProcessor), the profile VMMQ should use",
                     guard=cx.modes.vmmq_en)


@rule("INF-VMMQ-4", "max-rss-processors-not-limiting-messages", "warning", "S3 S2",
      "With VMMQ enabled, *MaxRssProcessors does not cap NumberOfInterruptMessages (as VMMQ-CAP-3): "
      "¬(NumberOfInterruptMessages < msix.table_size ∧ NumberOfInterruptMessages = *MaxRssProcessors).")
def max_rss_processors_not_limiting(cx: RuleContext) -> Iterator[Obligation]:
    rsc, msix = cx.config.structure("rss_capabilities"), cx.config.msix
    limit = keyword(cx, "*MaxRssProcessors")
    if rsc is None or msix is None or limit is None:
        return
    messages = cx.sym.field(rsc, "number_of_interrupt_messages")
    capped = And(messages < cx.sym.field(msix.record, "table_size"), messages == limit)
    yield Obligation(instance("*MaxRssProcessors"), Not(capped),
                     "VMMQ is enabled and NumberOfInterruptMessages equals *MaxRssProcessors, below the MSI-X "
                     "table size: the keyword limits the reported message count", guard=cx.modes.vmmq_en)


@rule("INF-VMQ-3", "vmq-preference-advertising", "error", "S8",
      "With VMQ preference (*RssOrVmqPreference = 1, *SriovPreferred ≠ 1): VM_QUEUE_SUPPORTED in the current "
      "receive-filter capabilities ⇔ *VMQ = 1.")
def vmq_preference_advertising(cx: RuleContext) -> Iterator[Obligation]:
    current = cx.config.structure("receive_filter.current")
    if not cx.config.has_inf or current is None:
        return
    sym = cx.sym
    advertised = has(sym.field(current, "supported_queue_properties"), C.SQP_VM_QUEUE)
    guard = And(keyword_is_one(sym, "*RssOrVmqPreference"), Not(keyword_is_one(sym, "*SriovPreferred")))
    yield Obligation(current.path, advertised == keyword_is_one(sym, "*VMQ"),
                     "with VMQ preference, the current capabilities advertise VM_QUEUE_SUPPORTED (0x2) exactly "
                     "when *VMQ = 1, and they do not", guard=guard)


@rule("INF-SRIOV-2", "interface-selection-table", "error", "S11",
      "The keywords select an interface by the INF-SRIOV-2 table; a combination the table leaves out is "
      "unspecified (A33), never an error.")
def interface_selection_table(cx: RuleContext) -> Iterator[Obligation]:
    if not cx.config.has_inf:
        return
    read_selection(cx)
    yield Obligation("inf", Not(cx.modes.selection_unspecified),
                     "*SriovPreferred, *RssOrVmqPreference, *SRIOV and *VMQ form a combination the selection "
                     "table does not cover (A33): which interface is enabled is unspecified", unspecified=True)


@rule("INF-SRIOV-5", "advertise-enabled-interface-only", "error", "S11",
      "Current capabilities are advertised for the enabled interface only: VM_QUEUE_SUPPORTED in the current "
      "receive-filter capabilities ⇒ vmq_en ∨ sriov_en; non-zero current NIC switch capabilities ⇒ sriov_en ∨ "
      "(vmq_en ∧ NIC_SWITCH_WITHOUT_IOV_SUPPORTED in the hardware ones); not for combinations A33 leaves open.")
def advertise_enabled_interface_only(cx: RuleContext) -> Iterator[Obligation]:
    config, sym, modes = cx.config, cx.sym, cx.modes
    if not config.has_inf:
        return
    specified = Not(modes.selection_unspecified)
    rfc = config.structure("receive_filter.current")
    if rfc is not None:
        read_selection(cx)
        yield Obligation(rfc.path, Or(modes.vmq_en, modes.sriov_en),
                         "the current receive-filter capabilities advertise VM_QUEUE_SUPPORTED (0x2) but neither "
                         "VMQ nor SR-IOV is enabled",
                         guard=And(specified, has(sym.field(rfc, "supported_queue_properties"),
                                                     C.SQP_VM_QUEUE)))
    hardware = config.structure("nic_switch.hardware")
    without_iov = False if hardware is None else has(sym.field(hardware, "nic_switch_capabilities"),
                                                           C.CAPS_WITHOUT_IOV)
    for nsc in present(config, "nic_switch.current"):
        reported = not_zeroed(sym, nsc)
        read_selection(cx)
        yield Obligation(nsc.path, Or(modes.sriov_en, And(modes.vmq_en, without_iov)),
                         "current NIC switch capabilities are reported but neither SR-IOV nor VMQ with "
                         "NIC_SWITCH_WITHOUT_IOV_SUPPORTED (0x40) in the hardware capabilities is enabled",
                         guard=And(specified, reported))


@rule("INF-RSS-3", "balanced-profile-no-processor-keywords", "error", "S10",
      "*RSSProfile = 6 (Balanced) ⇒ none of *RssBaseProcNumber, *RssBaseProcGroup, *RssMaxProcNumber, "
      "*RssMaxProcGroup, *NumaNodeId is present.")
def balanced_profile(cx: RuleContext) -> Iterator[Obligation]:
    profile = keyword(cx, PROFILE)
    if profile is None:
        return
    given = [n for n in PROCESSOR_KEYWORDS if cx.sym.inf_present(n)]
    yield Obligation(instance(PROFILE), not given,
                     "*RSSProfile is 6 (NdisRssProfileBalanced), which cannot be combined with "
                     + (", ".join(given) if given else "processor or NUMA keywords"), guard=profile == BALANCED)


@rule("INF-RSS-8", "rss-max-proc-number-range", "error", "S10",
      "*RssMaxProcNumber ∈ [0, MAXIMUM_PROC_PER_GROUP−1]; if it is present, *RssMaxProcGroup should be too "
      "(warning).")
def rss_max_proc_number(cx: RuleContext) -> Iterator[Obligation]:
    name = "*RssMaxProcNumber"
    yield from value_obligations(cx, (name,))
    if cx.sym.inf_present(name):
        yield Obligation(f"{instance(name)} (needs *RssMaxProcGroup)",
                         bool(cx.sym.inf_present("*RssMaxProcGroup")),
                         "*RssMaxProcNumber is specified without *RssMaxProcGroup", severity=Severity.WARNING)


@rule("INF-RSS-11", "rss-base-not-above-max", "error", "S10",
      "(*RssBaseProcGroup, *RssBaseProcNumber) ≤lex (*RssMaxProcGroup, *RssMaxProcNumber), with the defaults "
      "0:0 and 0:MAXIMUM_PROC_PER_GROUP−1 for absent keywords; when at least one is present.")
def rss_base_not_above_max(cx: RuleContext) -> Iterator[Obligation]:
    if not any(cx.sym.inf_present(n) for n in BASE_AND_MAX):
        return
    base_group, base_number, max_group, max_number = (in_effect(cx, n) for n in BASE_AND_MAX)
    yield Obligation("inf", Or(base_group < max_group, And(base_group == max_group, base_number <= max_number)),
                     "the RSS base processor (*RssBaseProcGroup:*RssBaseProcNumber) lies after the maximum "
                     "processor (*RssMaxProcGroup:*RssMaxProcNumber): no processor is a candidate")


RULES: tuple[Rule, ...] = (
    rss_on_host_vports_values, vmmq_closest_processor_profile, max_rss_processors_not_limiting,
    vmq_keyword_values, vmq_preference_advertising,
    sriov_keyword_values, interface_selection_table, advertise_enabled_interface_only,
    rss_keyword_values, rss_profile_values, balanced_profile, rss_base_proc_group_range, numa_node_id_range,
    rss_base_proc_number_range, max_rss_processors_range, rss_max_proc_number, num_rss_queues_range,
    rss_max_proc_group_range, rss_base_not_above_max,
)
