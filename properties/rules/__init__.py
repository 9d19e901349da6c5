"""The registry: one module per catalog family."""

from vmqproof.properties.registry import Rule
from vmqproof.properties.rules import derived, inf_keywords, nic_switch, nic_switch_parameters, vmmq, vmq_irq
from vmqproof.properties.rules import hardware_assist, msix, receive_filter, vm_queues
from vmqproof.properties.rules import rss, vports
from vmqproof.properties.rules import host, inf_declarations
from vmqproof.properties.rules import trace

RULES: tuple[Rule, ...] = (
    vmq_irq.RULES + receive_filter.RULES + hardware_assist.RULES + nic_switch.RULES + nic_switch_parameters.RULES
    + vmmq.RULES + inf_keywords.RULES
    + vm_queues.RULES + msix.RULES + rss.RULES + vports.RULES + derived.RULES
    + inf_declarations.RULES + host.RULES + trace.RULES
)
