"""rules.md §2.8 — MSI-X resource handling (S21, D12)."""

from __future__ import annotations

from collections.abc import Iterator

from vmqproof.model.smt.logic import Or
from vmqproof.properties.rules.registry import Obligation, Rule, RuleContext, rule


@rule("MSIX-5", "message-per-rss-processor", "info", "S21 D12",
      "The driver can set MSI-X affinities so that every RSS processor is the target of some message: "
      "∀ p ∈ RPI.P: ∃ vector i: tgt(i) = p.", physical_only=True)
def message_per_rss_processor(cx: RuleContext) -> Iterator[Obligation]:
    rpi, msix = cx.config.rss_processors, cx.config.msix
    if rpi is None or msix is None:
        return
    targeted = [v for v in msix.vectors if v.has_cpu]
    fixed_targets = {v.record["cpu"] for v in targeted if not v.record.is_open("cpu")}
    open_targets = [cx.sym.field(v.record, "cpu") for v in targeted if v.record.is_open("cpu")]
    seen: set[int] = set()
    for index, processor in enumerate(rpi.processors):
        if processor.cpu in seen:
            continue
        seen.add(processor.cpu)
        covered = processor.cpu in fixed_targets
        body = True if covered else Or([t == processor.cpu for t in open_targets] or [False])
        yield Obligation(f"rss_processors.processors[{index}]", body,
                         f"no MSI-X message targets RSS processor {cx.sym.show_processor(processor.cpu)}")


RULES: tuple[Rule, ...] = (message_per_rss_processor,)
