"""The declarative rule registry: one entry per catalog id, each yielding obligations per instance."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from vmqproof.model.config.constants import ndis_tuple
from vmqproof.model.config.schema import Config
from vmqproof.model.smt.logic import BoolTerm
from vmqproof.model.smt.symbolic import Symbolic
from vmqproof.properties.results import Severity
from vmqproof.properties.rules.modes import Modes
from vmqproof.properties.rules.sources import url_of

ANY_ROLE = frozenset({"pf", "vf"})


@dataclass(frozen=True, slots=True)
class Obligation:
    """One instance of a rule: `guard ⇒ body` must hold for every completion of the open fields. Over fixed
    fields only, body and guard are Python bools."""

    instance: str
    body: BoolTerm
    message: str
    guard: BoolTerm | None = None
    severity: Severity | None = None      # overrides the rule's (a rule with a MUST and a SHOULD part)
    unspecified: bool = False             # failing means: the documentation does not cover this (A33)


@dataclass(frozen=True, slots=True)
class RuleContext:
    config: Config
    sym: Symbolic
    modes: Modes


Builder = Callable[[RuleContext], Iterable[Obligation]]


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    name: str
    severity: Severity
    sources: tuple[str, ...]            # catalog tags (rules.md §1), e.g. "S1", "D3"
    summary: str                        # the formula in words
    build: Builder
    min_ndis: tuple[int, int] | None = None
    roles: frozenset[str] = ANY_ROLE
    physical_only: bool = False         # MSI-X rules do not hold virtual adapters (rules.md A36)
    reading: Callable[[Config], str] | None = None
    source_urls: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "source_urls", tuple(url_of(tag) for tag in self.sources))

    def applies_to(self, config: Config) -> bool:
        adapter = config.adapter
        if self.min_ndis is not None and adapter.ndis_version < self.min_ndis:
            return False
        if adapter.role not in self.roles:
            return False
        return not (self.physical_only and adapter.virtual)


def rule(id: str, name: str, severity: str, sources: str, summary: str, *, min_ndis: str | None = None,
         roles: Iterable[str] = ANY_ROLE, physical_only: bool = False,
         reading: Callable[[Config], str] | None = None) -> Callable[[Builder], Rule]:
    """Decorator: turns an obligation builder into a registry entry."""

    def wrap(build: Builder) -> Rule:
        return Rule(id=id, name=name, severity=Severity(severity), sources=tuple(sources.split()),
                    summary=summary, build=build, min_ndis=None if min_ndis is None else ndis_tuple(min_ndis),
                    roles=frozenset(roles), physical_only=physical_only, reading=reading)
    return wrap
