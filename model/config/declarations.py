"""What an INF file says about one device model: keyword declarations (`Ndi\\Params\\<kw>`) and direct value
writes (`HKR,,<kw>,0,"1"`). Plain frozen data, filled by `vmqproof.model.readers.inf`; the INF rules read it."""

from __future__ import annotations

import re
from dataclasses import dataclass

NUMERIC_TYPES = ("int", "long", "word", "dword")
# The value range of each numeric Ndi type when `min` / `max` are not declared.
TYPE_LIMITS: dict[str, tuple[int, int]] = {
    "int": (-(1 << 31), (1 << 31) - 1),
    "long": (-(1 << 31), (1 << 31) - 1),
    "word": (0, 0xFFFF),
    "dword": (0, 0xFFFFFFFF),
}


def parse_number(text: str | None) -> int | None:
    """A registry string as an integer (decimal, or hex with 0x); None when it is not a number."""
    if text is None:
        return None
    text = text.strip()
    if re.fullmatch(r"[+-]?\d{1,20}", text):
        return int(text)
    if re.fullmatch(r"0[xX][0-9a-fA-F]{1,16}", text):
        return int(text, 16)
    return None


@dataclass(frozen=True, slots=True)
class ParamValue:
    """One value under `Ndi\\Params\\<kw>` (type, default, min, ...) or one enum entry, with its INF line."""

    name: str
    value: str
    line: int
    unexpanded: bool = False              # a build-time macro or @NAME@ placeholder: unknown until the build


@dataclass(frozen=True, slots=True)
class InfDeclaration:
    """A keyword declared for Advanced Properties: `HKR, Ndi\\Params\\<kw>, <name>, , <value>` lines."""

    keyword: str                          # as spelled in the INF (with the star)
    line: int                             # the first line that declares it
    values: tuple[ParamValue, ...]        # by lower-cased value name: type, default, min, max, step, optional
    enum: tuple[ParamValue, ...]          # Ndi\Params\<kw>\Enum entries: name = value, value = description

    def get(self, name: str) -> ParamValue | None:
        found = [v for v in self.values if v.name == name]
        return found[-1] if found else None                 # a later AddReg line overwrites an earlier one

    @property
    def type(self) -> str | None:
        entry = self.get("type")
        return entry.value.strip().lower() if entry is not None else None

    @property
    def is_enum(self) -> bool:
        return self.type == "enum"

    @property
    def is_numeric(self) -> bool:
        return self.type in NUMERIC_TYPES

    def number(self, name: str) -> int | None:
        entry = self.get(name)
        return None if entry is None else parse_number(entry.value)

    def unexpanded(self, *names: str) -> tuple[ParamValue, ...]:
        """The named values that hold build-time macros, in the order asked."""
        return tuple(entry for name in names if (entry := self.get(name)) is not None and entry.unexpanded)

    def line_of(self, name: str) -> int:
        entry = self.get(name)
        return self.line if entry is None else entry.line

    def enum_values(self) -> tuple[str, ...]:
        seen: list[str] = []
        for entry in self.enum:
            if entry.name not in seen:
                seen.append(entry.name)
        return tuple(seen)

    def numeric_enum_values(self) -> tuple[int, ...]:
        return tuple(sorted({n for v in self.enum_values() if (n := parse_number(v)) is not None}))

    def bounds(self) -> tuple[int, int]:
        """The declared [min, max], the type's limits where not declared."""
        lo, hi = TYPE_LIMITS.get(self.type or "", TYPE_LIMITS["dword"])
        low, high = self.number("min"), self.number("max")
        return (lo if low is None else low, hi if high is None else high)


@dataclass(frozen=True, slots=True)
class InfWrite:
    """A value written directly under the instance key: `HKR,,<name>,<flags>,<value>`."""

    name: str
    value: str
    line: int
    unexpanded: bool = False              # the value is a build-time macro or holds an @NAME@ placeholder


@dataclass(frozen=True, slots=True)
class InfModel:
    """One device model of an INF: its install section and what that section's AddReg sections say."""

    name: str                             # the install section, as named by the models section
    description: str
    hardware_ids: tuple[str, ...]
    line: int                             # the models-section line naming it
    role: str                             # "pf" | "vf"
    virtual: bool                         # Characteristics has NCF_VIRTUAL (0x1)
    declarations: tuple[InfDeclaration, ...]
    writes: tuple[InfWrite, ...]
    placeholders: tuple[tuple[str, int], ...] = ()      # @NAME@ placeholders and macro values, with lines
    arch: str = "amd64"                   # the architecture its models and install section were chosen for
    fragment: bool = False                # an include fragment: HKR lines without a section header

    def declaration(self, keyword: str) -> InfDeclaration | None:
        return next((d for d in self.declarations if d.keyword.lower() == keyword.lower()), None)

    def write(self, name: str) -> InfWrite | None:
        found = [w for w in self.writes if w.name.lower() == name.lower()]
        return found[-1] if found else None
