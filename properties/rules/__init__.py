"""The rule registry: what a rule is, the mode predicates, one module per catalog family; may import model, results."""

from vmqproof.properties.rules import (
    derived, hardware_assist, host, inf_declarations, inf_keywords, msix, nic_switch, nic_switch_parameters,
    receive_filter, rss, trace, vm_queues, vmmq, vmq_irq, vports,
)
from vmqproof.properties.rules.registry import Rule

RULES: tuple[Rule, ...] = (
    vmq_irq.RULES + receive_filter.RULES + hardware_assist.RULES + nic_switch.RULES + nic_switch_parameters.RULES
    + vmmq.RULES + inf_keywords.RULES
    + vm_queues.RULES + msix.RULES + rss.RULES + vports.RULES + derived.RULES
    + inf_declarations.RULES + host.RULES + trace.RULES
)


def all_rules() -> tuple[Rule, ...]:
    return RULES


def rules_by_id() -> dict[str, Rule]:
    return {r.id: r for r in RULES}
