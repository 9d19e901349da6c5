"""Reading a driver INF file: its models and, per model, the keyword declarations and direct value writes.

Encodings as Windows accepts them (UTF-16LE/BE with BOM, UTF-8 with or without BOM, ANSI), CRLF or LF, `;`
comments outside quotes, `\\` line continuation, `%token%` substitution from `[Strings]` (overlaid by the US English
`[Strings.0409]`), case-insensitive section, value and keyword names. Templates (`.inx`, or a file with `@NAME@`
placeholders): a value holding a placeholder, or in a template a bare macro name, is unexpanded (open, never an
error), and an `.inx`'s preprocessor lines are skipped. An include fragment (HKR lines before any section header,
no [Manufacturer]) is one anonymous install section. Models and install sections are chosen for one architecture
(platform decorations `.NT<arch>`, `.NT`, none: the most specific wins). Bad input is a ConfigError naming the
file and line.
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
# A bare build-time macro name as a whole value in a template: upper case, digits and at least one underscore
# (`INX_NETKVM_SEPARATE_TAIL`); ordinary words (`Enabled`, `TRUE`) are values, so their typos are still caught.
MACRO = re.compile(r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+")
# A platform decoration's architecture spelled as a template token (`NT$ARCH$`, `NT@INF_ARCH@`): every one.
ARCH_TOKEN = re.compile(r"\$[A-Za-z_][A-Za-z0-9_]*\$|@[A-Za-z_][A-Za-z0-9_]*@")
# The C preprocessor lines of an .inx a build runs through the preprocessor; they are not INF lines.
PREPROCESSOR = re.compile(r"#\s*(include|define|undef|if|ifdef|ifndef|elif|else|endif|pragma|error|line)\b")
ARCHITECTURES = ("amd64", "arm64", "x86")          # the ones a configuration has (adapter.arch), default first
FRAGMENT = "(fragment)"                            # the model name of an include fragment
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
    template: bool = False                          # an .inx, or a file with @NAME@ placeholders
    fragment: Section | None = None                 # the lines before the first section header

    def section(self, name: str) -> Section | None:
        return self.sections.get(name.lower())


def _logical_lines(text: str, preprocessed: bool = False) -> list[tuple[int, str]]:
    result: list[tuple[int, str]] = []
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(physical_lines(text), start=1):
        if preprocessed and not pending and PREPROCESSOR.match(raw.lstrip()):
            continue
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


RawSections = dict[str, tuple[str, int, list[tuple[int, str]]]]


def _raw_sections(file: str, lines: list[tuple[int, str]]) -> tuple[RawSections, list[tuple[int, str]]]:
    """The sections by lower-cased name, and the lines before the first section header."""
    sections: RawSections = {}
    leading: list[tuple[int, str]] = []
    current = leading
    for number, line in lines:
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
        if current is leading and re.fullmatch(r"\x1a*", line):      # a trailing Ctrl-Z
            continue
        current.append((number, line))
    return sections, leading


def _strings(sections: RawSections) -> dict[str, str]:
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


def _entries(lines: list[tuple[int, str]], strings: Mapping[str, str], keyed: bool = True) -> tuple[Entry, ...]:
    entries = []
    for number, content in lines:
        parts = _split(content, "=")
        if len(parts) >= 2 and keyed:
            left, right = parts[0], "=".join(parts[1:])
            entry_key: str | None = _substitute(_unquote(left), strings)
        else:
            entry_key, right = None, content
        fields = tuple(_substitute(_unquote(f), strings) for f in _split(right, ","))
        entries.append(Entry(number, entry_key, fields))
    return tuple(entries)


def parse_inf(data: bytes | str, file: str = "<input>", arch: str | None = None) -> InfFile:
    """The INF's sections and its models for `arch` (None: amd64 when the INF has models for it, else the first
    architecture its [Manufacturer] decorations name)."""
    text = decode_text(data, file) if isinstance(data, bytes) else data
    if not text.strip():
        raise ConfigError("empty file", file=file, expected="an INF file")
    lines = _logical_lines(text, preprocessed=file.lower().endswith(".inx"))
    raw, leading = _raw_sections(file, lines)
    if leading and ("manufacturer" in raw or not any(_is_hkr(line) for _, line in leading)):
        number, line = leading[0]
        raise ConfigError("text before the first section", file=file, line=number,
                          expected="a [section] header first (or an include fragment of HKR lines)",
                          given=line[:60])
    strings = _strings(raw)
    sections = {key: Section(name, line, _entries(content, strings, not key.startswith("strings")))
                for key, (name, line, content) in raw.items()}
    placeholders: dict[str, int] = {}
    for number, line in lines:
        for match in PLACEHOLDER.finditer(line):
            placeholders.setdefault(match.group(), number)
    found = tuple(sorted(placeholders.items(), key=lambda item: item[1]))
    fragment = Section(FRAGMENT, leading[0][0], _entries(leading, strings)) if leading else None
    partial = InfFile(file, sections, (), found, file.lower().endswith(".inx") or bool(found), fragment)
    return dataclasses.replace(partial, models=_models(partial, arch))


def _is_hkr(line: str) -> bool:
    return re.match(r"\s*HKR\s*,", line, re.IGNORECASE) is not None


# -- models -------------------------------------------------------------------------------------------

def _decoration_arch(decoration: str) -> str:
    """The architecture of a TargetOSVersion decoration (`NTamd64.10.0...16299` → amd64); "" when it names
    none (`NT`, `NT$ARCH$`), so that it applies to every architecture."""
    match = re.match(r"nt([^.]*)", decoration.strip(), re.IGNORECASE)
    if match is None or not match.group(1) or ARCH_TOKEN.fullmatch(match.group(1)):
        return ""
    return match.group(1).lower()


def _applies(decoration: str, arch: str) -> bool:
    return _decoration_arch(decoration) in ("", arch)


def _chosen_arch(inf: InfFile, manufacturer: Section) -> str:
    """amd64 when some [Manufacturer] entry applies to it, else the first architecture the decorations name."""
    named: list[str] = []
    for entry in manufacturer.entries:
        decorations = [d for d in entry.fields[1:] if d]
        if not decorations or any(_applies(d, "amd64") for d in decorations):
            return "amd64"
        named += [_decoration_arch(d) for d in decorations]
    supported = [arch for arch in named if arch in ARCHITECTURES]
    if not supported:
        raise ConfigError("no models for a supported architecture", file=inf.path, line=manufacturer.line,
                          expected="[Manufacturer] decorations for " + ", ".join(ARCHITECTURES),
                          given=", ".join(dict.fromkeys(named)))
    return supported[0]


def _models(inf: InfFile, arch: str | None = None) -> tuple[InfModel, ...]:
    if arch is not None and arch not in ARCHITECTURES:
        raise ConfigError("unknown architecture", file=inf.path, path="arch", expected=", ".join(ARCHITECTURES),
                          given=arch)
    manufacturer = inf.section("manufacturer")
    if manufacturer is None and inf.fragment is not None:
        fragment = inf.fragment
        return (_read_model(inf, fragment, FRAGMENT, "", [], fragment.line, arch or "amd64", fragment=True),)
    if manufacturer is None:
        raise ConfigError("no [Manufacturer] section", file=inf.path,
                          expected="an INF with a [Manufacturer] section naming its models")
    chosen = arch or _chosen_arch(inf, manufacturer)
    grouped: dict[str, tuple[str, str, list[str], int]] = {}
    order: list[str] = []
    for entry in manufacturer.entries:
        if not entry.fields or not entry.fields[0]:
            raise ConfigError("no models section named", file=inf.path, line=entry.line,
                              expected="<manufacturer> = <models section>[, <TargetOSVersion>…]")
        base, decorations = entry.fields[0], [d for d in entry.fields[1:] if d]
        applicable = [d for d in decorations if _applies(d, chosen)]
        if decorations and not applicable:
            continue                    # the entry lists models for other architectures only
        names = [f"{base}.{d}" for d in applicable]
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
                          expected=f"at least one model line in a models section for {chosen}")
    return tuple(_model(inf, *grouped[key], chosen) for key in order)


def _install_section(inf: InfFile, name: str, arch: str) -> Section | None:
    """The DDInstall section of a model for `arch`: [name.NT<arch>], [name.NT$ARCH$] (a template's), [name.NT],
    [name] — the most specific decoration that exists."""
    prefix = f"{name}.nt".lower()
    templated = [key for key in inf.sections if key.startswith(prefix) and ARCH_TOKEN.fullmatch(key[len(prefix):])]
    for candidate in (f"{prefix}{arch}", *templated, prefix, name):
        section = inf.section(candidate)
        if section is not None:
            return section
    return None


def _model(inf: InfFile, install: str, description: str, hardware_ids: list[str], line: int,
           arch: str) -> InfModel:
    section = _install_section(inf, install, arch)
    if section is None:
        raise ConfigError(f"install section [{install}] not found", file=inf.path, line=line,
                          expected=f"[{install}.NT{arch}], [{install}.NT] or [{install}], the install section "
                                   f"the model names for {arch}")
    return _read_model(inf, section, install, description, hardware_ids, line, arch)


def _read_model(inf: InfFile, section: Section, install: str, description: str, hardware_ids: list[str],
                line: int, arch: str, fragment: bool = False) -> InfModel:
    """A model from its install section: Characteristics, and what the AddReg sections it names declare and
    write. A fragment's own HKR lines count as an AddReg section of it (they are pasted into one)."""
    characteristics = 0
    addreg: list[tuple[str, int]] = []
    for entry in section.entries:
        directive = (entry.key or "").lower()
        if directive == "addreg":
            addreg.extend((name, entry.line) for name in entry.fields if name)
        elif directive == "characteristics":
            characteristics = parse_number(entry.fields[0] if entry.fields else None) or 0
    registry_sections = [section] if fragment else []
    for name, where in addreg:
        reg = inf.section(name)
        if reg is None:
            raise ConfigError(f"AddReg section [{name}] not found", file=inf.path, line=where,
                              expected="the AddReg sections an install section names")
        registry_sections.append(reg)
    declared: dict[str, tuple[str, int, list[ParamValue], list[ParamValue]]] = {}
    writes: list[InfWrite] = []
    macros: dict[str, int] = {}

    def unexpanded(value: str, line: int) -> bool:
        if PLACEHOLDER.search(value):
            return True
        if inf.template and MACRO.fullmatch(value.strip()):
            macros.setdefault(value.strip(), line)
            return True
        return False

    for reg in registry_sections:
        for entry in reg.entries:
            fields = list(entry.fields) if entry.key is None else [entry.key, *entry.fields]
            if len(fields) < 3 or fields[0].strip().upper() != "HKR":
                continue
            subkey, value_name = fields[1].strip().strip("\\"), fields[2].strip()
            value = fields[4] if len(fields) > 4 else ""
            if not subkey:
                if value_name:
                    writes.append(InfWrite(value_name, value, entry.line, unexpanded(value, entry.line)))
                continue
            match = PARAMS.match(subkey)
            if match is None:
                continue
            keyword = match.group(1).strip()
            slot = declared.setdefault(keyword.lower(), (keyword, entry.line, [], []))
            if match.group(2):          # an enum entry: its value is the name, the description the value
                slot[3].append(ParamValue(value_name, value, entry.line, unexpanded(value_name, entry.line)))
            else:
                slot[2].append(ParamValue(value_name.lower(), value, entry.line, unexpanded(value, entry.line)))
    declarations = tuple(InfDeclaration(kw, first, tuple(values), tuple(enum))
                         for kw, first, values, enum in declared.values())
    text = " ".join([install, description, *hardware_ids])
    role = "vf" if re.search(r"(\bVF\b|_VF\b|\bVF_|virtual function)", text, re.IGNORECASE) else "pf"
    placeholders = tuple(sorted({**macros, **dict(inf.placeholders)}.items(), key=lambda item: item[1]))
    return InfModel(install, description, tuple(hardware_ids), line, role, bool(characteristics & NCF_VIRTUAL),
                    declarations, tuple(writes), placeholders, arch, fragment)


# -- a model as a configuration -----------------------------------------------------------------------

def declared_domain(declaration: InfDeclaration) -> dict[str, Any] | str | None:
    """The values Advanced Properties lets a user pick, as an open `[inf]` value; "?" (the keyword's documented
    values) when a template leaves the bounds or enum values to the build; None when unknown."""
    if declaration.unexpanded("min", "max", "step") or any(entry.unexpanded for entry in declaration.enum):
        return "?"
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
        if spec is not None and write.unexpanded:
            inf[spec.name] = "?"            # set at build time: any of its documented values
            lines[spec.name] = write.line
        elif spec is not None and number is not None and 0 <= number <= C.ULONG_MAX:
            inf[spec.name] = number
            lines[spec.name] = write.line
    for declaration in model.declarations:
        spec = K.lookup(declaration.keyword)
        domain = declared_domain(declaration)
        if spec is not None and domain is not None:
            inf[spec.name] = domain
            lines[spec.name] = declaration.line
    adapter = {"name": model.description or model.name, "role": model.role, "virtual": model.virtual,
               "arch": model.arch}
    return {"format": "vmqproof/1", "adapter": adapter, "inf": inf}, lines


def model_config(model: InfModel, file: str, extra: Mapping[str, Any] | None = None) -> Config:
    """The model as a Config: declared keywords are open `[inf]` fields over the declared values; `extra`
    adds sections (a driver's capability structures read from its C source)."""
    document, keyword_lines = model_document(model)
    for key, value in (extra or {}).items():
        document[key] = {**document[key], **value} if isinstance(document.get(key), dict) else value
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


def load_inf(data: bytes | str, file: str = "<input>", arch: str | None = None) -> tuple[InfFile, list[Config]]:
    inf = parse_inf(data, file, arch)
    return inf, [model_config(model, file) for model in inf.models]


def looks_like_inf(text: str) -> bool:
    headers = {m.group(1).strip().lower() for m in re.finditer(r"(?m)^\s*\[([^\]\r\n]*)\]", text)}
    if headers & set(INF_SECTIONS):
        return True
    return bool(re.search(r"(?im)^\s*HKR\s*,", text))
