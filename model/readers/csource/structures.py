"""What the reader knows of NDIS: the capability structures (C type → vmqproof/1 sections, member → field), the
attribute members that hand them to NDIS, the NDIS constants of `model.constants`, and `sizeof` by version."""

from __future__ import annotations

import re
from dataclasses import dataclass

from vmqproof.model.config import constants as C
from vmqproof.model.config.fields import FieldSpec, member_name
from vmqproof.model.config.schema import STRUCTURE_SECTIONS

Version = tuple[int, int]


@dataclass(frozen=True, slots=True)
class Family:
    """One capability structure type and the sections it fills."""

    c_type: str
    sections: tuple[str, ...]           # (hardware, current) or the one section
    fields: dict[str, FieldSpec]        # by C member path: "Header.Revision", "NumQueues"
    sizes: tuple[tuple[Version, int], ...]   # sizeof by NDIS version: the newest revision the version defines

    def field(self, member_path: str) -> FieldSpec | None:
        return self.fields.get(member_path) or self.fields.get(member_path.lower())

    def section(self, current: bool) -> str:
        return self.sections[1] if current and len(self.sections) > 1 else self.sections[0]

    def sizeof(self, version: Version) -> int:
        return next(size for since, size in self.sizes if version >= since)

    @property
    def members(self) -> list[tuple[str, FieldSpec]]:
        """(member path, spec) in declaration order, each once (positional initialisers follow it)."""
        seen: set[str] = set()
        ordered = []
        for path, spec in self.fields.items():
            if spec.name not in seen and path == path_of(spec):
                seen.add(spec.name)
                ordered.append((path, spec))
        return ordered


def path_of(spec: FieldSpec) -> str:
    if spec.name in ("type", "revision", "size"):
        return "Header." + spec.name.capitalize()
    return member_name(spec.name)


def _family(c_type: str, sections: tuple[str, ...], sizes: tuple[tuple[Version, int], ...]) -> Family:
    fields: dict[str, FieldSpec] = {}
    for spec in STRUCTURE_SECTIONS[sections[0]]:
        fields[path_of(spec)] = spec
        fields[path_of(spec).lower()] = spec
    return Family(c_type, sections, fields, sizes)


FAMILIES: dict[str, Family] = {f.c_type: f for f in (
    _family("NDIS_RECEIVE_FILTER_CAPABILITIES", ("receive_filter.hardware", "receive_filter.current"),
            (((6, 30), C.RFC_SIZES[2]), ((0, 0), C.RFC_SIZES[1]))),
    _family("NDIS_NIC_SWITCH_CAPABILITIES", ("nic_switch.hardware", "nic_switch.current"),
            (((6, 60), C.NSC_SIZES[3]), ((6, 30), C.NSC_SIZES[2]), ((0, 0), C.NSC_SIZES[1]))),
    _family("NDIS_RECEIVE_SCALE_CAPABILITIES", ("rss_capabilities",),
            (((6, 30), C.RSC_SIZES[2]), ((0, 0), C.RSC_SIZES[1]))),
)}

# Members of NDIS_MINIPORT_ADAPTER_HARDWARE_ASSIST_ATTRIBUTES / _GENERAL_ATTRIBUTES that hand a structure to NDIS.
ATTACHMENTS = {
    "HardwareReceiveFilterCapabilities": "receive_filter.hardware",
    "CurrentReceiveFilterCapabilities": "receive_filter.current",
    "HardwareNicSwitchCapabilities": "nic_switch.hardware",
    "CurrentNicSwitchCapabilities": "nic_switch.current",
    "RecvScaleCapabilities": "rss_capabilities",
}
SET_ATTRIBUTES = "NdisMSetMiniportAttributes"
ZERO_FUNCTIONS = ("NdisZeroMemory", "RtlZeroMemory", "RtlSecureZeroMemory", "ZeroMemory")
FILL_FUNCTIONS = ("memset", "NdisFillMemory", "RtlFillMemory")          # (dst, value, n) / (dst, n, value)
COPY_FUNCTIONS = ("NdisMoveMemory", "RtlCopyMemory", "RtlMoveMemory", "memcpy", "memmove", "CopyMemory",
                  "memcpy_s", "memmove_s")
POINTER_SIZE = 8


def family_of_type(name: str, aliases: dict[str, str]) -> tuple[Family, bool] | None:
    """(family, is pointer) of a type name: NDIS_X, PNDIS_X, or a typedef of them in the tree."""
    name = aliases.get(name, name)
    if name in FAMILIES:
        return FAMILIES[name], False
    if name.startswith("P") and name[1:] in FAMILIES:
        return FAMILIES[name[1:]], True
    if name.startswith("_") and name[1:] in FAMILIES:            # struct _NDIS_X
        return FAMILIES[name[1:]], False
    return None


def is_current(name: str) -> bool:
    """A variable named as the current capabilities (`CurrentCaps`, `cur_rfc`, `CurRss`)."""
    words = re.findall(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+", name)
    return any(word.lower() in ("current", "cur", "curr") for word in words)


def _constants() -> dict[str, int]:
    table: dict[str, int] = {"TRUE": 1, "FALSE": 0, "NULL": 0,
                             "NDIS_OBJECT_TYPE_DEFAULT": C.NDIS_OBJECT_TYPE_DEFAULT,
                             "NDIS_OBJECT_TYPE_RSS_CAPABILITIES": C.NDIS_OBJECT_TYPE_RSS_CAPABILITIES,
                             "NDIS_OBJECT_TYPE_RSS_PARAMETERS": C.NDIS_OBJECT_TYPE_RSS_PARAMETERS,
                             "NDIS_OBJECT_TYPE_RSS_PROCESSOR_INFO": C.NDIS_OBJECT_TYPE_RSS_PROCESSOR_INFO,
                             "NDIS_OBJECT_TYPE_MINIPORT_ADAPTER_HARDWARE_ASSIST_ATTRIBUTES": 0xAF,
                             "NDIS_PF_FUNCTION_ID": C.NDIS_PF_FUNCTION_ID,
                             "NdisHashFunctionToeplitz": 0x1, "NdisHashFunctionReserved1": 0x2,
                             "NdisHashFunctionReserved2": 0x4, "NdisHashFunctionReserved3": 0x8}
    seen: set[int] = set()
    for specs in STRUCTURE_SECTIONS.values():
        for spec in specs:
            if spec.flags is not None and id(spec.flags) not in seen:
                seen.add(id(spec.flags))
                for flag, bit in spec.flags.flags:
                    table.setdefault(spec.flags.prefix + flag, bit)
    for flag, bit in C.HASH_INFORMATION.flags:
        table.setdefault(C.HASH_INFORMATION.prefix + flag, bit)
    sizes = {"RECEIVE_FILTER_CAPABILITIES": C.RFC_SIZES, "NIC_SWITCH_CAPABILITIES": C.NSC_SIZES,
             "RECEIVE_SCALE_CAPABILITIES": C.RSC_SIZES, "NIC_SWITCH_PARAMETERS": C.NSP_SIZES}
    for stem, by_revision in sizes.items():
        for revision, size in by_revision.items():
            table[f"NDIS_{stem}_REVISION_{revision}"] = revision
            table[f"NDIS_SIZEOF_{stem}_REVISION_{revision}"] = size
    return table


NDIS_CONSTANTS = _constants()
