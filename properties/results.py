"""Typed results: verdict and severity enums, frozen result dataclasses (no z3, no rich)."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from vmqproof.model.config.schema import Suppression  # noqa: F401  (re-exported beside the results)


class Verdict(enum.Enum):
    HOLDS = "holds"
    VIOLATED = "violated"
    CONDITIONAL = "conditional"
    NOT_APPLICABLE = "not-applicable"
    UNSPECIFIED = "unspecified"
    UNKNOWN = "unknown"


class Severity(enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class Status(enum.Enum):
    LEGAL = "legal"
    ILLEGAL = "illegal"
    ERROR = "error"
    UNKNOWN = "unknown"


FAILING = (Verdict.VIOLATED, Verdict.CONDITIONAL)
FINDINGS = (Verdict.VIOLATED, Verdict.CONDITIONAL, Verdict.UNSPECIFIED, Verdict.UNKNOWN)
_SEVERITY_RANK = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}


class BaselineState(enum.Enum):
    """SARIF's baselineState of a finding checked against a baseline file."""

    NEW = "new"
    UNCHANGED = "unchanged"
    ABSENT = "absent"


def threshold(strict: bool | Severity) -> Severity:
    """The least severity that fails: `--fail-on` as a Severity; `--strict` (True) is warning, False error."""
    if isinstance(strict, Severity):
        return strict
    return Severity.WARNING if strict else Severity.ERROR




@dataclass(frozen=True, slots=True)
class FieldValue:
    """One field shown beside a verdict: its value and whether the user gave it or the solver chose it."""

    path: str
    value: Any
    given: bool
    location: str | None = None     # "miniport.c:120": the statement giving this value (driver trees)


@dataclass(frozen=True, slots=True)
class Result:
    rule: str
    name: str
    severity: Severity
    verdict: Verdict
    instance: str
    message: str
    sources: tuple[str, ...]
    counterexample: tuple[FieldValue, ...] = ()
    witness: tuple[FieldValue, ...] = ()
    reading: str | None = None
    line: int | None = None
    legal_values: str | None = None
    file: str | None = None         # the file `line` is a line of, when not the checked file (a driver's .c)
    suppression: Suppression | None = None
    baseline_state: BaselineState | None = None

    def fails(self, strict: bool | Severity = False) -> bool:
        """A violated or conditional finding at or above the threshold, neither suppressed nor in the baseline."""
        if self.verdict not in FAILING or self.suppression is not None \
                or self.baseline_state is BaselineState.UNCHANGED:
            return False
        return _SEVERITY_RANK[self.severity] <= _SEVERITY_RANK[threshold(strict)]


@dataclass(frozen=True, slots=True)
class FileReport:
    path: str
    results: tuple[Result, ...] = ()
    error: str | None = None
    readings: Mapping[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()     # what the input's reader could not resolve or assumed (driver trees)
    warnings: tuple[str, ...] = ()  # e.g. a suppression that matched nothing or has expired

    def status(self, strict: bool | Severity = False) -> Status:
        if self.error is not None:
            return Status.ERROR
        if any(r.fails(strict) for r in self.results):
            return Status.ILLEGAL
        if any(r.verdict is Verdict.UNKNOWN for r in self.results):
            return Status.UNKNOWN
        return Status.LEGAL
