"""Rules checked against the optional `[trace]` section: registry reads (rules.md §2.10, D-19) and OID sequences
(§2.5, §2.6, §2.7, §2.11, D-16). Trace fields are concrete; only the keyword preferences and the capabilities a
rule consults may be open. A file without a trace (or without the part a rule reads) gives no obligation."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace

from vmqproof.model.config import constants as C, keywords as K
from vmqproof.model.config.schema import Record
from vmqproof.model.config.trace import (
    ALLOCATE_QUEUE, ALLOCATE_VF, CREATE_SWITCH, CREATE_VPORT, DELETE_SWITCH, DELETE_VPORT, FREE_QUEUE,
    QUEUE_PARAMETERS, QUEUE_PARAMETERS_STATUS, RECEIVE_INDICATION, RSS_PARAMETERS, VPORT_PARAMETERS, Trace,
    TraceRequest,
)
from vmqproof.model.smt.logic import And, BoolTerm, If, Implies, Not, Or, simplify
from vmqproof.model.smt.symbolic import has
from vmqproof.properties.rules.common import not_zeroed
from vmqproof.properties.rules.modes import keyword_is_one
from vmqproof.properties.rules.registry import Obligation, Rule, RuleContext, rule

RSS_KEYWORDS = frozenset(k.lower() for k in (
    "*RSS", "*RSSProfile", "*RssBaseProcGroup", "*NumaNodeId", "*RssBaseProcNumber", "*MaxRssProcessors",
    "*RssMaxProcNumber", "*NumRSSQueues", "*RssMaxProcGroup"))
VMQ_KEYWORDS = frozenset(k.lower() for k in ("*VMQ", "*VMQLookaheadSplit", "*VMQVlanFiltering"))
SRIOV_KEYWORDS = frozenset(k.lower() for k in ("*SRIOV", "*NumVFs"))
VMQ_RESERVED = frozenset(k.lower() for k in ("*RssMaxProcNumber", "*MaxRssProcessors"))
VMSMP_RESERVED = frozenset(f"vmsmp\\{k.lower()}" for k in (
    "*TenGigVmqEnabled", "*BelowTenGigVmqEnabled", "*RssMaxProcNumber", "*MaxRssProcessors"))
SRIOV_MUST_READ = ("*SRIOV", "*VMQVlanFiltering")

CHANGE_MASK = 0xFFFF0000
VPORT_BITS = C.VPORT_FLAGS.by_name()
QUEUE_BITS = C.QUEUE_FLAGS.by_name()
NUM_QUEUE_PAIRS_CHANGED = VPORT_BITS["NUM_QUEUE_PAIRS_CHANGED"]
DISABLE_RSS = C.RSS_PARAM_FLAGS.by_name()["DISABLE_RSS"]
HASH_INFO_UNCHANGED = C.RSS_PARAM_FLAGS.by_name()["HASH_INFO_UNCHANGED"]
HASH_KEY_UNCHANGED = C.RSS_PARAM_FLAGS.by_name()["HASH_KEY_UNCHANGED"]
ITABLE_UNCHANGED = C.RSS_PARAM_FLAGS.by_name()["ITABLE_UNCHANGED"]
COALESCING_CHANGED = QUEUE_BITS["INTERRUPT_COALESCING_DOMAIN_ID_CHANGED"]
VPORT_MEMBERS = (("num_queue_pairs", NUM_QUEUE_PAIRS_CHANGED),
                 ("processor_affinity", VPORT_BITS["PROCESSOR_AFFINITY_CHANGED"]))
QUEUE_MEMBERS = (("flags", QUEUE_BITS["FLAGS_CHANGED"]),
                 ("processor_affinity", QUEUE_BITS["PROCESSOR_AFFINITY_CHANGED"]),
                 ("num_suggested_receive_buffers", QUEUE_BITS["SUGGESTED_RECV_BUFFER_NUMBERS_CHANGED"]),
                 ("queue_name", QUEUE_BITS["NAME_CHANGED"]),
                 ("interrupt_coalescing_domain_id", COALESCING_CHANGED),
                 ("qos_sq_id", QUEUE_BITS["QOS_SQ_ID_CHANGED"]))
SWITCH_FIELDS = ("flags", "switch_type", "switch_id", "switch_friendly_name", "num_vfs",
                 "num_queue_pairs_for_default_vport", "revision")

QueueValue = int | str | tuple[int, ...]


# -- replaying the trace ----------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class VPortState:
    num_queue_pairs: int | None
    created_affinity: tuple[int, ...] | None           # ProcessorAffinity of the create-VPort request
    processor_affinity: tuple[int, ...] | None = None  # the ProcessorAffinity in effect
    table: tuple[int, ...] | None = None               # the indirection table in effect
    count_tables: tuple[tuple[int, ...], ...] = ()     # tables set since NumQueuePairs last took effect
    hash_information: int | None = None                # as first set in the VPort's lifetime
    hash_secret_key: int | None = None
    rss_disabled: bool = False


@dataclass(frozen=True, slots=True)
class Moment:
    """A step and the state before it."""

    step: TraceRequest
    switch: bool
    vm_queues: int
    vport: VPortState | None
    queue: tuple[tuple[str, QueueValue], ...] | None


def _mask(cpus: Sequence[int]) -> tuple[int, ...]:
    """A ProcessorAffinity as the GROUP_AFFINITY mask it stands for: the order and repeats of a list do not count."""
    return tuple(sorted(set(cpus)))


def _queue_values(step: TraceRequest, names: Sequence[str]) -> dict[str, QueueValue]:
    values: dict[str, QueueValue] = {}
    for name in names:
        value = step.value(name)
        if value is None:
            continue
        if name == "flags" and isinstance(value, int):
            value = value & 0xFFFF
        elif name == "processor_affinity" and isinstance(value, tuple):
            value = _mask(value)
        values[name] = value
    return values


def _count_change(step: TraceRequest) -> int | None:
    """The new NumQueuePairs of a VPORT_PARAMETERS set that changes it (flag set, or flags not recorded)."""
    if not step.is_set(VPORT_PARAMETERS) or step.num_queue_pairs is None:
        return None
    if step.flags is not None and not step.flags & NUM_QUEUE_PAIRS_CHANGED:
        return None
    return step.num_queue_pairs


def replay(trace: Trace) -> tuple[Moment, ...]:
    switch = False
    vports: dict[int, VPortState] = {}
    queues: dict[int, dict[str, QueueValue]] = {}
    allocated: set[int] = set()
    moments: list[Moment] = []
    for step in trace.requests:
        vport = vports.get(step.vport) if step.vport is not None else None
        queue = queues.get(step.queue) if step.queue is not None else None
        moments.append(Moment(step, switch, len(allocated), vport,
                              None if queue is None else tuple(queue.items())))
        if not step.succeeded:
            continue
        if step.oid == CREATE_SWITCH and step.request != "query":
            switch = True
            vports[0] = VPortState(step.num_queue_pairs_for_default_vport, None)
        elif step.oid == DELETE_SWITCH:
            switch = False
            vports.clear()
        elif step.oid == CREATE_VPORT and step.vport is not None:
            vports[step.vport] = VPortState(step.num_queue_pairs, step.processor_affinity, step.processor_affinity)
        elif step.oid == DELETE_VPORT and step.vport is not None:
            vports.pop(step.vport, None)
        elif step.oid == VPORT_PARAMETERS and step.vport is not None:
            state = vport or VPortState(None, None)
            count = _count_change(step) if step.request == "set" else step.num_queue_pairs
            if count is not None and count != state.num_queue_pairs:
                state = replace(state, num_queue_pairs=count, count_tables=())
            if step.processor_affinity is not None and (step.request != "set" or step.flags is None
                                                        or step.has_flag(VPORT_MEMBERS[1][1])):
                state = replace(state, processor_affinity=step.processor_affinity)
            vports[step.vport] = state
        elif step.oid == RSS_PARAMETERS and step.vport is not None:
            vports[step.vport] = _after_rss(vport or VPortState(None, None), step)
        elif step.oid == ALLOCATE_QUEUE and step.queue is not None:
            queues[step.queue] = _queue_values(step, [n for n, _ in QUEUE_MEMBERS])
            allocated.add(step.queue)
        elif step.oid == FREE_QUEUE and step.queue is not None:
            queues.pop(step.queue, None)
            allocated.discard(step.queue)
        elif step.oid in (QUEUE_PARAMETERS, QUEUE_PARAMETERS_STATUS) and step.queue is not None:
            current = queues.setdefault(step.queue, {})
            if step.request == "query":
                current.update(_queue_values(step, [n for n, _ in QUEUE_MEMBERS]))
            else:
                current.update(_queue_values(step, [n for n, bit in QUEUE_MEMBERS if step.has_flag(bit)]))
    return tuple(moments)


def _after_rss(state: VPortState, step: TraceRequest) -> VPortState:
    if step.request == "set" and step.has_flag(DISABLE_RSS):
        return replace(state, rss_disabled=True)
    if step.request == "set":
        state = replace(state, rss_disabled=False)
        if state.hash_information is None and not step.has_flag(HASH_INFO_UNCHANGED):
            state = replace(state, hash_information=step.hash_information)
        if state.hash_secret_key is None and not step.has_flag(HASH_KEY_UNCHANGED):
            state = replace(state, hash_secret_key=step.hash_secret_key)
    table = step.indirection_table
    if table is not None and not step.has_flag(ITABLE_UNCHANGED):
        state = replace(state, table=table,
                        count_tables=state.count_tables + ((table,) if step.request == "set" else ()))
    return state


def _moments(cx: RuleContext) -> tuple[Moment, ...]:
    trace = cx.config.trace
    return () if trace is None else replay(trace)


def _distinct(table: Sequence[int]) -> int:
    return len(set(table))


def _cpus(cx: RuleContext, cpus: Sequence[int]) -> str:
    return ", ".join(cx.sym.show_processor(c) for c in cpus) or "none"


def _what(step: TraceRequest) -> str:
    return f"{step.oid} {step.request}"


def _caps_bit(cx: RuleContext, bit: int) -> BoolTerm:
    """A NIC switch capability: the current capabilities where given and not zeroed (A7 iii), else the hardware.
    Fixed values are decided here, so that a result's line is the trace step's, not the capability's."""
    sym = cx.sym

    def of(record: Record | None) -> BoolTerm:
        if record is None:
            return False
        value = record["nic_switch_capabilities"]
        return bool(value & bit) if isinstance(value, int) else \
            has(sym.field(record, "nic_switch_capabilities"), bit)

    current, hardware = cx.config.structure("nic_switch.current"), cx.config.structure("nic_switch.hardware")
    if current is None:
        return of(hardware)
    chosen = If(not_zeroed(sym, current), of(current), of(hardware))
    return simplify(chosen)


def _keyword_is_one(cx: RuleContext, name: str) -> BoolTerm:
    """INF.name = 1 (absent: its default, A31 for hidden ones), decided here when the value is fixed."""
    keyword = cx.config.inf.get(name.lower())
    spec = K.lookup(name)
    if keyword is None and spec is not None and not (spec.hidden and
                                                     cx.config.policy.absent_hidden_keywords == "open"):
        return K.default_of(name, cx.config.adapter.arch) == 1
    if keyword is not None and isinstance(keyword.value, int):
        return keyword.value == 1
    return keyword_is_one(cx.sym, name)


# -- registry reads -----------------------------------------------------------------------------------------
def _reads(cx: RuleContext) -> tuple[str, ...] | None:
    trace = cx.config.trace
    return None if trace is None else trace.registry_reads


def _preferences(cx: RuleContext) -> tuple[BoolTerm, BoolTerm, BoolTerm]:
    """(SR-IOV, VMQ, RSS) preference: *SriovPreferred = 1; else *RssOrVmqPreference = 1; else RSS."""
    sp = _keyword_is_one(cx, "*SriovPreferred")
    vp = _keyword_is_one(cx, "*RssOrVmqPreference")
    return sp, And(Not(sp), vp), And(Not(sp), Not(vp))


def _vmq_preference_ok(cx: RuleContext, name: str) -> BoolTerm:
    vp = _keyword_is_one(cx, "*RssOrVmqPreference")
    key = name.lower()
    return True if key not in RSS_KEYWORDS | VMQ_KEYWORDS else \
        Not(vp) if key in RSS_KEYWORDS else vp


def _reserved_ok(cx: RuleContext, name: str) -> BoolTerm:
    key = name.lower()
    if key in VMSMP_RESERVED:
        return False
    return Not(cx.modes.vmq_en) if key in VMQ_RESERVED else True


def _interface_ok(cx: RuleContext, name: str) -> BoolTerm:
    sriov, vmq, rss = _preferences(cx)
    key = name.lower()
    forbidden = []
    if key in RSS_KEYWORDS:
        forbidden += [sriov, vmq]
    if key in SRIOV_KEYWORDS:
        forbidden += [vmq, rss]
    if key in VMQ_KEYWORDS:
        forbidden.append(rss)
    return Not(Or(forbidden)) if forbidden else True


def _sriov_reads_ok(cx: RuleContext, trace: Trace) -> tuple[BoolTerm, list[str]]:
    missing = [k for k in SRIOV_MUST_READ if not trace.read(k)]
    return Implies(_keyword_is_one(cx, "*SriovPreferred"), not missing), missing


@rule("INF-VMQ-4", "preference-keyword-reads", "error", "S8",
      "Trace: with the VMQ preference (*RssOrVmqPreference = 1) the driver reads no RSS keyword; with the RSS "
      "preference no VMQ keyword (when *SriovPreferred = 1, INF-SRIOV-3 governs). One instance per registry read.")
def preference_keyword_reads(cx: RuleContext) -> Iterator[Obligation]:
    sp = _keyword_is_one(cx, "*SriovPreferred")
    for index, name in enumerate(_reads(cx) or ()):
        if name.lower().startswith("vmsmp\\"):
            continue
        kind = "an RSS" if name.lower() in RSS_KEYWORDS else "a VMQ" if name.lower() in VMQ_KEYWORDS else "no"
        yield Obligation(f"trace.registry_reads[{index}]", _vmq_preference_ok(cx, name),
                         f"the driver read {name}, {kind} keyword, although the preference "
                         "(*RssOrVmqPreference) forbids reading it", guard=Not(sp))


@rule("INF-VMQ-5", "reserved-keyword-reads", "error", "S8",
      "Trace: the driver never reads *TenGigVmqEnabled, *BelowTenGigVmqEnabled, *RssMaxProcNumber or "
      "*MaxRssProcessors under the VMSMP service's Parameters key, and with VMQ enabled not *RssMaxProcNumber or "
      "*MaxRssProcessors of the adapter. One instance per registry read.")
def reserved_keyword_reads(cx: RuleContext) -> Iterator[Obligation]:
    for index, name in enumerate(_reads(cx) or ()):
        where = "under the VMSMP service key, which is reserved" if name.lower().startswith("vmsmp\\") else \
            "with VMQ enabled"
        yield Obligation(f"trace.registry_reads[{index}]", _reserved_ok(cx, name),
                         f"the driver read {name} {where}")


@rule("INF-SRIOV-3", "interface-keyword-reads", "error", "S11",
      "Trace: SR-IOV preference (*SriovPreferred = 1): read *SRIOV and *VMQVlanFiltering, no RSS keyword; VMQ "
      "preference: no RSS or SR-IOV keyword; RSS preference: no VMQ or SR-IOV keyword. One instance per registry "
      "read, and one for the reads the SR-IOV preference requires.")
def interface_keyword_reads(cx: RuleContext) -> Iterator[Obligation]:
    trace = cx.config.trace
    if trace is None or trace.registry_reads is None:
        return
    for index, name in enumerate(trace.registry_reads):
        if name.lower().startswith("vmsmp\\"):
            continue
        yield Obligation(f"trace.registry_reads[{index}]", _interface_ok(cx, name),
                         f"the driver read {name}, which the selected interface preference forbids")
    missing = [k for k in SRIOV_MUST_READ if not trace.read(k)]
    yield Obligation("trace.registry_reads", not missing,       # the premise is the guard
                     f"with the SR-IOV preference the driver must read {' and '.join(missing) or 'nothing more'} "
                     "but the trace shows no such read", guard=_keyword_is_one(cx, "*SriovPreferred"))


@rule("D-19", "keyword-read-audit", "warning", "S8 S11",
      "Trace: the set of registry reads satisfies INF-VMQ-4, INF-VMQ-5 and INF-SRIOV-3 together (set membership "
      "over the read set).")
def keyword_read_audit(cx: RuleContext) -> Iterator[Obligation]:
    trace = cx.config.trace
    if trace is None or trace.registry_reads is None:
        return
    sp = _keyword_is_one(cx, "*SriovPreferred")
    parts: list[BoolTerm] = []
    named: list[str] = []
    for name in trace.registry_reads:
        key = name.lower()
        if key in RSS_KEYWORDS | VMQ_KEYWORDS | SRIOV_KEYWORDS | VMQ_RESERVED | VMSMP_RESERVED:
            named.append(name)
        if key.startswith("vmsmp\\"):
            parts.append(_reserved_ok(cx, name))
            continue
        parts += [Implies(Not(sp), _vmq_preference_ok(cx, name)), _reserved_ok(cx, name),
                  _interface_ok(cx, name)]
    sriov_ok, missing = _sriov_reads_ok(cx, trace)
    parts.append(sriov_ok)
    detail = f"reads in question: {', '.join(named) or 'none'}" + \
        (f"; not read: {', '.join(missing)}" if missing else "")
    yield Obligation("trace.registry_reads", And(parts),
                     "the registry reads break INF-VMQ-4, INF-VMQ-5 or INF-SRIOV-3 for the keywords in effect ("
                     + detail + ")")


# -- VPorts -------------------------------------------------------------------------------------------------
@rule("VPORT-4", "default-vport-lifecycle", "error", "S18 S19 D11",
      "Trace: the default VPort comes and goes with the switch: OID_NIC_SWITCH_CREATE_VPORT and "
      "OID_NIC_SWITCH_DELETE_VPORT never name VPortId 0.", min_ndis="6.30")
def default_vport_lifecycle(cx: RuleContext) -> Iterator[Obligation]:
    for moment in _moments(cx):
        step = moment.step
        if step.oid in (CREATE_VPORT, DELETE_VPORT) and step.vport is not None:
            yield Obligation(step.path, step.vport != 0,
                             f"{_what(step)} names VPort 0, the default VPort, which only create-switch and "
                             "delete-switch create and delete")


@rule("VPORT-6", "vport-changeable-members", "error", "S19 D9",
      "Trace: create-VPort: Flags & 0xFFFF0000 = 0; *_CHANGED flags only in OID_NIC_SWITCH_VPORT_PARAMETERS set "
      "requests, which set at least one; a set changes NumQueuePairs or ProcessorAffinity (vs the VPort's state in "
      "the trace) only with its *_CHANGED flag.", min_ndis="6.30")
def vport_changeable_members(cx: RuleContext) -> Iterator[Obligation]:
    for moment in _moments(cx):
        step = moment.step
        if step.oid not in (CREATE_VPORT, VPORT_PARAMETERS) or step.flags is None:
            continue
        changed = step.flags & CHANGE_MASK
        if not step.is_set(VPORT_PARAMETERS):
            yield Obligation(step.path, changed == 0,
                             f"{_what(step)} carries *_CHANGED flags ({hex(changed)}), valid only in set requests")
            continue
        problems = [] if changed else ["no *_CHANGED flag is set"]
        state = moment.vport
        for name, bit in VPORT_MEMBERS:
            new, old = step.value(name), None if state is None else getattr(state, name)
            if name == "processor_affinity" and isinstance(new, tuple) and isinstance(old, tuple):
                new, old = _mask(new), _mask(old)      # a GROUP_AFFINITY mask, however the list is written
            if new is not None and old is not None and new != old and not step.flags & bit:
                problems.append(f"{name} changes without {C.VPORT_FLAGS.names_of(bit)[0]}")
        yield Obligation(step.path, not problems,
                         f"{_what(step)} of VPort {step.vport}: " + "; ".join(problems or ["-"]))


@rule("VMMQ-VP-6", "num-queue-pairs-changed-in-set-only", "info", "S5 D9",
      "Trace: NUM_QUEUE_PAIRS_CHANGED (0x800000) appears only in OID_NIC_SWITCH_VPORT_PARAMETERS set requests.")
def num_queue_pairs_changed_in_set_only(cx: RuleContext) -> Iterator[Obligation]:
    for moment in _moments(cx):
        step = moment.step
        if step.oid in (CREATE_VPORT, VPORT_PARAMETERS) and step.flags is not None:
            ok = not step.has_flag(NUM_QUEUE_PAIRS_CHANGED) or step.is_set(VPORT_PARAMETERS)
            yield Obligation(step.path, bool(ok),
                             f"{_what(step)} carries NUM_QUEUE_PAIRS_CHANGED, valid only in an "
                             "OID_NIC_SWITCH_VPORT_PARAMETERS set request")


@rule("VMMQ-VP-5", "disable-vmmq-returns-to-affinity", "error", "S4",
      "Trace: after an OID_GEN_RECEIVE_SCALE_PARAMETERS set with DISABLE_RSS on a VPort (and until RSS parameters "
      "re-enable it), receive indications of that VPort are on the lowest processor of its create-VPort "
      "ProcessorAffinity.")
def disable_vmmq_returns_to_affinity(cx: RuleContext) -> Iterator[Obligation]:
    for moment in _moments(cx):
        step, state = moment.step, moment.vport
        if step.oid != RECEIVE_INDICATION or step.processor is None or state is None or not state.rss_disabled:
            continue
        if not state.created_affinity:
            continue
        home = min(state.created_affinity)
        yield Obligation(step.path, step.processor == home,
                         f"VMMQ is disabled on VPort {step.vport} but it indicates on processor "
                         f"{cx.sym.show_processor(step.processor)}, not {cx.sym.show_processor(home)} (its create-VPort "
                         "ProcessorAffinity)")


# -- queue counts and RSS tables ------------------------------------------------------------------------------
def _lowerings(moments: Sequence[Moment]) -> Iterator[tuple[int, Moment, int]]:
    """(position, moment, new count) of each VPORT_PARAMETERS set that lowers a VPort's NumQueuePairs."""
    for position, moment in enumerate(moments):
        count = _count_change(moment.step)
        state = moment.vport
        if count is not None and state is not None and state.num_queue_pairs is not None \
                and count < state.num_queue_pairs:
            yield position, moment, count


@rule("VMMQ-RSS-6", "decreasing-queues-protocol", "error", "S4 S23",
      "Trace: before an OID_NIC_SWITCH_VPORT_PARAMETERS set lowers a VPort's NumQueuePairs to n, the VPort's last "
      "RSS parameters reference at most n distinct processors.")
def decreasing_queues_protocol(cx: RuleContext) -> Iterator[Obligation]:
    for _, moment, count in _lowerings(_moments(cx)):
        table = moment.vport.table if moment.vport is not None else None
        distinct = 0 if table is None else _distinct(table)
        yield Obligation(moment.step.path, distinct <= count,
                         f"VPort {moment.step.vport}'s NumQueuePairs drops to {count} while its indirection table "
                         f"still references {distinct} processors ({_cpus(cx, sorted(set(table or ())))}); send the "
                         "narrowed table first")


def _repeats(table: Sequence[int], pattern: Sequence[int]) -> bool:
    return bool(pattern) and len(table) % len(pattern) == 0 and \
        all(entry == pattern[i % len(pattern)] for i, entry in enumerate(table))


@rule("VMMQ-RSS-10", "rssv2-update-invariants", "error", "S23",
      "Trace: before NumQueuePairs of a VPort drops to n its table references ≤ n processors; with "
      "RSS_PER_PF_VPORT_INDIRECTION_TABLE_SIZE_RESTRICTED (0x1000) that table keeps the size the VPort's table had "
      "at the old count and is the next, smaller table repeated.")
def rssv2_update_invariants(cx: RuleContext) -> Iterator[Obligation]:
    moments = _moments(cx)
    restricted = _caps_bit(cx, C.CAPS_TABLE_SIZE_RESTRICTED)
    for position, moment, count in _lowerings(moments):
        state = moment.vport
        assert state is not None
        step = moment.step
        table = state.table or ()
        problems = []
        if _distinct(table) > count:
            problems.append(f"the table references {_distinct(table)} processors, more than {count}")
        restricted_problems = []
        if state.count_tables and len(table) != len(state.count_tables[0]):
            restricted_problems.append(f"the table shrank from {len(state.count_tables[0])} to {len(table)} entries "
                                       "before the count changed")
        following = next((m.step.indirection_table for m in moments[position + 1:]
                          if m.step.is_set(RSS_PARAMETERS) and m.step.vport == step.vport
                          and m.step.indirection_table is not None and not m.step.has_flag(ITABLE_UNCHANGED)),
                         None)
        if following is not None and table and len(following) < len(table) and not _repeats(table, following):
            restricted_problems.append(f"the {len(table)}-entry table is not the next {len(following)}-entry table "
                                       "repeated")
        body = And(not problems, Implies(restricted, not restricted_problems))
        yield Obligation(step.path, body,
                         f"VPort {step.vport}'s NumQueuePairs drops to {count}: "
                         + "; ".join(problems + [p + " (RESTRICTED adapter)" for p in restricted_problems] or ["-"]))


@rule("VMMQ-RSS-7", "increasing-queues-protocol", "error", "S4",
      "Trace: an RSS parameters set that grows a VPort's table beyond its current NumQueuePairs distinct processors "
      "comes only after the OID_NIC_SWITCH_VPORT_PARAMETERS set that raises the count.")
def increasing_queues_protocol(cx: RuleContext) -> Iterator[Obligation]:
    for moment in _moments(cx):
        step, state = moment.step, moment.vport
        table = step.indirection_table
        if not step.is_set(RSS_PARAMETERS) or table is None or step.has_flag(ITABLE_UNCHANGED) \
                or state is None or state.num_queue_pairs is None or state.table is None:
            continue
        if len(table) <= len(state.table) and _distinct(table) <= _distinct(state.table):
            continue
        yield Obligation(step.path, _distinct(table) <= state.num_queue_pairs,
                         f"VPort {step.vport}'s table grows to {_distinct(table)} processors while its NumQueuePairs "
                         f"is still {state.num_queue_pairs}; raise the count with OID_NIC_SWITCH_VPORT_PARAMETERS "
                         "first")


@rule("D-16", "ordering-invariants", "warning", "S18 S4",
      "Trace: create-switch precedes create-VPort and allocate-VF; with NIC_SWITCH_WITHOUT_IOV no VM queue is "
      "allocated while a switch exists, nor a switch created while VM queues are; at every step "
      "distinct(table of v) ≤ NumQueuePairs(v); hash information and key stay constant for a VPort's lifetime "
      "(queue-count changes: VMMQ-RSS-6/7).")
def ordering_invariants(cx: RuleContext) -> Iterator[Obligation]:
    without_iov = _caps_bit(cx, C.CAPS_WITHOUT_IOV)
    for moment in _moments(cx):
        step, state = moment.step, moment.vport
        fixed: list[str] = []
        conditional: list[str] = []
        applies = False
        if step.oid in (CREATE_VPORT, ALLOCATE_VF) and step.request != "query":
            applies = True
            if not moment.switch:
                fixed.append(f"{step.oid} before any OID_NIC_SWITCH_CREATE_SWITCH")
        if step.oid == ALLOCATE_QUEUE:
            applies = True
            if moment.switch:
                conditional.append("a VM queue is allocated while a NIC switch exists")
        if step.oid == CREATE_SWITCH and step.request != "query":
            applies = True
            if moment.vm_queues:
                conditional.append(f"a NIC switch is created while {moment.vm_queues} VM queue(s) are allocated")
        if step.is_set(RSS_PARAMETERS) and state is not None:
            table = None if step.has_flag(ITABLE_UNCHANGED) else step.indirection_table
            if table is not None and state.num_queue_pairs is not None:
                applies = True
                if _distinct(table) > state.num_queue_pairs:
                    fixed.append(f"the table references {_distinct(table)} processors, more than NumQueuePairs "
                                 f"{state.num_queue_pairs}")
            for name, keep, first in (("hash_information", HASH_INFO_UNCHANGED, state.hash_information),
                                      ("hash_secret_key", HASH_KEY_UNCHANGED, state.hash_secret_key)):
                value = step.value(name)
                if value is not None and first is not None and not step.has_flag(keep):
                    applies = True
                    if value != first:
                        fixed.append(f"{name} changes during the VPort's lifetime")
        count = _count_change(step)
        if count is not None and state is not None and state.table is not None:
            applies = True
            if _distinct(state.table) > count:
                fixed.append(f"NumQueuePairs becomes {count} below the {_distinct(state.table)} processors of "
                             "the table")
        if not applies:
            continue
        body = And(not fixed, Implies(without_iov, not conditional))
        yield Obligation(step.path, body, f"{_what(step)}: " + "; ".join(
            fixed + [c + " (NIC_SWITCH_WITHOUT_IOV)" for c in conditional] or ["-"]))


# -- the switch -----------------------------------------------------------------------------------------------
@rule("NSP-7", "static-switch-parameters-match", "error", "S18",
      "Trace with static_switch = true: an OID_NIC_SWITCH_CREATE_SWITCH whose parameters differ from "
      "[nic_switch.parameters] (those used in MiniportInitializeEx) is failed: static ∧ NSP ≠ NSP_init ⇒ "
      "status ≠ NDIS_STATUS_SUCCESS.")
def static_switch_parameters_match(cx: RuleContext) -> Iterator[Obligation]:
    trace, record = cx.config.trace, cx.config.structure("nic_switch.parameters")
    if trace is None or not trace.static_switch or record is None:
        return
    sym = cx.sym
    for step in trace.requests:
        if step.oid != CREATE_SWITCH or step.request == "query":
            continue
        equal: list[BoolTerm] = []
        for name in SWITCH_FIELDS:
            value = step.value(name)
            if value is None:
                continue
            if name == "switch_friendly_name":
                equal.append(record[name] == value)
            elif name == "flags":
                equal.append(sym.field(record, name) == int(value))  # type: ignore[arg-type]
            else:
                equal.append(sym.field(record, name) == int(value))  # type: ignore[arg-type]
        if not equal:
            continue
        yield Obligation(step.path, Or(not step.succeeded, And(equal)),
                         "the statically created switch's create-switch parameters differ from [nic_switch.parameters] "
                         f"but the miniport answered {step.status or 'success (no status recorded)'}")


# -- VM queues -------------------------------------------------------------------------------------------------
def _affinity_steps(cx: RuleContext) -> Iterator[TraceRequest]:
    """Steps that give a VM queue its ProcessorAffinity: allocate-queue, and queue-parameters sets that change it."""
    for moment in _moments(cx):
        step = moment.step
        if step.processor_affinity is None:
            continue
        if step.oid == ALLOCATE_QUEUE or (step.is_set(QUEUE_PARAMETERS)
                                          and step.has_flag(QUEUE_BITS["PROCESSOR_AFFINITY_CHANGED"])):
            yield step


@rule("VMQ-Q-1", "queue-affinity-not-empty", "error", "D8",
      "Trace: allocate-queue (and a queue-parameters set with PROCESSOR_AFFINITY_CHANGED) gives a non-empty "
      "ProcessorAffinity: RQ[q].ProcessorAffinity.Mask ≠ 0.")
def queue_affinity_not_empty(cx: RuleContext) -> Iterator[Obligation]:
    for step in _affinity_steps(cx):
        yield Obligation(step.path, bool(step.processor_affinity),
                         f"{_what(step)} of queue {step.queue} has an empty ProcessorAffinity")


@rule("VMQ-Q-2", "single-cpu-queue", "warning", "D8",
      "Trace: a VM queue's ProcessorAffinity names exactly one processor: popcount(RQ[q].ProcessorAffinity.Mask) = 1.")
def single_cpu_queue(cx: RuleContext) -> Iterator[Obligation]:
    for step in _affinity_steps(cx):
        cpus = _mask(step.processor_affinity or ())          # popcount of the mask: a repeated processor is one bit
        yield Obligation(step.path, len(cpus) == 1,
                         f"{_what(step)} of queue {step.queue} names {len(cpus)} processors ({_cpus(cx, cpus)}); "
                         "a VM queue is associated with one")


@rule("VMQ-Q-7", "changeable-queue-parameters", "error", "S20",
      "Trace: after allocation, an OID_RECEIVE_FILTER_QUEUE_PARAMETERS set changes a parameter (vs the queue's "
      "state in the trace) only with its *_CHANGED flag: FLAGS, PROCESSOR_AFFINITY, SUGGESTED_RECV_BUFFER_NUMBERS, "
      "NAME, INTERRUPT_COALESCING_DOMAIN_ID, QOS_SQ_ID.")
def changeable_queue_parameters(cx: RuleContext) -> Iterator[Obligation]:
    for moment in _moments(cx):
        step = moment.step
        if not step.is_set(QUEUE_PARAMETERS) or step.flags is None or moment.queue is None:
            continue
        before = dict(moment.queue)
        after = _queue_values(step, [n for n, _ in QUEUE_MEMBERS])
        unflagged = [name for name, bit in QUEUE_MEMBERS
                     if name in after and name in before and after[name] != before[name] and not step.flags & bit]
        yield Obligation(step.path, not unflagged,
                         f"{_what(step)} of queue {step.queue} changes {', '.join(unflagged) or '-'} without the "
                         "matching *_CHANGED flag")


@rule("VMQ-Q-12", "queue-parameters-status", "error", "S20",
      "Trace: an NDIS_STATUS_RECEIVE_FILTER_QUEUE_PARAMETERS indication reports only "
      "INTERRUPT_COALESCING_DOMAIN_ID_CHANGED and uses NDIS_RECEIVE_QUEUE_PARAMETERS revision 2.", min_ndis="6.30")
def queue_parameters_status(cx: RuleContext) -> Iterator[Obligation]:
    for moment in _moments(cx):
        step = moment.step
        if step.oid != QUEUE_PARAMETERS_STATUS or (step.flags is None and step.revision is None):
            continue
        problems = []
        other = (step.flags or 0) & CHANGE_MASK & ~COALESCING_CHANGED
        if other:
            problems.append("reports " + ", ".join(C.QUEUE_FLAGS.names_of(other)))
        if step.revision is not None and step.revision != 2:
            problems.append(f"uses revision {step.revision}")
        yield Obligation(step.path, not problems,
                         f"the queue-parameters status indication of queue {step.queue} "
                         + "; ".join(problems or ["-"]))


RULES: tuple[Rule, ...] = (
    preference_keyword_reads, reserved_keyword_reads, interface_keyword_reads, keyword_read_audit,
    default_vport_lifecycle, vport_changeable_members, num_queue_pairs_changed_in_set_only,
    disable_vmmq_returns_to_affinity, decreasing_queues_protocol, rssv2_update_invariants,
    increasing_queues_protocol, ordering_invariants, static_switch_parameters_match, queue_affinity_not_empty,
    single_cpu_queue, changeable_queue_parameters, queue_parameters_status,
)
