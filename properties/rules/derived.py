"""Rules of this family (rules.md)."""

from vmqproof.properties.registry import Rule

RULES: tuple[Rule, ...] = ()
