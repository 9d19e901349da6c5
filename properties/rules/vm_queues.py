"""rules.md §2.7 — VM queues (VMQ interface) and their processor/MSI-X mapping (`[[queues]]`)."""

from __future__ import annotations

from collections.abc import Iterator

from vmqproof.model.config.fields import Open
from vmqproof.model.config.schema import Msix, Queue
from vmqproof.model.smt.logic import And
from vmqproof.properties.rules.registry import Obligation, Rule, RuleContext, rule

ALLOCATION_FLAGS = 0x3       # PER_QUEUE_RECEIVE_INDICATION | LOOKAHEAD_SPLIT_REQUIRED


def _name(queue: Queue) -> str:
    return f"VM queue {queue.id}"


@rule("VMQ-Q-3", "queue-ids-within-num-queues", "error", "D8 S20",
      "A VM queue id is in [1, NumQueues] of the current receive-filter capabilities (the hardware ones when the "
      "current are not given); id 0 is the default queue, which is never allocated.")
def queue_ids_within_num_queues(cx: RuleContext) -> Iterator[Obligation]:
    record = cx.config.structure("receive_filter.current") or cx.config.structure("receive_filter.hardware")
    if record is None:
        return
    num_queues = cx.sym.field(record, "num_queues")
    for queue in cx.config.queues:
        yield Obligation(queue.record.path, And(queue.id >= 1, num_queues >= queue.id),
                         f"{_name(queue)} is outside [1, NumQueues] of {record.path} (queue 0 is the default queue)")


def _entry_message(queue: Queue, others: list[Queue], msix: Msix | None) -> str:
    entry = queue.record["msix_entry"]
    if isinstance(entry, Open):
        return f"{_name(queue)}'s MSI-X table entry is shared with another queue or outside the MSI-X table"
    problems = []
    shared = [str(o.id) for o in others if o.record["msix_entry"] == entry]
    if shared:
        problems.append(f"shares MSI-X table entry {entry} with VM queue {', '.join(shared)}")
    table_size = None if msix is None else msix.record["table_size"]
    if isinstance(table_size, int) and entry >= table_size:
        problems.append(f"has MSI-X table entry {entry}, outside a table of {table_size} entries")
    return f"{_name(queue)} " + (" and ".join(problems) or "may share its MSI-X table entry or fall outside the table")


@rule("VMQ-Q-4", "distinct-msix-entry-per-queue", "error", "S14 S24 S20",
      "Each VM queue has its own MSI-X table entry (A13: distinct table entries, which may share a message) and a "
      "valid index, msix_entry < msix.table_size (A12).", physical_only=True)
def distinct_msix_entry(cx: RuleContext) -> Iterator[Obligation]:
    sym, msix = cx.sym, cx.config.msix
    with_entry = [q for q in cx.config.queues if q.has_msix_entry]
    open_entries = [q for q in with_entry if q.record.is_open("msix_entry")]
    by_entry: dict[object, list[Queue]] = {}
    for queue in with_entry:
        by_entry.setdefault(queue.record["msix_entry"], []).append(queue)
    for queue in with_entry:
        entry = sym.field(queue.record, "msix_entry")
        # an open entry may meet any other queue's entry; a fixed one only the equal fixed ones and the open ones
        candidates = with_entry if queue.record.is_open("msix_entry") else \
            by_entry[queue.record["msix_entry"]] + open_entries
        others = list({id(o): o for o in candidates if o is not queue}.values())
        parts = [entry != sym.field(other.record, "msix_entry") for other in others]
        if msix is not None:
            parts.append(entry < sym.field(msix.record, "table_size"))
        yield Obligation(queue.record.path, And(parts) if parts else True, _entry_message(queue, others, msix))


@rule("VMQ-Q-5", "no-queue-lookahead", "error", "D8 S20",
      "NDIS ≥ 6.30: a VM queue's LookaheadSize is 0.", min_ndis="6.30")
def no_queue_lookahead(cx: RuleContext) -> Iterator[Obligation]:
    for queue in cx.config.queues:
        yield Obligation(queue.record.path, cx.sym.field(queue.record, "lookahead_size") == 0,
                         f"{_name(queue)} has a LookaheadSize; lookahead split is not supported from NDIS 6.30")


@rule("VMQ-Q-6", "allocation-flags", "error", "S20 D8",
      "At allocation only PER_QUEUE_RECEIVE_INDICATION (0x1) and LOOKAHEAD_SPLIT_REQUIRED (0x2) may be set: "
      "Flags & ~0x3 = 0.")
def allocation_flags(cx: RuleContext) -> Iterator[Obligation]:
    for queue in cx.config.queues:
        flags = cx.sym.field(queue.record, "flags")
        yield Obligation(queue.record.path, flags & ~ALLOCATION_FLAGS == 0,
                         f"{_name(queue)} sets flags other than PER_QUEUE_RECEIVE_INDICATION (0x1) and "
                         "LOOKAHEAD_SPLIT_REQUIRED (0x2) (the *_CHANGED flags belong to later set requests)")


@rule("VMQ-Q-13", "vports-replace-vm-queues", "info", "S11 S17",
      "With SR-IOV and VMQ both enabled, PF-attached non-default VPorts replace VM queues: sriov_en ⇒ no VM queues.")
def vports_replace_vm_queues(cx: RuleContext) -> Iterator[Obligation]:
    count = len(cx.config.queues)
    yield Obligation("queues", count == 0,
                     f"SR-IOV and VMQ are enabled, so non-default PF VPorts replace VM queues, but {count} VM queues "
                     "are listed", guard=cx.modes.sriov_en)


RULES: tuple[Rule, ...] = (queue_ids_within_num_queues, distinct_msix_entry, no_queue_lookahead, allocation_flags,
                           vports_replace_vm_queues)
