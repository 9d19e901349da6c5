"""The optional `[trace]` section: what a driver did (registry reads, OID requests and status indications, in order),
e.g. from a verifier log or an ETW trace. Plain frozen data and its validation; every field is concrete."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any

from vmqproof.model.config import constants as C, keywords as K
from vmqproof.model.config.fields import FieldSpec, Kind

MAX_REQUESTS = 65536
MAX_READS = 4096
MAX_TABLE_ENTRIES = 65536
SUCCESS = "NDIS_STATUS_SUCCESS"
REQUEST_KINDS = ("set", "query", "method", "indication")

# rules.md §3.12
OIDS: dict[str, int] = {
    "OID_GEN_RECEIVE_SCALE_CAPABILITIES": 0x00010203, "OID_GEN_RECEIVE_SCALE_PARAMETERS": 0x00010204,
    "OID_GEN_RECEIVE_SCALE_PARAMETERS_V2": 0x00010214, "OID_GEN_RSS_SET_INDIRECTION_TABLE_ENTRIES": 0x000102C0,
    "OID_RECEIVE_FILTER_HARDWARE_CAPABILITIES": 0x00010221, "OID_RECEIVE_FILTER_GLOBAL_PARAMETERS": 0x00010222,
    "OID_RECEIVE_FILTER_ALLOCATE_QUEUE": 0x00010223, "OID_RECEIVE_FILTER_FREE_QUEUE": 0x00010224,
    "OID_RECEIVE_FILTER_ENUM_QUEUES": 0x00010225, "OID_RECEIVE_FILTER_QUEUE_PARAMETERS": 0x00010226,
    "OID_RECEIVE_FILTER_SET_FILTER": 0x00010227, "OID_RECEIVE_FILTER_CLEAR_FILTER": 0x00010228,
    "OID_RECEIVE_FILTER_ENUM_FILTERS": 0x00010229, "OID_RECEIVE_FILTER_PARAMETERS": 0x0001022A,
    "OID_RECEIVE_FILTER_QUEUE_ALLOCATION_COMPLETE": 0x0001022B,
    "OID_RECEIVE_FILTER_CURRENT_CAPABILITIES": 0x0001022D, "OID_NIC_SWITCH_HARDWARE_CAPABILITIES": 0x0001022E,
    "OID_NIC_SWITCH_CURRENT_CAPABILITIES": 0x0001022F, "OID_NIC_SWITCH_CREATE_SWITCH": 0x00010237,
    "OID_NIC_SWITCH_PARAMETERS": 0x00010238, "OID_NIC_SWITCH_DELETE_SWITCH": 0x00010239,
    "OID_NIC_SWITCH_ENUM_SWITCHES": 0x00010240, "OID_NIC_SWITCH_CREATE_VPORT": 0x00010241,
    "OID_NIC_SWITCH_VPORT_PARAMETERS": 0x00010242, "OID_NIC_SWITCH_ENUM_VPORTS": 0x00010243,
    "OID_NIC_SWITCH_DELETE_VPORT": 0x00010244, "OID_NIC_SWITCH_ALLOCATE_VF": 0x00010245,
    "OID_NIC_SWITCH_FREE_VF": 0x00010246, "OID_NIC_SWITCH_VF_PARAMETERS": 0x00010247,
    "OID_NIC_SWITCH_ENUM_VFS": 0x00010248,
}
QUEUE_PARAMETERS_STATUS = "NDIS_STATUS_RECEIVE_FILTER_QUEUE_PARAMETERS"
RECEIVE_INDICATION = "RECEIVE_INDICATION"          # NdisMIndicateReceiveNetBufferLists: which processor indicated
INDICATIONS = (QUEUE_PARAMETERS_STATUS, RECEIVE_INDICATION)

CREATE_SWITCH = "OID_NIC_SWITCH_CREATE_SWITCH"
DELETE_SWITCH = "OID_NIC_SWITCH_DELETE_SWITCH"
CREATE_VPORT = "OID_NIC_SWITCH_CREATE_VPORT"
VPORT_PARAMETERS = "OID_NIC_SWITCH_VPORT_PARAMETERS"
DELETE_VPORT = "OID_NIC_SWITCH_DELETE_VPORT"
ALLOCATE_VF = "OID_NIC_SWITCH_ALLOCATE_VF"
ALLOCATE_QUEUE = "OID_RECEIVE_FILTER_ALLOCATE_QUEUE"
QUEUE_PARAMETERS = "OID_RECEIVE_FILTER_QUEUE_PARAMETERS"
FREE_QUEUE = "OID_RECEIVE_FILTER_FREE_QUEUE"
RSS_PARAMETERS = "OID_GEN_RECEIVE_SCALE_PARAMETERS"

RSS_V2_FLAGS = C.FlagSet("NDIS_RECEIVE_SCALE_PARAM_", (
    ("ENABLE_RSS", 0x1), ("HASH_INFO_CHANGED", 0x2), ("HASH_KEY_CHANGED", 0x4),
    ("NUMBER_OF_QUEUES_CHANGED", 0x8), ("NUMBER_OF_ENTRIES_CHANGED", 0x10),
), 0x1F)

# VMSMP service values a read may name as "VMSMP\<value>" (INF-VMQ-5).
VMSMP_VALUES = ("*TenGigVmqEnabled", "*BelowTenGigVmqEnabled", "*RssMaxProcNumber", "*MaxRssProcessors")


def _u(name: str, hi: int = C.ULONG_MAX) -> FieldSpec:
    return FieldSpec(name, Kind.INT, 0, hi)


_SPECS: dict[str, FieldSpec] = {s.name: s for s in (
    _u("vport"), _u("queue"), _u("vf", C.USHORT_MAX), _u("num_queue_pairs"), _u("num_vfs"), _u("switch_type"),
    _u("switch_id"), _u("num_queue_pairs_for_default_vport"), _u("revision", 0xFF),
    _u("interrupt_coalescing_domain_id"), _u("num_suggested_receive_buffers"), _u("qos_sq_id"),
    _u("number_of_queues"), _u("number_of_indirection_table_entries"),
    FieldSpec("hash_information", Kind.FLAGS, 0, C.ULONG_MAX, C.HASH_INFORMATION),
    FieldSpec("hash_secret_key", Kind.INT, 0, (1 << 320) - 1),
    FieldSpec("default_processor", Kind.PROCESSOR), FieldSpec("processor", Kind.PROCESSOR),
    FieldSpec("switch_friendly_name", Kind.STRING), FieldSpec("queue_name", Kind.STRING),
)}
_LISTS = ("processor_affinity", "indirection_table")

_SWITCH = ("flags", "switch_type", "switch_id", "switch_friendly_name", "num_vfs",
           "num_queue_pairs_for_default_vport", "revision")
_VPORT = ("vport", "flags", "num_queue_pairs", "processor_affinity", "revision")
_QUEUE = ("queue", "flags", "processor_affinity", "num_suggested_receive_buffers", "queue_name",
          "interrupt_coalescing_domain_id", "qos_sq_id", "revision")
_RSS = ("vport", "flags", "indirection_table", "hash_information", "hash_secret_key", "default_processor",
        "revision")
_RSS_V2 = ("vport", "flags", "hash_information", "hash_secret_key", "number_of_queues",
           "number_of_indirection_table_entries", "revision")
_VF = ("vf", "revision")

# The fields each request may carry, its flags' constants, and the id it must name.
_SHAPES: dict[str, tuple[tuple[str, ...], C.FlagSet | None, str | None]] = {
    CREATE_SWITCH: (_SWITCH, C.NIC_SWITCH_PARAMETERS_FLAGS, None),
    "OID_NIC_SWITCH_PARAMETERS": (_SWITCH, C.NIC_SWITCH_PARAMETERS_FLAGS, None),
    DELETE_SWITCH: (("switch_id", "revision"), None, None),
    CREATE_VPORT: (_VPORT, C.VPORT_FLAGS, "vport"),
    VPORT_PARAMETERS: (_VPORT, C.VPORT_FLAGS, "vport"),
    DELETE_VPORT: (("vport", "revision"), None, "vport"),
    ALLOCATE_VF: (_VF, None, None), "OID_NIC_SWITCH_FREE_VF": (_VF, None, None),
    "OID_NIC_SWITCH_VF_PARAMETERS": (_VF, None, None),
    ALLOCATE_QUEUE: (_QUEUE, C.QUEUE_FLAGS, "queue"),
    QUEUE_PARAMETERS: (_QUEUE, C.QUEUE_FLAGS, "queue"),
    FREE_QUEUE: (("queue", "revision"), None, "queue"),
    "OID_RECEIVE_FILTER_QUEUE_ALLOCATION_COMPLETE": (("queue", "revision"), None, None),
    "OID_RECEIVE_FILTER_SET_FILTER": (("queue", "vport", "revision"), None, None),
    "OID_RECEIVE_FILTER_CLEAR_FILTER": (("queue", "vport", "revision"), None, None),
    QUEUE_PARAMETERS_STATUS: (_QUEUE, C.QUEUE_FLAGS, "queue"),
    RSS_PARAMETERS: (_RSS, C.RSS_PARAM_FLAGS, None),
    "OID_GEN_RECEIVE_SCALE_PARAMETERS_V2": (_RSS_V2, RSS_V2_FLAGS, None),
    "OID_GEN_RSS_SET_INDIRECTION_TABLE_ENTRIES": (("vport", "revision"), None, None),
    RECEIVE_INDICATION: (("vport", "queue", "processor"), None, "processor"),
}
_FLAG_WIDTH = {RSS_PARAMETERS: 16}


@dataclass(frozen=True, slots=True)
class TraceRequest:
    """One OID request or status indication; a field the step leaves out is not recorded (None)."""

    index: int
    oid: str
    request: str
    status: str | None = None
    vport: int | None = None
    queue: int | None = None
    vf: int | None = None
    flags: int | None = None
    num_queue_pairs: int | None = None
    processor_affinity: tuple[int, ...] | None = None
    indirection_table: tuple[int, ...] | None = None
    hash_information: int | None = None
    hash_secret_key: int | None = None
    default_processor: int | None = None
    processor: int | None = None
    num_vfs: int | None = None
    switch_type: int | None = None
    switch_id: int | None = None
    switch_friendly_name: str | None = None
    num_queue_pairs_for_default_vport: int | None = None
    revision: int | None = None
    interrupt_coalescing_domain_id: int | None = None
    num_suggested_receive_buffers: int | None = None
    queue_name: str | None = None
    qos_sq_id: int | None = None
    number_of_queues: int | None = None
    number_of_indirection_table_entries: int | None = None

    @property
    def path(self) -> str:
        return f"trace.requests[{self.index}]"

    @property
    def succeeded(self) -> bool:
        """The miniport accepted it: no status recorded, or NDIS_STATUS_SUCCESS."""
        return self.status is None or self.status == SUCCESS

    def is_set(self, oid: str) -> bool:
        return self.oid == oid and self.request == "set"

    def has_flag(self, bit: int) -> bool:
        return self.flags is not None and bool(self.flags & bit)

    def value(self, name: str) -> int | str | tuple[int, ...] | None:
        return getattr(self, name)  # type: ignore[no-any-return]


@dataclass(frozen=True, slots=True)
class Trace:
    registry_reads: tuple[str, ...] | None        # None: the trace does not record registry reads
    static_switch: bool | None
    requests: tuple[TraceRequest, ...]

    def read(self, name: str) -> bool:
        return self.registry_reads is not None and name.lower() in (r.lower() for r in self.registry_reads)


def _did_you_mean(word: str, choices: list[str], cutoff: float = 0.6) -> str:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=cutoff)
    return f"; did you mean {close[0]!r}?" if close else ""


def _reject_open(reader: Any, path: str, value: Any) -> None:
    if value == "?" or isinstance(value, dict):
        raise reader.error(path, "open values are not allowed in a trace (a trace records concrete values)",
                           "a concrete value", value, True)


def _registry_read(reader: Any, path: str, raw: Any) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise reader.error(path, "wrong type", 'a registry value name such as "*VMQ"', raw, True)
    name = raw.strip()
    parts = [p for p in re.split(r"\\+", name) if p]
    if any(p.lower() == "vmsmp" for p in parts[:-1]):
        value = parts[-1]
        known = {v.lower(): v for v in VMSMP_VALUES}
        if value.lower() in known:
            return "VMSMP\\" + known[value.lower()]
        hint = _did_you_mean(value, list(VMSMP_VALUES), 0.85)
        if hint:
            raise reader.error(path, f"unknown VMSMP value {value!r}{hint}")
        return "VMSMP\\" + value
    if len(parts) > 1:
        return name
    spec = K.lookup(name)
    if spec is not None:
        return spec.name
    standard = [k.name for k in K.KEYWORDS]
    bare = [n for n in standard if n[1:].lower() == name.lstrip("*").lower()]
    if not name.startswith("*") and bare:
        raise reader.error(path, f"unknown keyword {name!r}; did you mean {bare[0]!r}?")
    if name.startswith("*"):
        near = difflib.get_close_matches(name.lower(), [n.lower() for n in standard], n=1, cutoff=0.88)
        if near:
            raise reader.error(path, f"unknown keyword {name!r}; did you mean {K.BY_LOWER_NAME[near[0]].name!r}?")
    return name


def _status(reader: Any, path: str, raw: Any) -> str:
    if isinstance(raw, int) and not isinstance(raw, bool):
        return SUCCESS if reader.integer(path, raw, 0, C.ULONG_MAX) == 0 else f"0x{raw:08X}"
    if not isinstance(raw, str) or not re.fullmatch(r"NDIS_STATUS_[A-Z0-9_]+", raw.strip().upper()):
        raise reader.error(path, "bad status", 'an NDIS_STATUS_* name such as "NDIS_STATUS_SUCCESS", or an '
                                               "integer status code", raw, True)
    return raw.strip().upper()


def _processors(reader: Any, path: str, raw: Any, limit: int, one_group: bool) -> tuple[int, ...]:
    entries = reader.array(path, raw, limit)
    cpus = tuple(reader.processor(f"{path}[{i}]", entry) for i, entry in enumerate(entries))
    per_group = C.procs_per_group(reader.arch)
    if one_group and len({cpu // per_group for cpu in cpus}) > 1:
        raise reader.error(path, "processors of one group expected (GROUP_AFFINITY)", "one group", raw, True)
    return cpus


def _request(reader: Any, index: int, raw: Any) -> TraceRequest:
    path = f"trace.requests[{index}]"
    entry = reader.table(path, raw)
    oid_raw = entry.get("oid")
    if not isinstance(oid_raw, str):
        raise reader.error(f"{path}.oid", "missing or wrong oid", "an OID name of rules.md §3.12 or "
                                                                  + " | ".join(INDICATIONS), oid_raw, True)
    oid = oid_raw.strip().upper()
    if oid not in _SHAPES and oid not in OIDS:
        raise reader.error(f"{path}.oid", f"unknown OID {oid_raw!r}"
                           + _did_you_mean(oid, list(OIDS) + list(INDICATIONS)))
    fields, flag_set, required = _SHAPES.get(oid, (("revision",), None, None))
    reader.unknown_keys(path, entry, ("oid", "request", "status") + fields)
    default_request = "indication" if oid in INDICATIONS else None
    request = entry.get("request", default_request)
    if request not in REQUEST_KINDS:
        hint = _did_you_mean(request, list(REQUEST_KINDS)) if isinstance(request, str) else ""
        raise reader.error(f"{path}.request", ("missing request kind" if request is None else "unknown request kind")
                           + hint, " | ".join(REQUEST_KINDS), request, request is not None)
    if (request == "indication") != (oid in INDICATIONS):
        expected = '"indication"' if oid in INDICATIONS else '"set", "query" or "method" (an OID request)'
        raise reader.error(f"{path}.request", f"{oid} is not sent as {request!r}", expected, request, True)
    if required is not None and required not in entry:
        raise reader.error(f"{path}.{required}", "missing required field",
                           f"the {required} the {'indication' if oid in INDICATIONS else 'request'} names")
    values: dict[str, Any] = {}
    for name in fields:
        if name not in entry:
            continue
        field_path = f"{path}.{name}"
        value = entry[name]
        _reject_open(reader, field_path, value)
        if name == "flags" and flag_set is not None:
            spec = FieldSpec("flags", Kind.FLAGS, 0, (1 << _FLAG_WIDTH.get(oid, 32)) - 1, flag_set,
                             _FLAG_WIDTH.get(oid, 32))
            values[name] = reader.flag_value(field_path, spec, value)
        elif name in _LISTS:
            limit = 64 if name == "processor_affinity" else MAX_TABLE_ENTRIES
            values[name] = _processors(reader, field_path, value, limit, name == "processor_affinity")
        else:
            values[name] = reader.fixed(field_path, _SPECS[name], value)
    status = _status(reader, f"{path}.status", entry["status"]) if "status" in entry else None
    return TraceRequest(index=index, oid=oid, request=request, status=status, **values)


def parse_trace(reader: Any, raw: Any) -> Trace:
    """`[trace]` → Trace; `reader` is the loader's validating reader (errors name the path and TOML line)."""
    table = reader.table("trace", raw)
    reader.unknown_keys("trace", table, ("registry_reads", "static_switch", "requests"))
    reads = None
    if "registry_reads" in table:
        entries = reader.array("trace.registry_reads", table["registry_reads"], MAX_READS)
        reads = tuple(_registry_read(reader, f"trace.registry_reads[{i}]", r) for i, r in enumerate(entries))
    static = table.get("static_switch")
    if static is not None and not isinstance(static, bool):
        raise reader.error("trace.static_switch", "wrong type", "true or false", static, True)
    requests = tuple(_request(reader, i, r)
                     for i, r in enumerate(reader.array("trace.requests", table.get("requests", []), MAX_REQUESTS)))
    return Trace(reads, static, requests)
