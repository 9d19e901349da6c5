"""Typed results: verdict and severity enums, frozen result dataclasses (no z3, no rich)."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


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

    def fails(self, strict: bool = False) -> bool:
        if self.verdict not in FAILING:
            return False
        return self.severity is Severity.ERROR or (strict and self.severity is Severity.WARNING)


@dataclass(frozen=True, slots=True)
class FileReport:
    path: str
    results: tuple[Result, ...] = ()
    error: str | None = None
    readings: Mapping[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()     # what the input's reader could not resolve or assumed (driver trees)

    def status(self, strict: bool = False) -> Status:
        if self.error is not None:
            return Status.ERROR
        if any(r.fails(strict) for r in self.results):
            return Status.ILLEGAL
        if any(r.verdict is Verdict.UNKNOWN for r in self.results):
            return Status.UNKNOWN
        return Status.LEGAL
