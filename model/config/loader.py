"""Reading and validating configuration files (TOML or JSON, format vmqproof/1) into a `Config`."""

from __future__ import annotations

import difflib
import json
import re
import sys
import tomllib
from collections.abc import Iterable, Mapping
from typing import Any

from vmqproof.model.config import constants as C, keywords as K
from vmqproof.model.config.errors import ConfigError
from vmqproof.model.config.fields import FieldSpec, Kind, KeywordValue, Open, find_line, SizeOfRevision, Value
from vmqproof.model.config.host import parse_host
from vmqproof.model.config.suppressions import RULE_ID, parse_suppressions
from vmqproof.model.config.schema import (
    HEADER_SIZES, HEADER_TYPES, MSIX_FIELDS, QUEUE_FIELDS, READINGS, RSS_PROCESSORS_FIELDS, SEVERITIES,
    STRUCTURE_SECTIONS, VECTOR_FIELDS, VPORT_FIELDS, reading_default, Adapter, Config, InfKeyword, Msix, Policy,
    Queue, Record, RssProcessor, RssProcessors, Vector, VPort,
)
from vmqproof.model.config.trace import parse_trace

FORMAT = "vmqproof/1"
MAX_FILE_BYTES = 16 * 1024 * 1024
MAX_PROCESSORS = C.MAXIMUM_GROUPS * 64
MAX_VECTORS = C.PCIE_MSIX_TABLE_MAX
MAX_QUEUES = 4096
MAX_VPORTS = 4096
MAX_TABLE_ENTRIES = 65536
MAX_ONE_OF = 4096

DEFAULT_HASH_SECRET_KEY = int(
    "6d5a56da255b0ec24167253d43a38fb0d0ca2bcbae7b30b477cb2da38030f20c6a42b73bbeac01fa", 16)

TOP_LEVEL = ("format", "adapter", "inf", "receive_filter", "nic_switch", "rss_capabilities", "rss_processors",
             "msix", "vports", "queues", "policy", "host", "trace")


def _did_you_mean(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        text = json.dumps(value, default=str)         # TOML dates and times are not JSON types
    else:
        text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 60 else text[:57] + "..."


# Characters that would break the one-line message (line breaks, other controls) or a UTF-8 stream (lone surrogates);
# keys are echoed in field paths as written, so these are shown escaped.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")


def _printable(text: str) -> str:
    return _UNPRINTABLE.sub(lambda match: ascii(match.group())[1:-1], text)


def _type_name(value: Any) -> str:
    return {bool: "a boolean", int: "an integer", float: "a float", str: "a string", list: "an array",
            dict: "a table"}.get(type(value), type(value).__name__)


class _Reader:
    """Validates one parsed document; every error names the field path (and the TOML line where found)."""

    def __init__(self, file: str, text: str, is_toml: bool) -> None:
        self.file = file
        self.lines_of_text = text.splitlines() if is_toml else []
        self.line_index: dict[str, int] = _index_toml_lines(self.lines_of_text) if is_toml else {}
        self.arch = "amd64"

    # -- errors -------------------------------------------------------------------------------------
    def error(self, path: str, message: str, expected: str | None = None, given: Any = None,
              has_given: bool = False) -> ConfigError:
        path = _printable(path)         # as the TOML text escapes such characters, so the line lookup finds it
        return ConfigError(_printable(message), file=self.file, path=path, line=self.line_of(path),
                           expected=None if expected is None else _printable(expected),
                           given=_show(given) if has_given or given is not None else None)

    def line_of(self, path: str) -> int | None:
        return find_line(self.line_index, path)

    def table(self, path: str, value: Any) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.error(path, "wrong type", "a table", value, True)
        return value

    def array(self, path: str, value: Any, limit: int) -> list[Any]:
        if not isinstance(value, list):
            raise self.error(path, "wrong type", "an array", value, True)
        if len(value) > limit:
            raise self.error(path, "too many entries", f"at most {limit}", f"{len(value)} entries")
        return value

    def unknown_keys(self, path: str, table: Mapping[str, Any], allowed: Iterable[str]) -> None:
        allowed = list(allowed)
        for key in table:
            if key not in allowed:
                where = f"{path}.{key}" if path else key
                raise self.error(where, f"unknown key {key!r}{_did_you_mean(key, allowed)}")

    # -- scalars ------------------------------------------------------------------------------------
    def integer(self, path: str, value: Any, lo: int, hi: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(path, "wrong type", f"an integer in [{lo}, {hi}]", value, True)
        if not lo <= value <= hi:
            raise self.error(path, "out of range", f"an integer in [{lo}, {hi}]", value, True)
        return value

    def processor(self, path: str, value: Any) -> int:
        per_group = C.procs_per_group(self.arch)
        expected = f'a processor "group:number" with group < {C.MAXIMUM_GROUPS} and number < {per_group}'
        if not isinstance(value, str):
            raise self.error(path, "wrong type", expected, value, True)
        match = re.fullmatch(r"\s*(\d{1,5})\s*:\s*(\d{1,5})\s*", value)
        if not match:
            raise self.error(path, "bad processor", expected, value, True)
        group, number = int(match.group(1)), int(match.group(2))
        if group >= C.MAXIMUM_GROUPS or number >= per_group:
            raise self.error(path, "processor out of range", expected, value, True)
        return group * per_group + number

    def flag_value(self, path: str, spec: FieldSpec, value: Any) -> int:
        assert spec.flags is not None
        if isinstance(value, int) and not isinstance(value, bool):
            return self.integer(path, value, 0, spec.hi)
        if not isinstance(value, list):
            raise self.error(path, "wrong type", "an integer bitmask or a list of flag names", value, True)
        names = spec.flags.by_name()
        result = 0
        for index, item in enumerate(value):
            item_path = f"{path}[{index}]"
            if isinstance(item, int) and not isinstance(item, bool):
                result |= self.integer(item_path, item, 0, spec.hi)
                continue
            if not isinstance(item, str):
                raise self.error(item_path, "wrong type", "a flag name", item, True)
            name = item.strip().upper()
            if name.startswith(spec.flags.prefix):
                name = name[len(spec.flags.prefix):]
            if name not in names:
                raise self.error(item_path, f"unknown flag {item!r}{_did_you_mean(name, names)}")
            result |= names[name]
        return result

    def fixed(self, path: str, spec: FieldSpec, value: Any) -> int | bool | str:
        if spec.kind is Kind.FLAGS:
            return self.flag_value(path, spec, value)
        if spec.kind is Kind.PROCESSOR:
            return self.processor(path, value)
        if spec.kind is Kind.BOOL:
            if not isinstance(value, bool):
                raise self.error(path, "wrong type", "true or false", value, True)
            return value
        if spec.kind is Kind.STRING:
            if not isinstance(value, str):
                raise self.error(path, "wrong type", "a string", value, True)
            return value
        if spec.name == "hash_secret_key" and isinstance(value, str):
            if not re.fullmatch(r"(0x)?[0-9a-fA-F]{1,80}", value.strip()):
                raise self.error(path, "bad key", "up to 40 bytes of hex", value, True)
            return int(value.strip().removeprefix("0x"), 16)
        return self.integer(path, value, spec.lo, spec.hi)

    def open_value(self, path: str, value: Any, parse_one: Any) -> Open | None:
        """`"?"`, `{min, max}` or `{one_of}`; None when `value` is not an open value."""
        if value == "?":
            return Open()
        if not isinstance(value, dict):
            return None
        self.unknown_keys(path, value, ("min", "max", "one_of"))
        if "one_of" in value:
            if "min" in value or "max" in value:
                raise self.error(path, "an open value has either one_of or min/max", "one of the two",
                                 value, True)
            items = self.array(f"{path}.one_of", value["one_of"], MAX_ONE_OF)
            if not items:
                raise self.error(f"{path}.one_of", "empty choice", "at least one value", items, True)
            choices = tuple(sorted({parse_one(f"{path}.one_of[{i}]", v) for i, v in enumerate(items)}))
            return Open(one_of=choices)
        if not value:
            raise self.error(path, "empty open value", 'min and/or max, or one_of ("?" for any value)', value,
                             True)
        lo = parse_one(f"{path}.min", value["min"]) if "min" in value else None
        hi = parse_one(f"{path}.max", value["max"]) if "max" in value else None
        if lo is not None and hi is not None and lo > hi:
            raise self.error(path, "empty range", "min <= max", value, True)
        return Open(lo=lo, hi=hi)

    def value(self, path: str, spec: FieldSpec, raw: Any) -> Value:
        if spec.kind is not Kind.STRING:
            opened = self.open_value(path, raw, lambda p, v: int(self.fixed(p, spec, v)))
            if opened is not None:
                return opened
        return self.fixed(path, spec, raw)

    def record(self, path: str, specs: tuple[FieldSpec, ...], raw: Mapping[str, Any],
               defaults: Mapping[str, Value], extra: Iterable[str] = ()) -> Record:
        by_name = {s.name: s for s in specs}
        self.unknown_keys(path, raw, list(by_name) + list(extra))
        values: dict[str, Value] = {}
        given: set[str] = set()
        for spec in specs:
            field_path = f"{path}.{spec.name}"
            if spec.name in raw:
                values[spec.name] = self.value(field_path, spec, raw[spec.name])
                given.add(spec.name)
            elif spec.name in defaults:
                values[spec.name] = defaults[spec.name]
            else:
                values[spec.name] = "" if spec.kind is Kind.STRING else (False if spec.kind is Kind.BOOL else 0)
        return Record(path, by_name, values, frozenset(given))


_ARRAY_HEADER = re.compile(r"^\[\[\s*([^\]]+?)\s*\]\]")
_TABLE_HEADER = re.compile(r"^\[\s*([^\]]+?)\s*\]")
_KEY = re.compile(r'^("[^"]*"|[A-Za-z0-9_\-*]+)\s*=')


def _index_toml_lines(lines: list[str]) -> dict[str, int]:
    """Dotted path → 1-based line, for table headers and `key =` lines (arrays of tables get [i])."""
    index: dict[str, int] = {}
    counters: dict[str, int] = {}
    current = ""
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if stripped.startswith("["):
            header = _ARRAY_HEADER.match(stripped)
            if header:
                name = header.group(1).replace(" ", "")
                counters[name] = counters.get(name, -1) + 1
                current = f"{name}[{counters[name]}]"
                index.setdefault(current, number)
                continue
            header = _TABLE_HEADER.match(stripped)
            if header:
                current = header.group(1).replace(" ", "").replace('"', "")
                index.setdefault(current, number)
                continue
        key = _KEY.match(stripped)
        if key:
            name = key.group(1).strip('"')
            path = f"{current}.{name}" if current else name
            index.setdefault(path, number)
            if current == "inf":            # registry names are case-insensitive
                index.setdefault(path.lower(), number)
    return index


def _value_error(file: str, text: str, syntax: str, exc: ValueError) -> ConfigError:
    """A ValueError the parser lets through: Python refuses to read integers of more than
    sys.get_int_max_str_digits() digits."""
    limit = sys.get_int_max_str_digits()
    for match in re.finditer(r"[0-9][0-9_]*", text):
        if limit and len(match.group().replace("_", "")) > limit:
            return ConfigError(f"malformed {syntax}: integer too long", file=file,
                               line=text.count("\n", 0, match.start()) + 1, expected=f"at most {limit} digits")
    return ConfigError(f"malformed {syntax}: {_printable(str(exc))}", file=file)


def _lone_surrogate(document: Any) -> str | None:
    """A string (key or value) holding a lone surrogate (JSON escapes such as \\ud800), which is not UTF-8 text."""
    stack = [document]
    while stack:
        node = stack.pop()
        items = (list(node) + list(node.values()) if isinstance(node, dict) else node if isinstance(node, list)
                 else [node])
        for item in items:
            if isinstance(item, str):
                try:
                    item.encode("utf-8")
                except UnicodeEncodeError:
                    return ascii(item)
            elif isinstance(item, (dict, list)):
                stack.append(item)
    return None


def parse_document(file: str, data: bytes, kind: str | None = None) -> tuple[dict[str, Any], str, bool]:
    """Bytes → (document, text, is_toml); every failure is a ConfigError naming the file (and line).
    `kind` ("toml" or "json") forces the syntax; by default the extension, then the content, decides."""
    if not data.strip():
        raise ConfigError("empty file", file=file, expected=f'a {FORMAT} configuration (TOML or JSON)')
    if len(data) > MAX_FILE_BYTES:
        raise ConfigError("file too large", file=file, expected=f"at most {MAX_FILE_BYTES} bytes",
                          given=f"{len(data)} bytes")
    if b"\x00" in data:
        raise ConfigError("binary file", file=file, expected="UTF-8 text (TOML or JSON)")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError("not UTF-8", file=file, expected="UTF-8 text",
                          given=f"byte 0x{data[exc.start]:02x} at offset {exc.start}") from None
    text = text.removeprefix("\ufeff")
    if kind is not None:
        is_json = kind == "json"
    else:
        is_json = file.lower().endswith(".json") or (not file.lower().endswith(".toml")
                                                      and text.lstrip().startswith("{"))
    if is_json:
        try:
            document = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"malformed JSON: {exc.msg}", file=file, line=exc.lineno) from None
        except RecursionError:
            raise ConfigError("malformed JSON: nested too deeply", file=file) from None
        except ValueError as exc:
            raise _value_error(file, text, "JSON", exc) from None
        surrogate = _lone_surrogate(document)
        if surrogate is not None:
            raise ConfigError("not UTF-8: a \\u escape makes a lone surrogate", file=file, expected="UTF-8 text",
                              given=surrogate if len(surrogate) <= 60 else surrogate[:57] + "...")
        if not isinstance(document, dict):
            raise ConfigError("malformed configuration", file=file, expected="a JSON object at the top",
                              given=_type_name(document))
        return document, text, False
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        match = re.search(r"\(at line (\d+), column \d+\)", message)
        line = int(match.group(1)) if match else None
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", message)
        raise ConfigError(f"malformed TOML: {message}", file=file, line=line) from None
    except RecursionError:
        raise ConfigError("malformed TOML: nested too deeply", file=file) from None
    except ValueError as exc:
        raise _value_error(file, text, "TOML", exc) from None
    return document, text, True


def build_config(document: Mapping[str, Any], file: str, text: str = "", is_toml: bool = False) -> Config:
    reader = _Reader(file, text, is_toml)
    reader.unknown_keys("", document, TOP_LEVEL)
    if "format" in document and document["format"] != FORMAT:
        raise reader.error("format", "unsupported format", repr(FORMAT), document["format"], True)

    adapter = _adapter(reader, document.get("adapter", {}))
    reader.arch = adapter.arch
    inf = _inf(reader, document.get("inf", {}), adapter.arch)
    structures = _structures(reader, document, adapter)
    rss_processors = _rss_processors(reader, document, adapter, inf)
    msix = _msix(reader, document["msix"]) if "msix" in document else None
    vports = _vports(reader, document.get("vports", []))
    queues = _queues(reader, document.get("queues", []))
    policy = _policy(reader, document.get("policy", {}))
    host = parse_host(reader, document["host"]) if "host" in document else None
    trace = parse_trace(reader, document["trace"]) if "trace" in document else None
    return Config(path=file, adapter=adapter, inf=inf, has_inf="inf" in document, structures=structures,
                  rss_processors=rss_processors, msix=msix, vports=vports, queues=queues, policy=policy,
                  lines=reader.line_index, host=host, trace=trace)


def _adapter(reader: _Reader, raw: Any) -> Adapter:
    table = reader.table("adapter", raw)
    reader.unknown_keys("adapter", table, ("name", "ndis", "role", "virtual", "arch"))
    name = table.get("name", "")
    if not isinstance(name, str):
        raise reader.error("adapter.name", "wrong type", "a string", name, True)
    ndis = table.get("ndis", "6.60")
    if not isinstance(ndis, str) or ndis not in C.NDIS_VERSIONS:
        raise reader.error("adapter.ndis", "unknown NDIS version", 'a version string such as "6.60"', ndis,
                           True)
    role = table.get("role", "pf")
    if role not in ("pf", "vf"):
        raise reader.error("adapter.role", "unknown role", '"pf" or "vf"', role, True)
    virtual = table.get("virtual", False)
    if not isinstance(virtual, bool):
        raise reader.error("adapter.virtual", "wrong type", "true or false", virtual, True)
    arch = table.get("arch", "amd64")
    if arch not in ("amd64", "x86", "arm64"):
        raise reader.error("adapter.arch", "unknown architecture", '"amd64", "x86" or "arm64"', arch, True)
    return Adapter(name=name, ndis=ndis, role=role, virtual=virtual, arch=arch)


def _keyword_number(reader: _Reader, path: str, value: Any) -> int:
    if isinstance(value, str) and re.fullmatch(r"\s*\d{1,10}\s*", value):
        value = int(value)
    return reader.integer(path, value, 0, C.ULONG_MAX)


def _inf(reader: _Reader, raw: Any, arch: str) -> dict[str, InfKeyword]:
    table = reader.table("inf", raw)
    result: dict[str, InfKeyword] = {}
    standard_names = [k.name for k in K.KEYWORDS]
    for key, value in table.items():
        path = f'inf."{key}"'
        spec = K.lookup(key)
        if spec is None:
            bare = key.lstrip("*").lower()
            close = [n for n in standard_names if n[1:].lower() == bare]
            if not key.startswith("*") and close:
                raise reader.error(path, f"unknown keyword {key!r}; did you mean {close[0]!r}?")
            near = difflib.get_close_matches(key.lower(), [n.lower() for n in standard_names], n=1, cutoff=0.88)
            if key.startswith("*") and near:
                raise reader.error(path, f"unknown keyword {key!r}; did you mean "
                                         f"{K.BY_LOWER_NAME[near[0]].name!r}?")
            if isinstance(value, (str, int)) and not isinstance(value, bool):
                if isinstance(value, int):
                    value = _keyword_number(reader, path, value)
                result[key.lower()] = InfKeyword(key, value, (0, C.ULONG_MAX), reader.line_of(f"inf.{key}"))
                continue
            raise reader.error(path, "wrong type", "a number or a string", value, True)
        canonical = spec.name
        if canonical.lower() in result:
            raise reader.error(path, f"duplicate keyword (registry names are case-insensitive: "
                                     f"{result[canonical.lower()].name!r} is also given)")
        documented = spec.documented(arch)
        opened = reader.open_value(path, value, lambda p, v: _keyword_number(reader, p, v))
        if opened is not None:
            if opened == Open():
                opened = Open(one_of=documented) if spec.kind == "enum" else Open(lo=documented[0],
                                                                                   hi=documented[1])
            parsed: int | Open = opened
        else:
            parsed = _keyword_number(reader, path, value)
        result[canonical.lower()] = InfKeyword(canonical, parsed, documented, reader.line_of(f"inf.{key}"))
    return result


def _section_tables(reader: _Reader, document: Mapping[str, Any]) -> dict[str, tuple[str, dict[str, Any]]]:
    found: dict[str, tuple[str, dict[str, Any]]] = {}
    for group, parts in (("receive_filter", ("hardware", "current")),
                         ("nic_switch", ("hardware", "current", "parameters"))):
        if group in document:
            outer = reader.table(group, document[group])
            reader.unknown_keys(group, outer, parts)
            for part in parts:
                if part in outer:
                    name = f"{group}.{part}"
                    found[name] = (name, reader.table(name, outer[part]))
    if "rss_capabilities" in document:
        found["rss_capabilities"] = ("rss_capabilities", reader.table("rss_capabilities",
                                                                      document["rss_capabilities"]))
    return found


def _header_defaults(section: str, raw: Mapping[str, Any], default_revision: int = 0) -> dict[str, Value]:
    sizes = HEADER_SIZES[section]
    defaults: dict[str, Value] = {"type": HEADER_TYPES[section], "revision": default_revision}
    revision = raw.get("revision", default_revision)
    if isinstance(revision, int) and not isinstance(revision, bool):
        defaults["size"] = sizes.get(revision, 0)
    else:
        defaults["size"] = SizeOfRevision(tuple(sorted(sizes.items())))
    return defaults


def _structures(reader: _Reader, document: Mapping[str, Any], adapter: Adapter) -> dict[str, Record]:
    result: dict[str, Record] = {}
    for section, (path, raw) in _section_tables(reader, document).items():
        result[section] = reader.record(path, STRUCTURE_SECTIONS[section], raw, _header_defaults(section, raw))
    return result


def _rss_processors(reader: _Reader, document: Mapping[str, Any], adapter: Adapter,
                    inf: Mapping[str, InfKeyword]) -> RssProcessors | None:
    if "rss_processors" not in document:
        return None
    raw = reader.table("rss_processors", document["rss_processors"])
    entries = reader.array("rss_processors.processors", raw.get("processors", []), MAX_PROCESSORS)
    processors: list[RssProcessor] = []
    for index, entry in enumerate(entries):
        path = f"rss_processors.processors[{index}]"
        if isinstance(entry, dict):
            reader.unknown_keys(path, entry, ("cpu", "numa_node", "preference_index"))
            if "cpu" not in entry:
                raise reader.error(f"{path}.cpu", "missing required field", 'a processor "group:number"')
            numa = entry.get("numa_node")
            pref = entry.get("preference_index")
            processors.append(RssProcessor(
                reader.processor(f"{path}.cpu", entry["cpu"]),
                None if numa is None else reader.integer(f"{path}.numa_node", numa, 0, C.USHORT_MAX),
                None if pref is None else reader.integer(f"{path}.preference_index", pref, 0, C.USHORT_MAX)))
        else:
            processors.append(RssProcessor(reader.processor(path, entry)))
    cpus = [p.cpu for p in processors]
    per_group = adapter.procs_per_group
    revision = 2 if adapter.ndis_version >= (6, 30) else 1
    defaults = _header_defaults("rss_processors", raw, revision)
    profile = inf.get("*rssprofile")
    size = defaults["size"]
    defaults.update({
        "flags": 0,
        "rss_base_processor": min(cpus) if cpus else 0,
        "rss_max_processor": max(cpus) if cpus else per_group - 1,
        "max_num_rss_processors": len(cpus),
        "preferred_numa_node": 0,
        "rss_processor_array_offset": size,          # NDIS_SIZEOF of the revision, also when it is open
        "rss_processor_count": len(cpus),
        "rss_processor_entry_size": C.RSS_PROCESSOR_ENTRY_SIZE,
        "rss_profile": (4 if profile is None or isinstance(profile.value, str) else profile.value
                        if isinstance(profile.value, int) else KeywordValue(profile.name)),
    })
    record = reader.record("rss_processors", RSS_PROCESSORS_FIELDS, raw, defaults, extra=("processors",))
    return RssProcessors.of(record, tuple(processors))


def _required_id(reader: _Reader, path: str, raw: Mapping[str, Any]) -> int:
    if "id" not in raw:
        raise reader.error(f"{path}.id", "missing required field", "an integer id")
    return reader.integer(f"{path}.id", raw["id"], 0, C.ULONG_MAX)


def _check_unique(reader: _Reader, path: str, ids: list[int]) -> None:
    seen: set[int] = set()
    for index, identifier in enumerate(ids):
        if identifier in seen:
            raise reader.error(f"{path}[{index}].id", f"duplicate id {identifier}", "ids that differ")
        seen.add(identifier)


def _msix(reader: _Reader, raw: Any) -> Msix:
    table = reader.table("msix", raw)
    record = reader.record("msix", MSIX_FIELDS, table, {}, extra=("vectors",))
    entries = reader.array("msix.vectors", table.get("vectors", []), MAX_VECTORS)
    vectors: list[Vector] = []
    for index, entry in enumerate(entries):
        path = f"msix.vectors[{index}]"
        entry = reader.table(path, entry)
        identifier = _required_id(reader, path, entry)
        kind = entry.get("kind")
        if kind not in ("data", "other"):
            raise reader.error(f"{path}.kind", "missing or unknown vector kind", '"data" or "other"', kind,
                               True)
        if kind == "data" and "cpu" not in entry:
            raise reader.error(f"{path}.cpu", "missing required field", 'a data vector\'s target processor')
        body = {k: v for k, v in entry.items() if k not in ("id", "kind")}
        vectors.append(Vector(reader.record(path, VECTOR_FIELDS, body, {}), identifier, kind, "cpu" in entry))
    _check_unique(reader, "msix.vectors", [v.id for v in vectors])
    return Msix(record, tuple(vectors))


def _processor_list(reader: _Reader, path: str, raw: Any, limit: int) -> tuple[int, ...]:
    entries = reader.array(path, raw, limit)
    return tuple(reader.processor(f"{path}[{i}]", entry) for i, entry in enumerate(entries))


def _vports(reader: _Reader, raw: Any) -> tuple[VPort, ...]:
    result: list[VPort] = []
    for index, entry in enumerate(reader.array("vports", raw, MAX_VPORTS)):
        path = f"vports[{index}]"
        entry = reader.table(path, entry)
        identifier = _required_id(reader, path, entry)
        if "num_queue_pairs" not in entry:
            raise reader.error(f"{path}.num_queue_pairs", "missing required field", "an integer")
        attached = entry.get("attached", "pf")
        match = re.fullmatch(r"vf:(\d{1,5})", attached) if isinstance(attached, str) else None
        if attached == "pf":
            function_id = C.NDIS_PF_FUNCTION_ID
        elif match and int(match.group(1)) < C.NDIS_PF_FUNCTION_ID:
            function_id = int(match.group(1))
        else:
            raise reader.error(f"{path}.attached", "bad attachment", '"pf" or "vf:N"', attached, True)
        affinity = _processor_list(reader, f"{path}.processor_affinity", entry.get("processor_affinity", []), 64)
        per_group = C.procs_per_group(reader.arch)
        if len({cpu // per_group for cpu in affinity}) > 1:
            raise reader.error(f"{path}.processor_affinity", "processors of one group expected (GROUP_AFFINITY)",
                               "one group", entry["processor_affinity"], True)
        table = (_processor_list(reader, f"{path}.indirection_table", entry["indirection_table"],
                                 MAX_TABLE_ENTRIES) if "indirection_table" in entry else None)
        if table is not None and "indirection_table_size" in entry and entry["indirection_table_size"] != len(table):
            raise reader.error(f"{path}.indirection_table_size", "disagrees with indirection_table",
                               f"{len(table)} (its number of entries)", entry["indirection_table_size"], True)
        defaults: dict[str, Value] = {
            "attached_function_id": function_id, "vmmq": False, "rss_type": C.NDIS_OBJECT_TYPE_RSS_PARAMETERS,
            "rss_revision": 3, "rss_size": C.RSS_PARAMETERS_SIZES[3], "hash_information": C.DEFAULT_HASH_INFORMATION,
            "hash_secret_key_size": 40, "hash_secret_key": DEFAULT_HASH_SECRET_KEY,
            "indirection_table_size": len(table) if table is not None else 0,
            "type": C.NDIS_OBJECT_TYPE_DEFAULT, "revision": 1,
        }
        if table:
            defaults["default_processor"] = table[0]
        body = {k: v for k, v in entry.items()
                if k not in ("id", "attached", "processor_affinity", "indirection_table")}
        if "attached_function_id" in body:
            raise reader.error(f"{path}.attached_function_id", "unknown key 'attached_function_id'; "
                                                                "did you mean 'attached'?")
        record = reader.record(path, VPORT_FIELDS, body, defaults)
        has_default = "default_processor" in record.given or bool(table)
        result.append(VPort(record, identifier, affinity, table, has_default))
    _check_unique(reader, "vports", [v.id for v in result])
    return tuple(result)


def _queues(reader: _Reader, raw: Any) -> tuple[Queue, ...]:
    result: list[Queue] = []
    for index, entry in enumerate(reader.array("queues", raw, MAX_QUEUES)):
        path = f"queues[{index}]"
        entry = reader.table(path, entry)
        identifier = _required_id(reader, path, entry)
        if "cpu" not in entry:
            raise reader.error(f"{path}.cpu", "missing required field", 'the queue\'s processor "group:number"')
        body = {k: v for k, v in entry.items() if k != "id"}
        record = reader.record(path, QUEUE_FIELDS, body, {})
        result.append(Queue(record, identifier, "msix_entry" in entry))
    _check_unique(reader, "queues", [q.id for q in result])
    return tuple(result)


def _choice(reader: _Reader, path: str, value: Any, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise reader.error(path, "unknown setting" + (_did_you_mean(value, choices) if isinstance(value, str)
                                                      else ""),
                           " | ".join(choices), value, True)
    return value


def _policy(reader: _Reader, raw: Any) -> Policy:
    table = reader.table("policy", raw)
    reader.unknown_keys("policy", table, list(READINGS) + ["disable", "severity", "suppress"])
    disable = reader.array("policy.disable", table.get("disable", []), 1000)
    for index, rule_id in enumerate(disable):
        if not isinstance(rule_id, str) or not RULE_ID.fullmatch(rule_id):
            raise reader.error(f"policy.disable[{index}]", "bad rule id", 'a catalog id such as "VMQ-IRQ-5"',
                               rule_id, True)
    severity = reader.table("policy.severity", table.get("severity", {}))
    for rule_id, level in severity.items():
        if not RULE_ID.fullmatch(rule_id):
            raise reader.error(f"policy.severity.{rule_id}", "bad rule id", 'a catalog id such as "VMQ-IRQ-5"',
                               rule_id, True)
        _choice(reader, f"policy.severity.{rule_id}", level, SEVERITIES)
    readings = {key: _choice(reader, f"policy.{key}", table.get(key, reading_default(key)), choices)
                for key, choices in READINGS.items()}
    suppress = parse_suppressions(
        table.get("suppress", []), "policy.suppress",
        lambda path, message, expected, given: reader.error(path, message, expected, given, given is not None),
        lambda path: f"{reader.file}:{reader.line_of(path)}" if reader.line_of(path) else reader.file, False)
    return Policy(**readings, disable=tuple(disable), severity=dict(severity), suppress=suppress)
