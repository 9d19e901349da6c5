"""The registry: one module per catalog family."""

from vmqproof.properties.registry import Rule
from vmqproof.properties.rules import derived, inf_keywords, nic_switch, nic_switch_parameters, vmmq, vmq_irq

RULES: tuple[Rule, ...] = (
    vmq_irq.RULES + nic_switch.RULES + nic_switch_parameters.RULES + vmmq.RULES + inf_keywords.RULES
    + derived.RULES
)
