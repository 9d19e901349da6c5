"""Emitters for what a driver developer pastes: C initialisers of the capability structures and the INF
`Ndi\\params` lines of the standardized keywords (z3-free; from a concrete Config)."""

from __future__ import annotations

from collections.abc import Sequence

from vmqproof.model.config import constants as C, keywords as K
from vmqproof.model.config.errors import ConfigError
from vmqproof.model.config.fields import Kind, Open, SizeOfRevision, member_name
from vmqproof.model.config.schema import Config, Record

STRUCTURES = (
    # section, C type, variable, macro stem (…_REVISION_n / NDIS_SIZEOF_…_REVISION_n), header type macro
    ("receive_filter.hardware", "NDIS_RECEIVE_FILTER_CAPABILITIES", "HardwareReceiveFilterCapabilities",
     "RECEIVE_FILTER_CAPABILITIES", "NDIS_OBJECT_TYPE_DEFAULT"),
    ("receive_filter.current", "NDIS_RECEIVE_FILTER_CAPABILITIES", "CurrentReceiveFilterCapabilities",
     "RECEIVE_FILTER_CAPABILITIES", "NDIS_OBJECT_TYPE_DEFAULT"),
    ("nic_switch.hardware", "NDIS_NIC_SWITCH_CAPABILITIES", "HardwareNicSwitchCapabilities",
     "NIC_SWITCH_CAPABILITIES", "NDIS_OBJECT_TYPE_DEFAULT"),
    ("nic_switch.current", "NDIS_NIC_SWITCH_CAPABILITIES", "CurrentNicSwitchCapabilities",
     "NIC_SWITCH_CAPABILITIES", "NDIS_OBJECT_TYPE_DEFAULT"),
    ("rss_capabilities", "NDIS_RECEIVE_SCALE_CAPABILITIES", "ReceiveScaleCapabilities",
     "RECEIVE_SCALE_CAPABILITIES", "NDIS_OBJECT_TYPE_RSS_CAPABILITIES"),
)
SIZES = {"RECEIVE_FILTER_CAPABILITIES": C.RFC_SIZES, "NIC_SWITCH_CAPABILITIES": C.NSC_SIZES,
         "RECEIVE_SCALE_CAPABILITIES": C.RSC_SIZES}
# CapabilitiesFlags carries the hash functions, whose constants are NDIS_HASH_FUNCTION values, not RSS_CAPS ones.
_SPECIAL_FLAG_MACROS = {"HASH_FUNCTION_TOEPLITZ": "NdisHashFunctionToeplitz",
                        "HASH_FUNCTION_RESERVED1": "NdisHashFunctionReserved1",
                        "HASH_FUNCTION_RESERVED2": "NdisHashFunctionReserved2",
                        "HASH_FUNCTION_RESERVED3": "NdisHashFunctionReserved3"}


def _concrete(record: Record, name: str) -> int:
    value = record.values[name]
    if isinstance(value, SizeOfRevision):
        revision = record.values["revision"]
        if isinstance(revision, int):
            return dict(value.sizes).get(revision, 0)
        value = Open()
    if isinstance(value, Open) or isinstance(value, str):
        raise ConfigError("an emitter needs concrete values", file="--emit", path=f"{record.path}.{name}",
                          given=value.describe() if isinstance(value, Open) else repr(value))
    return int(value)


def flag_expression(record: Record, name: str, value: int) -> str:
    spec = record.specs[name]
    if value == 0 or spec.flags is None:
        return "0" if value == 0 else hex(value)
    parts: list[str] = []
    seen = 0
    for flag, bit in spec.flags.flags:
        if value & bit and not seen & bit:
            parts.append(_SPECIAL_FLAG_MACROS.get(flag, spec.flags.prefix + flag))
            seen |= bit
    if value & ~seen:
        parts.append(hex(value & ~seen))
    return " |\n        ".join(parts)


def emit_c(config: Config, header: Sequence[str] = ()) -> str:
    """C99 designated initialisers, one per capability structure the configuration describes; members that
    are zero are left out (the structure is zero-initialised, as drivers do)."""
    lines = ["/*"] + [f" * {line}".rstrip() for line in header] + [
        " * NDIS capability structures of this configuration (vmqproof synth --emit c); members not listed are 0.",
        " */", ""]
    for section, c_type, variable, stem, type_macro in STRUCTURES:
        record = config.structure(section)
        if record is None:
            continue
        revision = _concrete(record, "revision")
        size = _concrete(record, "size")
        object_type = _concrete(record, "type")
        revision_text = f"NDIS_{stem}_REVISION_{revision}" if revision in SIZES[stem] else str(revision)
        size_text = (f"NDIS_SIZEOF_{stem}_REVISION_{revision}" if SIZES[stem].get(revision) == size else str(size))
        type_text = type_macro if object_type == (0x88 if "SCALE" in stem else 0x80) else hex(object_type)
        lines.append(f"static const {c_type} {variable} = {{")
        lines.append("    .Header = {")
        lines.append(f"        .Type = {type_text},")
        lines.append(f"        .Revision = {revision_text},")
        lines.append(f"        .Size = {size_text},")
        lines.append("    },")
        for name, spec in record.specs.items():
            if name in ("type", "revision", "size"):
                continue
            value = _concrete(record, name)
            if value == 0:
                continue
            text = flag_expression(record, name, value) if spec.kind is Kind.FLAGS else str(value)
            lines.append(f"    .{member_name(name)} = {text},")
        lines.append("};")
        lines.append("")
    return "\n".join(lines)


# -- INF ---------------------------------------------------------------------------------------------------

PARAM_DESC = {
    "*VMQ": "Virtual Machine Queues",
    "*VMQVlanFiltering": "Virtual Machine Queues - VLAN Filtering",
    "*RssOnHostVPorts": "Virtual Switch RSS",
    "*SRIOV": "SR-IOV",
    "*RSS": "Receive Side Scaling",
    "*RSSProfile": "RSS load balancing profile",
    "*RssBaseProcGroup": "RSS Base Processor Group",
    "*RssBaseProcNumber": "RSS Base Processor Number",
    "*RssMaxProcGroup": "RSS Max Processor Group",
    "*RssMaxProcNumber": "RSS Max Processor Number",
    "*MaxRssProcessors": "Maximum Number of RSS Processors",
    "*NumRSSQueues": "Maximum Number of RSS Queues",
}
ENUM_TEXT = {
    "*RSSProfile": {1: "ClosestProcessor", 2: "ClosestProcessorStatic", 3: "NUMAScaling", 4: "NUMAScalingStatic",
                    5: "ConservativeScaling"},
}


def _keywords(config: Config) -> list[str]:
    names: list[str] = []
    rfc = config.structure("receive_filter.hardware")
    nsc = config.structure("nic_switch.hardware")
    if rfc is not None and _concrete(rfc, "supported_queue_properties") & C.SQP_VM_QUEUE:
        names += ["*VMQ", "*VMQVlanFiltering"]
    if nsc is not None and _concrete(nsc, "nic_switch_capabilities") & C.CAPS_RSS_ON_PF_VPORTS:
        names.append("*RssOnHostVPorts")
    if nsc is not None and _concrete(nsc, "max_num_vfs") > 0:
        names.append("*SRIOV")
    if config.structure("rss_capabilities") is not None:
        names += ["*RSS", "*RSSProfile", "*RssBaseProcGroup", "*RssBaseProcNumber", "*RssMaxProcGroup",
                  "*RssMaxProcNumber", "*MaxRssProcessors", "*NumRSSQueues"]
    return names


def emit_inf(config: Config, header: Sequence[str] = (), section: str = "Synthesized.ndi.reg") -> str:
    """The `Ndi\\params` lines of the standardized keywords the configuration's capabilities call for, with the
    value in effect (else the documented default) as default and the documented values or range. Hidden
    keywords (*RssOrVmqPreference, *SriovPreferred) are never declared in an INF (INF-VMQ-2)."""
    per_group = config.adapter.procs_per_group
    rsc = config.structure("rss_capabilities")
    queues = _concrete(rsc, "number_of_receive_queues") if rsc is not None else 16
    rpi = config.rss_processors
    base = _concrete(rpi.record, "rss_base_processor") if rpi is not None else 0
    top = _concrete(rpi.record, "rss_max_processor") if rpi is not None else per_group - 1
    defaults = {"*RssBaseProcGroup": base // per_group, "*RssBaseProcNumber": base % per_group,
                "*RssMaxProcGroup": top // per_group, "*RssMaxProcNumber": top % per_group,
                "*MaxRssProcessors": min(16, max(1, queues)), "*NumRSSQueues": min(16, max(1, queues))}
    ranges = {"*MaxRssProcessors": (1, max(1, queues)), "*NumRSSQueues": (1, max(1, queues))}
    lines = [f"; {line}".rstrip() for line in header]
    lines += ["; Standardized INF keywords (vmqproof synth --emit inf). *RssOrVmqPreference and *SriovPreferred",
              "; are hidden keywords and are not declared (INF-VMQ-2).", "", f"[{section}]"]
    for name in _keywords(config):
        spec = K.lookup(name)
        assert spec is not None
        given = config.inf.get(name.lower())
        default = given.value if given is not None and isinstance(given.value, int) else \
            defaults.get(name, K.default_of(name, config.adapter.arch))
        key = f"Ndi\\params\\{name}"
        lines.append(f'HKR, {key}, ParamDesc, 0, "{PARAM_DESC[name]}"')
        lines.append(f'HKR, {key}, default,   0, "{default}"')
        if spec.kind == "enum":
            lines.append(f'HKR, {key}, type,      0, "enum"')
            texts = ENUM_TEXT.get(name, {0: "Disabled", 1: "Enabled"})
            for value in spec.values:
                if value in texts:
                    lines.append(f'HKR, {key}\\Enum, "{value}", 0, "{texts[value]}"')
        else:
            lo, hi = ranges.get(name, spec.documented(config.adapter.arch))  # type: ignore[misc]
            lines.append(f'HKR, {key}, type,      0, "int"')
            lines.append(f'HKR, {key}, min,       0, "{lo}"')
            lines.append(f'HKR, {key}, max,       0, "{hi}"')
            lines.append(f'HKR, {key}, step,      0, "1"')
        lines.append("")
    return "\n".join(lines)
