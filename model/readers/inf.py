"""Reading a driver INF file: its models and, per model, the keyword declarations and direct value writes.

Encodings as Windows accepts them (UTF-16LE/BE with BOM, UTF-8 with or without BOM, ANSI), CRLF or LF, `;`
comments outside quotes, `\\` line continuation, `%token%` substitution from `[Strings]` (overlaid by the US English
`[Strings.0409]`), case-insensitive section, value and keyword names. `@NAME@` template placeholders are kept
literally and listed, never an error. Bad input is a ConfigError naming the file and line.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from vmqproof.model.config import constants as C, keywords as K
from vmqproof.model.config.declarations import InfDeclaration, InfModel, InfWrite, ParamValue, parse_number
from vmqproof.model.config.errors import ConfigError
from vmqproof.model.config.loader import build_config
from vmqproof.model.config.schema import Config

INF_SUFFIXES = (".inf", ".inx")        # .inx: the template a driver build turns into its .inf
MAX_FILE_BYTES = 16 * 1024 * 1024
MAX_ONE_OF = 4096
NCF_VIRTUAL = 0x1
PLACEHOLDER = re.compile(r"@[A-Za-z_][A-Za-z0-9_]*@")
PARAMS = re.compile(r"^ndi\\params\\([^\\]+)(\\enum)?$", re.IGNORECASE)
INF_SECTIONS = ("version", "manufacturer", "strings", "sourcedisksnames", "sourcedisksfiles", "destinationdirs")


# -- text ---------------------------------------------------------------------------------------------

def decode_text(data: bytes, file: str, what: str = "INF") -> str:
    """Bytes in any encoding Windows writes text in → str; undecodable or binary input is a ConfigError."""
    if len(data) > MAX_FILE_BYTES:
        raise ConfigError("file too large", file=file, expected=f"at most {MAX_FILE_BYTES} bytes",
                          given=f"{len(data)} bytes")
    encoding = None
    if data.startswith(b"\xff\xfe"):
        encoding, data = "utf-16-le", data[2:]
    elif data.startswith(b"\xfe\xff"):
        encoding, data = "utf-16-be", data[2:]
    elif data.startswith(b"\xef\xbb\xbf"):
        encoding, data = "utf-8", data[3:]
    elif len(data) >= 4 and b"\x00" in data:
        even, odd = data[0::2], data[1::2]
        if odd.count(0) > len(odd) * 0.9 and even.count(0) < len(even) * 0.1:
            encoding = "utf-16-le"
        elif even.count(0) > len(even) * 0.9 and odd.count(0) < len(odd) * 0.1:
            encoding = "utf-16-be"
        else:
            raise ConfigError("binary file", file=file, expected=f"{what} text")
    try:
        if encoding is not None:
            text = data.decode(encoding)
        else:
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                text = data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"cannot decode as {encoding or 'UTF-8 or ANSI (cp1252)'}", file=file,
                          expected=f"{what} text", given=f"bytes at offset {exc.start}") from None
    bad = re.search(r"[\x00-\x08\x0b\x0e-\x19\x1b-\x1f\x7f]", text)
    if bad is not None:
        line = text.count("\n", 0, bad.start()) + 1
        raise ConfigError("binary file", file=file, line=line, expected=f"{what} text",
                          given=f"control character 0x{ord(bad.group()):02x}")
    return text


def physical_lines(text: str) -> list[str]:
    return re.split(r"\r\n|\r|\n", text)


def _strip_comment(line: str) -> str:
    quoted = False
    for index, char in enumerate(line):
        if char == '"':
            quoted = not quoted
        elif char == ";" and not quoted:
            return line[:index]
    return line


def _split(text: str, separator: str) -> list[str]:
    """Split at `separator` outside quotes (quotes kept)."""
    parts, current, quoted = [], [], False
    for char in text:
        if char == '"':
            quoted = not quoted
        if char == separator and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


def _unquote(text: str) -> str:
    """Remove the quotes of an INF field: `"a""b"` → `a"b`; text outside quotes is stripped."""
    text = text.strip()
    out, index, quoted = [], 0, False
    while index < len(text):
        char = text[index]
        if char == '"':
            if quoted and text[index + 1:index + 2] == '"':
                out.append('"')
                index += 2
                continue
            quoted = not quoted
        else:
            out.append(char)
        index += 1
    return "".join(out).strip()


@dataclass(frozen=True, slots=True)
class Entry:
    line: int
    key: str | None           # left of `=` (substituted, unquoted), None for a plain field list
    fields: tuple[str, ...]   # right of `=` (or the whole line), split at commas, unquoted, substituted


@dataclass(frozen=True, slots=True)
class Section:
    name: str
    line: int
    entries: tuple[Entry, ...]


@dataclass(frozen=True, slots=True)
class InfFile:
    path: str
    sections: Mapping[str, Section]                 # lower-cased name → merged section
    models: tuple[InfModel, ...]
    placeholders: tuple[tuple[str, int], ...]

    def section(self, name: str) -> Section | None:
        return self.sections.get(name.lower())


def _logical_lines(text: str) -> list[tuple[int, str]]:
    result: list[tuple[int, str]] = []
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(physical_lines(text), start=1):
        line = _strip_comment(raw).rstrip()
        if not pending:
            start = number
        if line.endswith("\\") and not line.strip().startswith("["):
            pending.append(line[:-1])
            continue
        pending.append(line)
        joined = "".join(pending).strip()
        pending = []
        if joined:
            result.append((start, joined))
    if pending and "".join(pending).strip():
        result.append((start, "".join(pending).strip()))
    return result


def _raw_sections(file: str, text: str) -> dict[str, tuple[str, int, list[tuple[int, str]]]]:
    sections: dict[str, tuple[str, int, list[tuple[int, str]]]] = {}
    current: list[tuple[int, str]] | None = None
    for number, line in _logical_lines(text):
        if line.startswith("["):
            match = re.fullmatch(r"\[([^\]]*)\].*", line)
            if match is None:
                raise ConfigError("malformed section header", file=file, line=number,
                                  expected="[section name]", given=line[:60])
            name = match.group(1).strip()
            if not name:
                raise ConfigError("empty section name", file=file, line=number, expected="[section name]")
            key = name.lower()
            if key not in sections:
                sections[key] = (name, number, [])
            current = sections[key][2]
            continue
        if current is None:
            if re.fullmatch(r"\x1a*", line):        # a trailing Ctrl-Z
                continue
            raise ConfigError("text before the first section", file=file, line=number,
                              expected="a [section] header first", given=line[:60])
        current.append((number, line))
    return sections


def _strings(sections: Mapping[str, tuple[str, int, list[tuple[int, str]]]]) -> dict[str, str]:
    table: dict[str, str] = {}
    for name in ("strings", "strings.0409"):
        for _, line in sections.get(name, ("", 0, []))[2]:
            parts = _split(line, "=")
            if len(parts) >= 2:
                table[_unquote(parts[0]).lower()] = _unquote("=".join(parts[1:]))
    return table


def _substitute(text: str, strings: Mapping[str, str]) -> str:
    def one(match: re.Match[str]) -> str:
        token = match.group(1)
        if token == "":
            return "%"
        return strings.get(token.lower(), match.group(0))
    return re.sub(r"%([^%\r\n]*)%", one, text)


def parse_inf(data: bytes | str, file: str = "<input>") -> InfFile:
    text = decode_text(data, file) if isinstance(data, bytes) else data
    if not text.strip():
        raise ConfigError("empty file", file=file, expected="an INF file")
    raw = _raw_sections(file, text)
    strings = _strings(raw)
    sections: dict[str, Section] = {}
    for key, (name, line, lines) in raw.items():
        entries = []
        for number, content in lines:
            parts = _split(content, "=")
            if len(parts) >= 2 and not key.startswith("strings"):
                left, right = parts[0], "=".join(parts[1:])
                entry_key: str | None = _substitute(_unquote(left), strings)
            else:
                entry_key, right = None, content
            fields = tuple(_substitute(_unquote(f), strings) for f in _split(right, ","))
            entries.append(Entry(number, entry_key, fields))
        sections[key] = Section(name, line, tuple(entries))
    placeholders: dict[str, int] = {}
    for number, line in _logical_lines(text):
        for match in PLACEHOLDER.finditer(line):
            placeholders.setdefault(match.group(), number)
    found = tuple(sorted(placeholders.items(), key=lambda item: item[1]))
    partial = InfFile(file, sections, (), found)
    return dataclasses.replace(partial, models=_models(partial))


# -- models -------------------------------------------------------------------------------------------

def _models(inf: InfFile) -> tuple[InfModel, ...]:
    manufacturer = inf.section("manufacturer")
    if manufacturer is None:
        raise ConfigError("no [Manufacturer] section", file=inf.path,
                          expected="an INF with a [Manufacturer] section naming its models")
    grouped: dict[str, tuple[str, str, list[str], int]] = {}
    order: list[str] = []
    for entry in manufacturer.entries:
        if not entry.fields or not entry.fields[0]:
            raise ConfigError("no models section named", file=inf.path, line=entry.line,
                              expected="<manufacturer> = <models section>[, <TargetOSVersion>…]")
        base, decorations = entry.fields[0], [d for d in entry.fields[1:] if d]
        names = [f"{base}.{d}" for d in decorations]
        found = [n for n in names if inf.section(n) is not None]
        if not found and inf.section(base) is not None:
            found = [base]
        if not found:
            raise ConfigError(f"models section [{names[0] if names else base}] not found", file=inf.path,
                              line=entry.line, expected="a models section for each [Manufacturer] entry")
        for name in found:
            section = inf.section(name)
            assert section is not None
            for model in section.entries:
                if not model.fields or not model.fields[0]:
                    raise ConfigError("no install section named", file=inf.path, line=model.line,
                                      expected="<description> = <install section>, <hardware id>…")
                install = model.fields[0]
                key = install.lower()
                if key not in grouped:
                    grouped[key] = (install, model.key or "", [], model.line)
                    order.append(key)
                grouped[key][2].extend(h for h in model.fields[1:] if h and h not in grouped[key][2])
    if not order:
        raise ConfigError("no device models", file=inf.path, line=manufacturer.line,
                          expected="at least one model line in a models section")
    return tuple(_model(inf, *grouped[key]) for key in order)


def _install_section(inf: InfFile, name: str) -> Section | None:
    for candidate in (f"{name}.ntamd64", f"{name}.nt", name):
        section = inf.section(candidate)
        if section is not None:
            return section
    return None


def _model(inf: InfFile, install: str, description: str, hardware_ids: list[str], line: int) -> InfModel:
    section = _install_section(inf, install)
    if section is None:
        raise ConfigError(f"install section [{install}] not found", file=inf.path, line=line,
                          expected="the install section a model names")
    characteristics = 0
    addreg: list[tuple[str, int]] = []
    for entry in section.entries:
        directive = (entry.key or "").lower()
        if directive == "addreg":
            addreg.extend((name, entry.line) for name in entry.fields if name)
        elif directive == "characteristics":
            characteristics = parse_number(entry.fields[0] if entry.fields else None) or 0
    declared: dict[str, tuple[str, int, list[ParamValue], list[ParamValue]]] = {}
    writes: list[InfWrite] = []
    for name, where in addreg:
        reg = inf.section(name)
        if reg is None:
            raise ConfigError(f"AddReg section [{name}] not found", file=inf.path, line=where,
                              expected="the AddReg sections an install section names")
        for entry in reg.entries:
            fields = list(entry.fields) if entry.key is None else [entry.key, *entry.fields]
            if len(fields) < 3 or fields[0].strip().upper() != "HKR":
                continue
            subkey, value_name = fields[1].strip().strip("\\"), fields[2].strip()
            value = fields[4] if len(fields) > 4 else ""
            if not subkey:
                if value_name:
                    writes.append(InfWrite(value_name, value, entry.line))
                continue
            match = PARAMS.match(subkey)
            if match is None:
                continue
            keyword = match.group(1).strip()
            slot = declared.setdefault(keyword.lower(), (keyword, entry.line, [], []))
            target = slot[3] if match.group(2) else slot[2]
            target.append(ParamValue(value_name if match.group(2) else value_name.lower(), value, entry.line))
    declarations = tuple(InfDeclaration(kw, first, tuple(values), tuple(enum))
                         for kw, first, values, enum in declared.values())
    text = " ".join([install, description, *hardware_ids])
    role = "vf" if re.search(r"(\bVF\b|_VF\b|\bVF_|virtual function)", text, re.IGNORECASE) else "pf"
    return InfModel(install, description, tuple(hardware_ids), line, role, bool(characteristics & NCF_VIRTUAL),
                    declarations, tuple(writes), inf.placeholders)


# -- a model as a configuration -----------------------------------------------------------------------

def declared_domain(declaration: InfDeclaration) -> dict[str, Any] | None:
    """The values Advanced Properties lets a user pick, as an open `[inf]` value; None when unknown."""
    if declaration.is_enum:
        values = [v for v in declaration.numeric_enum_values() if 0 <= v <= C.ULONG_MAX]
        return {"one_of": values[:MAX_ONE_OF]} if values else None
    if declaration.is_numeric:
        low, high = declaration.bounds()
        low, high = max(low, 0), min(high, C.ULONG_MAX)
        if low > high:
            return None
        step = declaration.number("step")
        if step is not None and step > 1 and (high - low) // step < MAX_ONE_OF:
            return {"one_of": list(range(low, high + 1, step))}
        return {"min": low, "max": high}
    return None


def model_document(model: InfModel) -> tuple[dict[str, Any], dict[str, int]]:
    """A model as a vmqproof/1 document (standardized keywords only), and the INF line of each keyword."""
    inf: dict[str, Any] = {}
    lines: dict[str, int] = {}
    for write in model.writes:
        spec = K.lookup(write.name)
        number = parse_number(write.value)
        if spec is not None and number is not None and 0 <= number <= C.ULONG_MAX:
            inf[spec.name] = number
            lines[spec.name] = write.line
    for declaration in model.declarations:
        spec = K.lookup(declaration.keyword)
        domain = declared_domain(declaration)
        if spec is not None and domain is not None:
            inf[spec.name] = domain
            lines[spec.name] = declaration.line
    adapter = {"name": model.description or model.name, "role": model.role, "virtual": model.virtual}
    return {"format": "vmqproof/1", "adapter": adapter, "inf": inf}, lines


def model_config(model: InfModel, file: str) -> Config:
    """The model as a Config: declared keywords are open `[inf]` fields over the declared values."""
    document, keyword_lines = model_document(model)
    config = build_config(document, file)
    index: dict[str, int] = {}
    for name, line in keyword_lines.items():
        index[f"inf.{name}"] = line
        index[f"inf.{name}".lower()] = line
    for declaration in model.declarations:
        base = f"ndi\\params\\{declaration.keyword}".lower()
        index[base] = declaration.line
        for value in declaration.values:
            index.setdefault(f"{base}.{value.name}", value.line)
    for write in model.writes:
        index.setdefault(f"hkr.{write.name}".lower(), write.line)
    inf = {key: dataclasses.replace(keyword, line=keyword_lines.get(keyword.name, keyword.line))
           for key, keyword in config.inf.items()}
    return dataclasses.replace(config, inf=inf, lines=index, inf_source=model)


def load_inf(data: bytes | str, file: str = "<input>") -> tuple[InfFile, list[Config]]:
    inf = parse_inf(data, file)
    return inf, [model_config(model, file) for model in inf.models]


def looks_like_inf(text: str) -> bool:
    headers = {m.group(1).strip().lower() for m in re.finditer(r"(?m)^\s*\[([^\]\r\n]*)\]", text)}
    if headers & set(INF_SECTIONS):
        return True
    return bool(re.search(r"(?im)^\s*HKR\s*,", text))
