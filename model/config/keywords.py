"""The standardized INF keywords of rules.md §3.13: type, documented values, default, hidden."""

from __future__ import annotations

from dataclasses import dataclass

from vmqproof.model.config import constants as C


@dataclass(frozen=True, slots=True)
class KeywordSpec:
    name: str                       # registry spelling, with the star
    kind: str                       # "enum" | "int"
    values: tuple[int, ...] = ()    # enum values
    lo: int = 0                     # int range
    hi: int = C.ULONG_MAX
    default: int | None = None      # None: no documented default (absent is its own state)
    hidden: bool = False
    source: str = ""

    def documented(self, arch: str = "amd64") -> tuple[int, int] | tuple[int, ...]:
        """The documented value set: an enum's values, or an int keyword's (lo, hi) range."""
        if self.kind == "enum":
            return self.values
        return (self.lo, _arch_hi(self, arch))


def _arch_hi(spec: KeywordSpec, arch: str) -> int:
    per_group = C.procs_per_group(arch)
    if spec.name in ("*RssBaseProcNumber", "*RssMaxProcNumber"):
        return per_group - 1
    if spec.name == "*MaxRssProcessors":
        return C.MAXIMUM_GROUPS * per_group
    return spec.hi


KEYWORDS: tuple[KeywordSpec, ...] = (
    KeywordSpec("*RssOnHostVPorts", "enum", (0, 1), default=1, source="S3"),
    KeywordSpec("*VMQ", "enum", (0, 1), default=1, source="S8"),
    KeywordSpec("*VMQLookaheadSplit", "enum", (0, 1), default=1, source="S8"),
    KeywordSpec("*VMQVlanFiltering", "enum", (0, 1), default=1, source="S8"),
    KeywordSpec("*RssOrVmqPreference", "enum", (0, 1), default=0, hidden=True, source="S8"),
    KeywordSpec("*SRIOV", "enum", (0, 1), default=1, source="S9"),
    KeywordSpec("*SriovPreferred", "enum", (0, 1), default=0, hidden=True, source="S9"),
    KeywordSpec("*NumVFs", "int", lo=0, hi=C.USHORT_MAX, source="S9"),
    KeywordSpec("*RSS", "enum", (0, 1), default=1, source="S10"),
    KeywordSpec("*RSSProfile", "enum", (1, 2, 3, 4, 5, 6), default=4, source="S10"),
    KeywordSpec("*RssBaseProcGroup", "int", lo=0, hi=C.MAXIMUM_GROUPS - 1, default=0, source="S10"),
    KeywordSpec("*NumaNodeId", "int", lo=0, hi=C.USHORT_MAX, default=C.USHORT_MAX, source="S10"),
    KeywordSpec("*RssBaseProcNumber", "int", lo=0, hi=63, default=0, source="S10"),
    KeywordSpec("*MaxRssProcessors", "int", lo=1, hi=C.MAXIMUM_GROUPS * 64, default=16, source="S10"),
    KeywordSpec("*RssMaxProcNumber", "int", lo=0, hi=63, default=63, source="S10"),
    KeywordSpec("*NumRSSQueues", "int", lo=1, hi=C.ULONG_MAX, default=16, source="S10"),
    KeywordSpec("*RssMaxProcGroup", "int", lo=0, hi=C.MAXIMUM_GROUPS - 1, default=0, source="S10"),
)

BY_LOWER_NAME: dict[str, KeywordSpec] = {k.name.lower(): k for k in KEYWORDS}


def lookup(name: str) -> KeywordSpec | None:
    """Case-insensitive lookup of a standardized keyword by its registry name."""
    return BY_LOWER_NAME.get(name.lower())


def default_of(name: str, arch: str = "amd64") -> int | None:
    spec = lookup(name)
    if spec is None:
        return None
    if spec.name == "*RssMaxProcNumber":
        return C.procs_per_group(arch) - 1
    return spec.default
