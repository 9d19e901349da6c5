"""The z3-free configuration: field schemas, values (fixed or open), and the Config dataclasses."""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from vmqproof.model import constants as C
from vmqproof.model.declarations import InfModel
from vmqproof.model.host import Host

if TYPE_CHECKING:
    from vmqproof.model.trace import Trace


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


HEADER = (u8("type"), u8("revision"), u16("size"))

RECEIVE_FILTER_FIELDS = HEADER + (
    flags("flags", C.RECEIVE_FILTER_FLAGS),
    flags("enabled_filter_types", C.ENABLED_FILTER_TYPES),
    flags("enabled_queue_types", C.ENABLED_QUEUE_TYPES),
    u32("num_queues"),
    flags("supported_queue_properties", C.SUPPORTED_QUEUE_PROPERTIES),
    flags("supported_filter_tests", C.SUPPORTED_FILTER_TESTS),
    flags("supported_headers", C.SUPPORTED_HEADERS),
    flags("supported_mac_header_fields", C.SUPPORTED_MAC_HEADER_FIELDS),
    u32("max_mac_header_filters"),
    u32("max_queue_groups"),
    u32("max_queues_per_queue_group"),
    u32("min_lookahead_split_size"),
    u32("max_lookahead_split_size"),
    flags("supported_arp_header_fields", C.SUPPORTED_ARP_HEADER_FIELDS),
    flags("supported_ipv4_header_fields", C.SUPPORTED_IPV4_HEADER_FIELDS),
    flags("supported_ipv6_header_fields", C.SUPPORTED_IPV6_HEADER_FIELDS),
    flags("supported_udp_header_fields", C.SUPPORTED_UDP_HEADER_FIELDS),
    u32("max_field_tests_per_packet_coalescing_filter"),
    u32("max_packet_coalescing_filters"),
    u32("ndis_reserved"),
)

NIC_SWITCH_FIELDS = HEADER + (
    flags("flags", C.NIC_SWITCH_FLAGS),
    u32("ndis_reserved1"),
    u32("num_total_mac_addresses"),
    u32("num_mac_addresses_per_port"),
    u32("num_vlans_per_port"),
    u32("ndis_reserved2"),
    u32("ndis_reserved3"),
    flags("nic_switch_capabilities", C.NIC_SWITCH_CAPS),
    u32("max_num_switches"),
    u32("max_num_vports"),
    u32("ndis_reserved4"),
    u32("max_num_vfs"),
    u32("max_num_queue_pairs"),
    u32("ndis_reserved5"),
    u32("ndis_reserved6"),
    u32("ndis_reserved7"),
    u32("max_num_queue_pairs_per_non_default_vport"),
    *(u32(f"ndis_reserved{i}") for i in range(8, 13)),
    u32("max_num_mac_addresses"),
    *(u32(f"ndis_reserved{i}") for i in range(13, 18)),
    u32("max_num_rss_capable_non_default_pf_vports"),
    u32("number_of_indirection_table_entries_for_default_vport"),
    u32("number_of_indirection_table_entries_per_non_default_pf_vport"),
    u32("max_num_queue_pairs_for_default_vport"),
)

NIC_SWITCH_PARAMETERS_FIELDS = HEADER + (
    flags("flags", C.NIC_SWITCH_PARAMETERS_FLAGS),
    u32("switch_type"),
    u32("switch_id"),
    string("switch_friendly_name"),
    u32("num_vfs"),
    u32("ndis_reserved1"),
    u32("ndis_reserved2"),
    u32("ndis_reserved3"),
    u32("num_queue_pairs_for_default_vport"),
)

RSS_CAPABILITIES_FIELDS = HEADER + (
    flags("capabilities_flags", C.RSS_CAPS),
    u32("number_of_interrupt_messages"),
    u32("number_of_receive_queues"),
    u16("number_of_indirection_table_entries"),
)

RSS_PROCESSORS_FIELDS = HEADER + (
    u32("flags"),
    proc("rss_base_processor"),
    u32("max_num_rss_processors"),
    u16("preferred_numa_node"),
    u32("rss_processor_array_offset"),
    u32("rss_processor_count"),
    u32("rss_processor_entry_size"),
    proc("rss_max_processor"),
    u32("rss_profile"),
)

MSIX_FIELDS = (u32("table_size"),)

VECTOR_FIELDS = (proc("cpu"),)

VPORT_FIELDS = (
    u32("switch_id"),
    flags("flags", C.VPORT_FLAGS),
    u16("attached_function_id"),
    u32("num_queue_pairs"),
    boolean("vmmq"),
    u32("lookahead_size"),
    u32("interrupt_moderation"),
    u32("vport_state"),
    u8("rss_type"),
    u8("rss_revision"),
    u16("rss_size"),
    flags("rss_flags", C.RSS_PARAM_FLAGS, 16),
    u16("base_cpu_number"),
    flags("hash_information", C.HASH_INFORMATION),
    u16("hash_secret_key_size"),
    FieldSpec("hash_secret_key", Kind.INT, 0, (1 << 320) - 1),
    u16("indirection_table_size"),
    proc("default_processor"),
    u8("type"),              # the NDIS_NIC_SWITCH_VPORT_PARAMETERS header (VPORT-1)
    u8("revision"),
)

QUEUE_FIELDS = (
    proc("cpu"),
    u32("msix_entry"),
    flags("flags", C.QUEUE_FLAGS),
    u32("lookahead_size"),
)

STRUCTURE_SECTIONS: dict[str, tuple[FieldSpec, ...]] = {
    "receive_filter.hardware": RECEIVE_FILTER_FIELDS,
    "receive_filter.current": RECEIVE_FILTER_FIELDS,
    "nic_switch.hardware": NIC_SWITCH_FIELDS,
    "nic_switch.current": NIC_SWITCH_FIELDS,
    "nic_switch.parameters": NIC_SWITCH_PARAMETERS_FIELDS,
    "rss_capabilities": RSS_CAPABILITIES_FIELDS,
}

HEADER_TYPES = {
    "receive_filter.hardware": C.NDIS_OBJECT_TYPE_DEFAULT,
    "receive_filter.current": C.NDIS_OBJECT_TYPE_DEFAULT,
    "nic_switch.hardware": C.NDIS_OBJECT_TYPE_DEFAULT,
    "nic_switch.current": C.NDIS_OBJECT_TYPE_DEFAULT,
    "nic_switch.parameters": C.NDIS_OBJECT_TYPE_DEFAULT,
    "rss_capabilities": C.NDIS_OBJECT_TYPE_RSS_CAPABILITIES,
    "rss_processors": C.NDIS_OBJECT_TYPE_RSS_PROCESSOR_INFO,
}

HEADER_SIZES = {
    "receive_filter.hardware": C.RFC_SIZES,
    "receive_filter.current": C.RFC_SIZES,
    "nic_switch.hardware": C.NSC_SIZES,
    "nic_switch.current": C.NSC_SIZES,
    "nic_switch.parameters": C.NSP_SIZES,
    "rss_capabilities": C.RSC_SIZES,
    "rss_processors": C.RPI_SIZES,
}


@dataclass(frozen=True, slots=True)
class Record:
    """A set of scalar fields at one path (a structure section, a VPort, a queue, a vector)."""

    path: str
    specs: Mapping[str, FieldSpec]
    values: Mapping[str, Value]
    given: frozenset[str]

    def __getitem__(self, name: str) -> Value:
        return self.values[name]

    def is_open(self, name: str) -> bool:
        return isinstance(self.values[name], Open)


@dataclass(frozen=True, slots=True)
class Adapter:
    name: str = ""
    ndis: str = "6.60"
    role: str = "pf"
    virtual: bool = False
    arch: str = "amd64"

    @property
    def ndis_version(self) -> tuple[int, int]:
        return C.ndis_tuple(self.ndis)

    @property
    def procs_per_group(self) -> int:
        return C.procs_per_group(self.arch)


@dataclass(frozen=True, slots=True)
class InfKeyword:
    """A registry keyword in effect; `value` is an int, an Open domain, or an opaque string."""

    name: str
    value: int | Open | str
    domain: tuple[int, int] | tuple[int, ...]
    line: int | None = None


@dataclass(frozen=True, slots=True)
class RssProcessor:
    cpu: int
    numa_node: int | None = None
    preference_index: int | None = None


@dataclass(frozen=True, slots=True)
class RssProcessors:
    record: Record
    processors: tuple[RssProcessor, ...]
    cpus: frozenset[int]            # RPI.P, the processor set

    @classmethod
    def of(cls, record: Record, processors: tuple[RssProcessor, ...]) -> "RssProcessors":
        return cls(record, processors, frozenset(p.cpu for p in processors))


@dataclass(frozen=True, slots=True)
class Vector:
    record: Record
    id: int
    kind: str            # "data" | "other"
    has_cpu: bool


@dataclass(frozen=True, slots=True)
class Msix:
    record: Record
    vectors: tuple[Vector, ...]


@dataclass(frozen=True, slots=True)
class VPort:
    record: Record
    id: int
    processor_affinity: tuple[int, ...]
    indirection_table: tuple[int, ...] | None
    has_default_processor: bool

    @property
    def is_pf(self) -> bool:
        return self.record.values["attached_function_id"] == C.NDIS_PF_FUNCTION_ID

    @property
    def table_size_known(self) -> bool:
        """The file states the indirection table or its size (otherwise the size 0 is a placeholder)."""
        return self.indirection_table is not None or "indirection_table_size" in self.record.given


@dataclass(frozen=True, slots=True)
class Queue:
    record: Record
    id: int
    has_msix_entry: bool


MSIX_READINGS = ("R1", "R2a", "R2b", "R3", "R4")
SEVERITIES = ("error", "warning", "info")

# Each reading of ambiguous documentation (rules.md §4): policy key → its choices, the first being the default.
READINGS: dict[str, tuple[str, ...]] = {
    "msix_minimum_reading": MSIX_READINGS,                                              # A1
    "msix_queue_count": ("num_queues_plus_one", "num_queues", "max_num_queue_pairs",    # A1: what Q counts
                         "rss_receive_queues"),
    "vectors_per_processor": ("at-most-one", "exactly-one"),                            # A2
    "current_caps_when_disabled": ("zeroed", "strict", "legacy"),                       # A7, A9
    "sriov_and_vmq_num_queues": ("sriov-wins", "vmq-wins"),                             # A10
    "queue_pairs_power_of_two": ("value", "exponent"),                                  # A19
    "absent_hidden_keywords": ("zero", "open"),                                         # A31
    "vport_table_size": ("common-min", "separate"),                                     # A32
}
READING_DEFAULTS = {"msix_minimum_reading": "R2a"}


def reading_default(key: str) -> str:
    return READING_DEFAULTS.get(key, READINGS[key][0])


@dataclass(frozen=True, slots=True)
class Policy:
    """Readings of ambiguous text (rules.md §4, keys of READINGS) and the user's choices."""

    msix_minimum_reading: str = reading_default("msix_minimum_reading")
    msix_queue_count: str = reading_default("msix_queue_count")
    vectors_per_processor: str = reading_default("vectors_per_processor")
    current_caps_when_disabled: str = reading_default("current_caps_when_disabled")
    sriov_and_vmq_num_queues: str = reading_default("sriov_and_vmq_num_queues")
    queue_pairs_power_of_two: str = reading_default("queue_pairs_power_of_two")
    absent_hidden_keywords: str = reading_default("absent_hidden_keywords")
    vport_table_size: str = reading_default("vport_table_size")
    disable: tuple[str, ...] = ()
    severity: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Config:
    path: str
    adapter: Adapter
    inf: Mapping[str, InfKeyword]                # by canonical keyword name
    has_inf: bool
    structures: Mapping[str, Record]             # present structure sections by section name
    rss_processors: RssProcessors | None
    msix: Msix | None
    vports: tuple[VPort, ...]
    queues: tuple[Queue, ...]
    policy: Policy
    lines: Mapping[str, int] = field(default_factory=dict)
    inf_source: InfModel | None = None          # the INF model this configuration was read from
    host: Host | None = None                     # [host]: processors, NUMA, adapters, teams
    trace: Trace | None = None                   # [trace]: registry reads and OID requests, in order

    def structure(self, section: str) -> Record | None:
        return self.structures.get(section)

    def line_of(self, path: str) -> int | None:
        return find_line(self.lines, path)

    @property
    def describes_capabilities(self) -> bool:
        """HWA-* style rules apply only when the file describes at least one capability structure."""
        return any(s in self.structures for s in
                   ("receive_filter.hardware", "receive_filter.current", "nic_switch.hardware",
                    "nic_switch.current", "rss_capabilities"))


def find_line(index: Mapping[str, int], path: str) -> int | None:
    """The TOML line of a field path, else of its nearest enclosing entry or table."""
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
