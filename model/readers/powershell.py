"""Reading `Get-NetAdapterVmq`, `-Rss`, `-Sriov`, `-AdvancedProperty`, `-VmqQueue` output — `Format-List` text, the
default table text (with truncated columns) or `ConvertTo-Json` — into a vmqproof/1 document: `[host]` adapters,
and for a single adapter also its `[inf]` keywords, `[rss_processors]` and `[[queues]]`."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from typing import Any

from vmqproof.model.config import constants as C, keywords as K
from vmqproof.model.config.errors import ConfigError
from vmqproof.model.config.loader import build_config
from vmqproof.model.config.schema import Config
from vmqproof.model.readers.inf import decode_text, physical_lines

MAX_RECORDS = 4096
PROCESSOR = re.compile(r"(\d{1,5}):(\d{1,5})")
DASHES = re.compile(r"^\s*-+(\s+-+)*\s*$")
LIST_LINE = re.compile(r"^(\S.*?)\s+:(?:\s+(.*?)|\s*)$")
# A TOML table header or `key = value` line: a text with one is not Format-List output.
TOML_STATEMENT = re.compile(r"""^\s*(\[\[?\s*[\w."' -]+\]\]?\s*(#.*)?|[\w"'-]+(\s*\.\s*[\w"'-]+)*\s*=.*)$""")
TRUNCATED = ("...", "\u2026")

# Normalized property names (lower case, letters and digits only) that the readers know.
KNOWN = ("name", "interfacedescription", "enabled", "baseprocessor", "basevmqprocessor", "baseprocessorgroup",
         "baseprocessornumber", "maxprocessor", "maxprocessorgroup", "maxprocessornumber", "maxprocessors",
         "numanode", "numberofreceivequeues", "profile", "rssprocessorarray", "indirectiontable",
         "registrykeyword", "registryvalue", "displayname", "displayvalue", "queueid", "processor", "macaddress",
         "vlanid", "vmfriendlyname", "numvfs", "sriovsupport", "switchname", "lookaheadsplitenabled",
         "vlanfilteringenabled", "cimclass")


def norm(key: str) -> str:
    key = re.sub(r"\[.*?\]", "", key)
    return re.sub(r"[^a-z0-9]", "", key.lower())


@dataclass(slots=True)
class PsRecord:
    line: int
    values: dict[str, Any] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)


# -- text and JSON ------------------------------------------------------------------------------------

def dedented(lines: list[str]) -> list[str]:
    """The lines without the indentation they all share (output pasted indented, e.g. into an issue thread)."""
    margins = [re.match(r"[ \t]*", line).group() for line in lines if line.strip()]   # type: ignore[union-attr]
    common = len(os.path.commonprefix(margins)) if margins else 0
    return [line[common:] if line.strip() else "" for line in lines]


def _format_list(lines: list[str]) -> list[PsRecord]:
    records: list[PsRecord] = []
    current: PsRecord | None = None
    last: str | None = None
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            current, last = None, None
            continue
        if line[0].isspace() and current is not None and last is not None:
            current.values[last] = f"{current.values[last]} {line.strip()}".strip()
            continue
        match = LIST_LINE.match(line)
        if match is None:
            continue
        if current is None:
            current = PsRecord(number)
            records.append(current)
        last = norm(match.group(1))
        if last in current.values:           # a new record without a blank line between
            current = PsRecord(number)
            records.append(current)
        current.values[last] = (match.group(2) or "").strip()
        current.lines[last] = number
    return records


def _resolve_header(text: str) -> str:
    key = norm(text)
    if text.strip().endswith(TRUNCATED):
        matches = [k for k in KNOWN if k.startswith(key)]
        if len(matches) == 1:
            return matches[0]
    return key


TAB_WIDTHS = (8, 4, 2)      # tab stops tried for tables whose alignment was turned into tabs, most common first


def _alignment(lines: list[str], dashes: int) -> int:
    """How well the rows fit the columns of the dash line: cells that start where a column starts or end where
    one ends (PowerShell left-aligns text, right-aligns numbers), less the cells a column start cuts in two."""
    groups = [(m.start(), m.end()) for m in re.finditer(r"-+", lines[dashes])]
    starts, ends = {a for a, _ in groups}, {b for _, b in groups}
    score = 0
    for line in lines[dashes + 1:]:
        for cell in re.finditer(r"\S+(?: \S+)*", line):
            score += cell.start() in starts or cell.end() in ends
        score -= sum(1 for start in starts if 0 < start < len(line) and not line[start - 1].isspace()
                     and not line[start].isspace())
    return score


def _tab_separated(block: list[str], dashes: int) -> list[list[str]] | None:
    """The block's cells when its columns are separated by one tab each (an empty cell between two tabs); None
    when the dash line is not dash groups between single tabs or a row has more cells than the header."""
    groups = block[dashes].rstrip().split("\t")
    if len(groups) < 2 or not all(re.fullmatch(r"\s*-+\s*", g) for g in groups):
        return None
    cells = [[cell.strip() for cell in line.rstrip().split("\t")] for line in block]
    if any(len(row) > len(groups) for row in cells):
        return None
    return [row + [""] * (len(groups) - len(row)) for row in cells]


def _aligned(block: list[str], dashes: int) -> list[list[str]]:
    """The block's cells cut at the columns of its dash line; tabs are expanded at the tab width that
    aligns the block (a text whose runs of spaces were turned into tabs)."""
    candidates = [block] if not any("\t" in line for line in block) else \
        [[line.expandtabs(width) for line in block] for width in TAB_WIDTHS]
    expanded = max(candidates, key=lambda lines: _alignment(lines, dashes))
    starts = [m.start() for m in re.finditer(r"-+", expanded[dashes])]
    ends = starts[1:] + [None]
    return [[line[start:end].strip() for start, end in zip(starts, ends)] for line in expanded]


def _tables(lines: list[str]) -> list[PsRecord]:
    """Default table text: header lines (up to 3, wrapped), a dash line, rows up to a blank line. Columns are
    space-aligned as PowerShell writes them, or separated by tabs (one per column, or tab-aligned)."""
    records: list[PsRecord] = []
    index = 0
    while index < len(lines):
        if not (index > 0 and DASHES.match(lines[index]) and lines[index - 1].strip()):
            index += 1
            continue
        top = index
        while top > 0 and lines[top - 1].strip() and not DASHES.match(lines[top - 1]) and index - top < 3:
            top -= 1
        bottom = index + 1
        while bottom < len(lines) and lines[bottom].strip():
            bottom += 1
        block, dashes = lines[top:bottom], index - top
        cells = _tab_separated(block, dashes) or _aligned(block, dashes)
        headers = [_resolve_header("".join(row[column] for row in cells[:dashes]).strip())
                   for column in range(len(cells[dashes]))]
        for offset, row in enumerate(cells[dashes + 1:], start=index + 2):
            records.append(PsRecord(offset, dict(zip(headers, row)), {key: offset for key in headers}))
        index = bottom
    return records


def _json_records(text: str, file: str) -> list[PsRecord]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"malformed JSON: {exc.msg}", file=file, line=exc.lineno) from None
    except RecursionError:
        raise ConfigError("malformed JSON: nested too deeply", file=file) from None
    except ValueError:      # Python refuses integers of more than sys.get_int_max_str_digits() digits
        raise ConfigError("malformed JSON: integer too long", file=file) from None
    if isinstance(data, dict) and isinstance(data.get("value"), list) and "Count" in data:
        data = data["value"]
    items = data if isinstance(data, list) else [data]
    records = []
    for item in items[:MAX_RECORDS + 1]:
        if not isinstance(item, dict):
            raise ConfigError("unexpected JSON", file=file, expected="ConvertTo-Json objects of Get-NetAdapter*",
                              given=type(item).__name__)
        record = PsRecord(1)
        for key, value in item.items():
            record.values[norm(str(key))] = value
        records.append(record)
    return records


def read_records(data: bytes | str, file: str) -> list[PsRecord]:
    text = decode_text(data, file, "PowerShell output") if isinstance(data, bytes) else data
    if not text.strip():
        raise ConfigError("empty file", file=file, expected="Get-NetAdapter* output")
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        records = _json_records(stripped, file)
    else:
        lines = dedented(physical_lines(text))
        records = _tables(lines) if any(DASHES.match(l) for l in lines) else _format_list(lines)
    if not records:
        raise ConfigError("no Get-NetAdapter* records found", file=file,
                          expected="Format-List, table or ConvertTo-Json output")
    if len(records) > MAX_RECORDS:
        raise ConfigError("too many records", file=file, expected=f"at most {MAX_RECORDS}")
    return records


# -- classification and fields ------------------------------------------------------------------------

def kind_of(record: PsRecord) -> str | None:
    keys = set(record.values)
    cim = str(record.values.get("cimclass", "")).lower()
    for marker, kind in (("vmqqueue", "vmqqueue"), ("advancedproperty", "advanced"), ("sriov", "sriov"),
                         ("rss", "rss"), ("vmq", "vmq")):
        if marker in cim:
            return kind
    if keys & {"registrykeyword", "displayvalue"}:
        return "advanced"
    if "queueid" in keys:
        return "vmqqueue"
    if keys & {"rssprocessorarray", "indirectiontable", "profile"}:
        return "rss"
    if keys & {"basevmqprocessor", "lookaheadsplitenabled", "vlanfilteringenabled"}:
        return "vmq"
    if keys & {"numvfs", "sriovsupport"}:
        return "sriov"
    if keys & {"maxprocessors", "baseprocessor", "baseprocessorgroup"}:
        return "vmq"
    return None


class _Fields:
    """Typed access to one record's values; every failure names the file and the line."""

    def __init__(self, file: str, record: PsRecord) -> None:
        self.file, self.record = file, record

    def error(self, key: str, message: str, expected: str, given: Any) -> ConfigError:
        text = str(given)
        return ConfigError(message, file=self.file, line=self.record.lines.get(key, self.record.line), path=key,
                           expected=expected, given=text if len(text) <= 60 else text[:57] + "...")

    def has(self, key: str) -> bool:
        value = self.record.values.get(key)
        return value is not None and value != "" and not (isinstance(value, str) and value.endswith(TRUNCATED))

    def text(self, key: str) -> str | None:
        value = self.record.values.get(key)
        return None if value is None else str(value).strip()

    def boolean(self, key: str) -> bool | None:
        if not self.has(key):
            return None
        value = self.record.values[key]
        if isinstance(value, bool):
            return value
        if str(value).strip().lower() in ("true", "1", "enabled"):
            return True
        if str(value).strip().lower() in ("false", "0", "disabled"):
            return False
        raise self.error(key, "not a boolean", "True or False", value)

    def integer(self, key: str, hi: int = C.ULONG_MAX) -> int | None:
        if not self.has(key):
            return None
        value = self.record.values[key]
        if isinstance(value, bool) or not (isinstance(value, int) or (isinstance(value, str)
                                                                      and re.fullmatch(r"\s*\d{1,10}\s*", value))):
            raise self.error(key, "not a number", f"an integer in [0, {hi}]", value)
        number = int(value)
        if number > hi:
            raise self.error(key, "out of range", f"an integer in [0, {hi}]", value)
        return number

    def processor(self, key: str, group_key: str | None = None, number_key: str | None = None) -> str | None:
        if self.has(key):
            value = self.record.values[key]
            if isinstance(value, str) and (m := PROCESSOR.fullmatch(value.strip())):
                return self._checked(key, int(m.group(1)), int(m.group(2)))
            if isinstance(value, int) and not isinstance(value, bool) and group_key is not None:
                return self._checked(key, self.integer(group_key, C.MAXIMUM_GROUPS) or 0, value)
            if isinstance(value, str) and re.fullmatch(r"\d{1,5}", value.strip()) and group_key is not None:
                return self._checked(key, self.integer(group_key, C.MAXIMUM_GROUPS) or 0, int(value))
            raise self.error(key, "bad processor", '"group:number"', value)
        if group_key is not None and number_key is not None and self.has(number_key):
            value = self.record.values[number_key]
            if isinstance(value, str) and (m := PROCESSOR.fullmatch(value.strip())):
                return self._checked(number_key, int(m.group(1)), int(m.group(2)))
            return self._checked(number_key, self.integer(group_key, C.MAXIMUM_GROUPS) or 0,
                                 self.integer(number_key, 63) or 0)
        return None

    def _checked(self, key: str, group: int, number: int) -> str:
        if group >= C.MAXIMUM_GROUPS or number >= 64:
            raise self.error(key, "processor out of range", f"group < {C.MAXIMUM_GROUPS} and number < 64",
                             f"{group}:{number}")
        return f"{group}:{number}"

    def processor_array(self, key: str) -> list[dict[str, Any]]:
        value = self.record.values.get(key)
        if value is None or value == "":
            return []
        result: list[dict[str, Any]] = []
        items = value if isinstance(value, list) else str(value).split()
        for item in items[:C.MAXIMUM_GROUPS * 64]:
            if isinstance(item, dict):
                entry = {norm(str(k)): v for k, v in item.items()}
                group, number = entry.get("processorgroup", entry.get("group")), entry.get(
                    "processornumber", entry.get("number"))
                if not all(isinstance(v, int) and not isinstance(v, bool) for v in (group, number)):
                    raise self.error(key, "bad processor entry", "ProcessorGroup and ProcessorNumber", item)
                cpu = self._checked(key, group, number)           # type: ignore[arg-type]
                distance = entry.get("numadistance")
                result.append({"cpu": cpu} | ({"numa_distance": distance} if isinstance(distance, int)
                                              and not isinstance(distance, bool)
                                              and 0 <= distance <= C.USHORT_MAX else {}))
                continue
            match = re.fullmatch(r"(\d{1,5}):(\d{1,5})(?:/(\d{1,5}))?", str(item).strip())
            if match is None:
                if str(item).strip().endswith(TRUNCATED):
                    continue
                raise self.error(key, "bad processor entry", '"group:number" or "group:number/NUMA distance"', item)
            cpu = self._checked(key, int(match.group(1)), int(match.group(2)))
            entry_out: dict[str, Any] = {"cpu": cpu}
            if match.group(3) is not None and int(match.group(3)) <= C.USHORT_MAX:
                entry_out["numa_distance"] = int(match.group(3))
            result.append(entry_out)
        return result

    def registry_values(self, key: str) -> list[str]:
        value = self.record.values.get(key)
        if isinstance(value, list):
            return [str(v) for v in value]
        if value is None:
            return []
        text = str(value).strip()
        if text.startswith("{") and text.endswith("}"):
            text = text[1:-1]
        return [part.strip() for part in text.split(",") if part.strip()]


# -- the document ---------------------------------------------------------------------------------------

def _setting(fields: _Fields, rss: bool) -> dict[str, Any]:
    setting: dict[str, Any] = {}
    if (enabled := fields.boolean("enabled")) is not None:
        setting["enabled"] = enabled
    base = fields.processor("baseprocessor", "baseprocessorgroup", "baseprocessornumber") \
        or fields.processor("basevmqprocessor")
    if base is not None:
        setting["base_processor"] = base
    top = fields.processor("maxprocessor", "maxprocessorgroup", "maxprocessornumber") \
        or fields.processor("maxprocessornumber", "maxprocessorgroup")
    if top is not None:
        setting["max_processor"] = top
    if (count := fields.integer("maxprocessors", C.MAXIMUM_GROUPS * 64)) is not None and count > 0:
        setting["max_processors"] = count
    if (queues := fields.integer("numberofreceivequeues")) is not None:
        setting["number_of_receive_queues"] = queues
    if rss:
        if fields.has("profile"):
            profile = fields.record.values["profile"]
            setting["profile"] = profile if isinstance(profile, int) and not isinstance(profile, bool) \
                else str(profile)
        processors = fields.processor_array("rssprocessorarray")
        if processors:
            setting["processors"] = processors
    return setting


def build_document(records: list[PsRecord], file: str) -> tuple[dict[str, Any], dict[str, int]]:
    """The records as a vmqproof/1 document, and the first PowerShell line of each adapter."""
    adapters: dict[str, dict[str, Any]] = {}
    first_line: dict[str, int] = {}
    queues: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        kind = kind_of(record)
        if kind is None:
            continue
        fields = _Fields(file, record)
        name = fields.text("name") or fields.text("interfacedescription") or "adapter"
        adapter = adapters.setdefault(name, {"name": name})
        first_line.setdefault(name, record.line)
        if kind in ("vmq", "rss"):
            if (node := fields.integer("numanode", C.USHORT_MAX)) is not None and node != C.USHORT_MAX:
                adapter["numa_node"] = node
            adapter[kind] = adapter.get(kind, {}) | _setting(fields, kind == "rss")
        elif kind == "sriov":
            sriov: dict[str, Any] = {}
            if (enabled := fields.boolean("enabled")) is not None:
                sriov["enabled"] = enabled
            if (vfs := fields.integer("numvfs", C.USHORT_MAX)) is not None:
                sriov["num_vfs"] = vfs
            adapter["sriov"] = adapter.get("sriov", {}) | sriov
        elif kind == "advanced":
            keyword = fields.text("registrykeyword")
            values = fields.registry_values("registryvalue")
            if keyword and values and not keyword.endswith(TRUNCATED):
                value = values[0]
                adapter.setdefault("keywords", {})[keyword] = int(value) if re.fullmatch(r"\d{1,10}", value) \
                    and int(value) <= C.ULONG_MAX else value
        elif kind == "vmqqueue":
            queue_id = fields.integer("queueid")
            cpu = fields.processor("processor")
            if queue_id is not None and cpu is not None:
                queues.setdefault(name, []).append({"id": queue_id, "cpu": cpu})
    if not adapters:
        raise ConfigError("no Get-NetAdapterVmq/Rss/Sriov/AdvancedProperty/VmqQueue records found", file=file,
                          line=records[0].line, expected="output of one of these cmdlets")
    document: dict[str, Any] = {"format": "vmqproof/1", "host": {"adapters": list(adapters.values())}}
    if len(adapters) == 1:
        (name, adapter), = adapters.items()
        document["adapter"] = {"name": name}
        inf = {K.lookup(k).name: v for k, v in adapter.get("keywords", {}).items()      # type: ignore[union-attr]
               if K.lookup(k) is not None and isinstance(v, int)}
        if inf:
            document["inf"] = inf
        rss = adapter.get("rss", {})
        if rss.get("processors"):
            cpus = [p["cpu"] for p in rss["processors"]]
            rpi: dict[str, Any] = {"processors": cpus}
            if "base_processor" in rss:
                rpi["rss_base_processor"] = rss["base_processor"]
            if "max_processor" in rss:
                rpi["rss_max_processor"] = rss["max_processor"]
            document["rss_processors"] = rpi
        if name in queues:
            document["queues"] = queues[name]
    elif queues:
        raise ConfigError("Get-NetAdapterVmqQueue output of several adapters", file=file,
                          expected="one adapter per file (Get-NetAdapterVmqQueue -Name …)",
                          given=", ".join(sorted(queues)))
    return document, first_line


def load_powershell(data: bytes | str, file: str = "<input>") -> Config:
    records = read_records(data, file)
    document, first_line = build_document(records, file)
    try:
        return build_config(document, file)
    except ConfigError as exc:
        if exc.line is not None:
            raise
        match = re.match(r"host\.adapters\[(\d+)\]", exc.path or "")
        names = list(first_line)
        line = first_line[names[int(match.group(1))]] if match and int(match.group(1)) < len(names) \
            else min(first_line.values())
        raise ConfigError(exc.message, file=file, line=line, path=exc.path, expected=exc.expected,
                          given=exc.given) from None


def looks_like_powershell(text: str) -> bool:
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        try:
            data = json.loads(stripped)
        except (json.JSONDecodeError, RecursionError):
            return False
        items = data if isinstance(data, list) else [data]
        if isinstance(data, dict) and isinstance(data.get("value"), list):
            items = data["value"]
        return bool(items) and all(isinstance(i, dict) for i in items) and any(
            {norm(str(k)) for k in i} & {"name", "interfacedescription", "registrykeyword", "queueid",
                                         "cimclass"} for i in items)
    lines = dedented(physical_lines(text))
    if any(re.match(r"^(Name|InterfaceDescription|RegistryKeyword|QueueID)\s+:", l) for l in lines):
        return True
    if any(DASHES.match(l) and i > 0 and re.match(r"^\s*Name\b", lines[i - 1]) for i, l in enumerate(lines)):
        return True
    # Format-List text: `Key : value` lines of properties the readers know, and no TOML structure.
    known = False
    for line in lines:
        match = LIST_LINE.match(line)
        if match is not None:
            known = known or norm(match.group(1)) in KNOWN
        elif TOML_STATEMENT.match(line):
            return False
    return known
