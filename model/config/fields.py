"""The building blocks of the configuration schema (z3-free): field kinds and specs, open values, and the
path and processor notation shared by every section."""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypeVar

from vmqproof.model.config import constants as C


class Kind(enum.Enum):
    INT = "int"
    FLAGS = "flags"
    BOOL = "bool"
    PROCESSOR = "processor"
    STRING = "string"


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One scalar field: its name (snake_case of the NDIS member), kind and type range."""

    name: str
    kind: Kind
    lo: int = 0
    hi: int = C.ULONG_MAX
    flags: C.FlagSet | None = None
    width: int = 32


@dataclass(frozen=True, slots=True)
class Open:
    """An open value: any value of the field's domain, narrowed by min/max or one_of."""

    lo: int | None = None
    hi: int | None = None
    one_of: tuple[int, ...] | None = None

    def describe(self) -> str:
        if self.one_of is not None:
            return "one of " + ", ".join(str(v) for v in self.one_of)
        if self.lo is None and self.hi is None:
            return "?"
        return f"[{'' if self.lo is None else self.lo}, {'' if self.hi is None else self.hi}]"


@dataclass(frozen=True, slots=True)
class SizeOfRevision:
    """The default of a header `size`: NDIS_SIZEOF_<revision>, also when the revision is open."""

    sizes: tuple[tuple[int, int], ...]


@dataclass(frozen=True, slots=True)
class KeywordValue:
    """The default of a field NDIS fills from an INF keyword (RssProfile from *RSSProfile) when the keyword is
    open: its value in each completion."""

    keyword: str


Value = int | bool | str | Open | SizeOfRevision | KeywordValue
Located = TypeVar("Located")


def u8(name: str) -> FieldSpec:
    return FieldSpec(name, Kind.INT, 0, 0xFF)


def u16(name: str) -> FieldSpec:
    return FieldSpec(name, Kind.INT, 0, C.USHORT_MAX)


def u32(name: str) -> FieldSpec:
    return FieldSpec(name, Kind.INT, 0, C.ULONG_MAX)


def flags(name: str, flag_set: C.FlagSet, width: int = 32) -> FieldSpec:
    return FieldSpec(name, Kind.FLAGS, 0, (1 << width) - 1, flag_set, width)


def proc(name: str) -> FieldSpec:
    return FieldSpec(name, Kind.PROCESSOR, 0, C.MAXIMUM_GROUPS * 64 - 1)


def boolean(name: str) -> FieldSpec:
    return FieldSpec(name, Kind.BOOL, 0, 1)


def string(name: str) -> FieldSpec:
    return FieldSpec(name, Kind.STRING)


# snake_case word → its spelling in NDIS member names
_WORDS = {"vports": "VPorts", "vport": "VPort", "vfs": "VFs", "pf": "PF", "ipv4": "IPv4", "ipv6": "IPv6",
          "arp": "ARP"}

def member_name(field: str) -> str:
    """`max_num_rss_capable_non_default_pf_vports` → `MaxNumRssCapableNonDefaultPFVPorts`."""
    return "".join(_WORDS.get(word, word[:1].upper() + word[1:]) for word in field.split("_"))


def find_line(index: Mapping[str, Located], path: str) -> Located | None:
    """The TOML line of a field path, else of its nearest enclosing entry or table (or, alike, its source)."""
    probe = path.replace('"', "")
    while probe:
        line = index.get(probe, index.get(probe.lower()))     # inf keywords are indexed lower-cased too
        if line is not None:
            return line
        trimmed = re.sub(r"\[\d+\]$", "", probe)
        probe = trimmed if trimmed != probe else (probe.rpartition(".")[0] if "." in probe else "")
    return None


def format_processor(index: int, procs_per_group: int) -> str:
    return f"{index // procs_per_group}:{index % procs_per_group}"
