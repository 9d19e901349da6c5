"""NDIS constant values (rules.md §3), by NDIS version where that matters."""

from __future__ import annotations

from dataclasses import dataclass


Version = tuple[int, int]


@dataclass(frozen=True, slots=True)
class FlagSet:
    """The named bits of one flag field; names are written without `prefix` in configurations.
    `versions` gives the NDIS versions a name is defined for, [since, until); other names always are."""

    prefix: str
    flags: tuple[tuple[str, int], ...]
    documented_mask: int
    versions: tuple[tuple[str, Version, Version | None], ...] = ()

    def by_name(self) -> dict[str, int]:
        return dict(self.flags)

    def defined(self, name: str, ndis: Version | None) -> bool:
        for flag, since, until in self.versions:
            if flag == name:
                return ndis is None or (since <= ndis and (until is None or ndis < until))
        return True

    def names_of(self, value: int, ndis: Version | None = None) -> list[str]:
        """Flag names set in `value` as the constants of NDIS version `ndis` name them (the first name per bit);
        bits no name of that version covers come last, as hex."""
        names: list[str] = []
        seen = 0
        for name, bit in self.flags:
            if value & bit and not seen & bit and self.defined(name, ndis):
                names.append(name)
                seen |= bit
        rest = value & ~seen
        if rest:
            names.append(hex(rest))
        return names


NDIS_OBJECT_TYPE_DEFAULT = 0x80
NDIS_OBJECT_TYPE_RSS_CAPABILITIES = 0x88
NDIS_OBJECT_TYPE_RSS_PARAMETERS = 0x89
NDIS_OBJECT_TYPE_RSS_PROCESSOR_INFO = 0xB1

NDIS_PF_FUNCTION_ID = 0xFFFF
ULONG_MAX = 0xFFFFFFFF
USHORT_MAX = 0xFFFF
MAXIMUM_GROUPS = 32          # rules.md §3.1: not verified; 32 groups of 64 = 2048 processors (design.md limits)
PCIE_MSIX_TABLE_MAX = 2048   # D-3


def procs_per_group(arch: str) -> int:
    """MAXIMUM_PROC_PER_GROUP: 32 on x86, 64 on amd64 and arm64."""
    return 32 if arch == "x86" else 64


NIC_SWITCH_CAPS = FlagSet("NDIS_NIC_SWITCH_CAPS_", (
    ("VLAN_SUPPORTED", 0x1),
    ("PER_VPORT_INTERRUPT_MODERATION_SUPPORTED", 0x2),
    ("ASYMMETRIC_QUEUE_PAIRS_FOR_NONDEFAULT_VPORT_SUPPORTED", 0x4),
    ("VF_RSS_SUPPORTED", 0x8),
    ("SINGLE_VPORT_POOL", 0x10),
    ("RSS_PARAMETERS_PER_PF_VPORT_SUPPORTED", 0x20),
    ("NIC_SWITCH_WITHOUT_IOV_SUPPORTED", 0x40),
    ("RSS_ON_PF_VPORTS_SUPPORTED", 0x80),
    ("RSS_PER_PF_VPORT_INDIRECTION_TABLE_SUPPORTED", 0x100),
    ("RSS_PER_PF_VPORT_HASH_FUNCTION_SUPPORTED", 0x200),
    ("RSS_PER_PF_VPORT_HASH_TYPE_SUPPORTED", 0x400),
    ("RSS_PER_PF_VPORT_HASH_KEY_SUPPORTED", 0x800),
    ("RSS_PER_PF_VPORT_INDIRECTION_TABLE_SIZE_RESTRICTED", 0x1000),
), 0x1FFF, tuple((name, (6, 60), None) for name in (
    "NIC_SWITCH_WITHOUT_IOV_SUPPORTED", "RSS_ON_PF_VPORTS_SUPPORTED", "RSS_PER_PF_VPORT_INDIRECTION_TABLE_SUPPORTED",
    "RSS_PER_PF_VPORT_HASH_FUNCTION_SUPPORTED", "RSS_PER_PF_VPORT_HASH_TYPE_SUPPORTED",
    "RSS_PER_PF_VPORT_HASH_KEY_SUPPORTED", "RSS_PER_PF_VPORT_INDIRECTION_TABLE_SIZE_RESTRICTED")))

CAPS_VLAN = 0x1
CAPS_ASYMMETRIC = 0x4
CAPS_SINGLE_VPORT_POOL = 0x10
CAPS_WITHOUT_IOV = 0x40
CAPS_RSS_ON_PF_VPORTS = 0x80
CAPS_PER_VPORT_TABLE = 0x100
CAPS_HASH_FUNCTION = 0x200
CAPS_HASH_TYPE = 0x400
CAPS_HASH_KEY = 0x800
CAPS_TABLE_SIZE_RESTRICTED = 0x1000
CAPS_NDIS660_FLAGS = 0x40 | 0x80 | 0x100 | 0x200 | 0x400 | 0x800 | 0x1000

# SupportedQueueProperties. Bit 0x40 has two names (rules.md A14): both decode.
SUPPORTED_QUEUE_PROPERTIES = FlagSet("NDIS_RECEIVE_FILTER_", (
    ("MSI_X_SUPPORTED", 0x1),
    ("VM_QUEUE_SUPPORTED", 0x2),
    ("LOOKAHEAD_SPLIT_SUPPORTED", 0x4),
    ("DYNAMIC_PROCESSOR_AFFINITY_CHANGE_SUPPORTED", 0x8),
    ("INTERRUPT_VECTOR_COALESCING_SUPPORTED", 0x10),
    ("ANY_VLAN_SUPPORTED", 0x20),
    ("IMPLAT_MIN_OF_QUEUES_MODE", 0x40),
    ("DYNAMIC_PROCESSOR_AFFINITY_CHANGE_FOR_DEFAULT_QUEUE_SUPPORTED", 0x40),
    ("IMPLAT_SUM_OF_QUEUES_MODE", 0x80),
    ("PACKET_COALESCING_SUPPORTED_ON_DEFAULT_QUEUE", 0x100),
), 0x1FF, (
    ("DYNAMIC_PROCESSOR_AFFINITY_CHANGE_SUPPORTED", (6, 30), None),
    ("INTERRUPT_VECTOR_COALESCING_SUPPORTED", (6, 30), None),
    ("IMPLAT_MIN_OF_QUEUES_MODE", (6, 0), (6, 80)),           # A14: NDIS 6.80 renames bit 0x40
    ("DYNAMIC_PROCESSOR_AFFINITY_CHANGE_FOR_DEFAULT_QUEUE_SUPPORTED", (6, 80), None),
    ("PACKET_COALESCING_SUPPORTED_ON_DEFAULT_QUEUE", (6, 30), None),
))

SQP_MSI_X = 0x1
SQP_VM_QUEUE = 0x2
SQP_DYNAMIC_AFFINITY = 0x8
SQP_COALESCING = 0x10

ENABLED_FILTER_TYPES = FlagSet("NDIS_RECEIVE_FILTER_", (
    ("VMQ_FILTERS_ENABLED", 0x1),
    ("PACKET_COALESCING_FILTERS_ENABLED", 0x2),
), 0x3)

ENABLED_QUEUE_TYPES = FlagSet("NDIS_RECEIVE_FILTER_", (("VM_QUEUES_ENABLED", 0x1),), 0x1)

SUPPORTED_FILTER_TESTS = FlagSet("NDIS_RECEIVE_FILTER_", (
    ("TEST_HEADER_FIELD_EQUAL_SUPPORTED", 0x1),
    ("TEST_HEADER_FIELD_MASK_EQUAL_SUPPORTED", 0x2),
    ("TEST_HEADER_FIELD_NOT_EQUAL_SUPPORTED", 0x4),
), 0x7)

SUPPORTED_HEADERS = FlagSet("NDIS_RECEIVE_FILTER_", (
    ("MAC_HEADER_SUPPORTED", 0x1),
    ("IPV4_HEADER_SUPPORTED", 0x2),
    ("IPV6_HEADER_SUPPORTED", 0x4),
    ("ARP_HEADER_SUPPORTED", 0x8),
    ("UDP_HEADER_SUPPORTED", 0x10),
), 0x1F)

SUPPORTED_MAC_HEADER_FIELDS = FlagSet("NDIS_RECEIVE_FILTER_", (
    ("MAC_HEADER_DEST_ADDR_SUPPORTED", 0x1),
    ("MAC_HEADER_SOURCE_ADDR_SUPPORTED", 0x2),
    ("MAC_HEADER_PROTOCOL_SUPPORTED", 0x4),
    ("MAC_HEADER_VLAN_ID_SUPPORTED", 0x8),
    ("MAC_HEADER_PRIORITY_SUPPORTED", 0x10),
    ("MAC_HEADER_PACKET_TYPE_SUPPORTED", 0x20),
), 0x3F)

SUPPORTED_ARP_HEADER_FIELDS = FlagSet("NDIS_RECEIVE_FILTER_", (
    ("ARP_HEADER_OPERATION_SUPPORTED", 0x1),
    ("ARP_HEADER_SPA_SUPPORTED", 0x2),
    ("ARP_HEADER_TPA_SUPPORTED", 0x4),
), 0x7)

SUPPORTED_IPV4_HEADER_FIELDS = FlagSet("NDIS_RECEIVE_FILTER_", (("IPV4_HEADER_PROTOCOL_SUPPORTED", 0x1),), 0x1)
SUPPORTED_IPV6_HEADER_FIELDS = FlagSet("NDIS_RECEIVE_FILTER_", (("IPV6_HEADER_PROTOCOL_SUPPORTED", 0x1),), 0x1)
SUPPORTED_UDP_HEADER_FIELDS = FlagSet("NDIS_RECEIVE_FILTER_", (("UDP_HEADER_DEST_PORT_SUPPORTED", 0x1),), 0x1)

RSS_CAPS = FlagSet("NDIS_RSS_CAPS_", (
    ("HASH_FUNCTION_TOEPLITZ", 0x1),      # NdisHashFunctionToeplitz, ORed into CapabilitiesFlags
    ("HASH_FUNCTION_RESERVED1", 0x2),
    ("HASH_FUNCTION_RESERVED2", 0x4),
    ("HASH_FUNCTION_RESERVED3", 0x8),
    ("HASH_TYPE_TCP_IPV4", 0x100),
    ("HASH_TYPE_TCP_IPV6", 0x200),
    ("HASH_TYPE_TCP_IPV6_EX", 0x400),
    ("HASH_TYPE_UDP_IPV4", 0x800),
    ("HASH_TYPE_UDP_IPV6", 0x1000),
    ("HASH_TYPE_UDP_IPV6_EX", 0x2000),
    ("MESSAGE_SIGNALED_INTERRUPTS", 0x01000000),
    ("CLASSIFICATION_AT_ISR", 0x02000000),
    ("CLASSIFICATION_AT_DPC", 0x04000000),
    ("USING_MSI_X", 0x08000000),
    ("RSS_AVAILABLE_ON_PORTS", 0x10000000),
    ("SUPPORTS_MSI_X", 0x20000000),
    ("SUPPORTS_INDEPENDENT_ENTRY_MOVE", 0x40000000),
), 0x7F003F0F, (
    ("USING_MSI_X", (6, 20), None),
    ("SUPPORTS_MSI_X", (6, 30), None),
    ("SUPPORTS_INDEPENDENT_ENTRY_MOVE", (6, 80), None),
))

RECEIVE_FILTER_FLAGS = FlagSet("NDIS_RECEIVE_FILTER_", (("FLAGS_RESERVED", 0x1),), 0x0)
NIC_SWITCH_FLAGS = FlagSet("NDIS_NIC_SWITCH_", (), 0x0)
NIC_SWITCH_PARAMETERS_FLAGS = FlagSet("NDIS_NIC_SWITCH_PARAMETERS_", (("SWITCH_NAME_CHANGED", 0x10000),), 0xFFFF0000)

VPORT_FLAGS = FlagSet("NDIS_NIC_SWITCH_VPORT_PARAMS_", (
    ("LOOKAHEAD_SPLIT_ENABLED", 0x1),
    ("PACKET_DIRECT_RX_ONLY", 0x2),
    ("ENFORCE_MAX_SG_LIST", 0x8000),
    ("FLAGS_CHANGED", 0x10000),
    ("NAME_CHANGED", 0x20000),
    ("INT_MOD_CHANGED", 0x40000),
    ("STATE_CHANGED", 0x80000),
    ("PROCESSOR_AFFINITY_CHANGED", 0x100000),
    ("NDK_PARAMS_CHANGED", 0x200000),
    ("QOS_SQ_ID_CHANGED", 0x400000),
    ("NUM_QUEUE_PAIRS_CHANGED", 0x800000),
), 0xFFFF8003)

RSS_PARAM_FLAGS = FlagSet("NDIS_RSS_PARAM_FLAG_", (
    ("BASE_CPU_UNCHANGED", 0x1),
    ("HASH_INFO_UNCHANGED", 0x2),
    ("ITABLE_UNCHANGED", 0x4),
    ("HASH_KEY_UNCHANGED", 0x8),
    ("DISABLE_RSS", 0x10),
    ("DEFAULT_PROCESSOR_UNCHANGED", 0x20),
), 0x3F)

HASH_INFORMATION = FlagSet("NDIS_HASH_", (
    ("FUNCTION_TOEPLITZ", 0x1),
    ("IPV4", 0x100),
    ("TCP_IPV4", 0x200),
    ("IPV6", 0x400),
    ("IPV6_EX", 0x800),
    ("TCP_IPV6", 0x1000),
    ("TCP_IPV6_EX", 0x2000),
    ("UDP_IPV4", 0x4000),
    ("UDP_IPV6", 0x8000),
    ("UDP_IPV6_EX", 0x10000),
), 0x00FFFFFF)

DEFAULT_HASH_INFORMATION = 0x1 | 0x100 | 0x200 | 0x400 | 0x1000

QUEUE_FLAGS = FlagSet("NDIS_RECEIVE_QUEUE_PARAMETERS_", (
    ("PER_QUEUE_RECEIVE_INDICATION", 0x1),
    ("LOOKAHEAD_SPLIT_REQUIRED", 0x2),
    ("FLAGS_CHANGED", 0x10000),
    ("PROCESSOR_AFFINITY_CHANGED", 0x20000),
    ("SUGGESTED_RECV_BUFFER_NUMBERS_CHANGED", 0x40000),
    ("NAME_CHANGED", 0x80000),
    ("INTERRUPT_COALESCING_DOMAIN_ID_CHANGED", 0x100000),
    ("QOS_SQ_ID_CHANGED", 0x200000),
), 0x3F0003)

# Structure sizes by revision (rules.md §3).
NSC_SIZES = {1: 32, 2: 116, 3: 132}
NSP_SIZES = {1: 548, 2: 552}
RFC_SIZES = {1: 56, 2: 84}
RSC_SIZES = {1: 16, 2: 18, 3: 18}
RPI_SIZES = {1: 32, 2: 40}
RSS_PARAMETERS_SIZES = {1: 28, 2: 40, 3: 44}
RSS_PROCESSOR_ENTRY_SIZE = 8
NDIS_SIZEOF_RSS_PROCESSOR_REVISION_1 = 6

NDIS_VERSIONS = ("6.0", "6.1", "6.20", "6.30", "6.40", "6.50", "6.60", "6.70", "6.80", "6.81", "6.82",
                 "6.83", "6.84", "6.85", "6.86", "6.87", "6.88", "6.89")


def ndis_tuple(version: str) -> tuple[int, int]:
    """'6.30' → (6, 30); '6.1' is NDIS 6.1, i.e. (6, 10)."""
    major, minor = version.split(".")
    return int(major), int(minor) * (10 if len(minor) == 1 and minor != "0" else 1)
