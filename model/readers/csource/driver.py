"""A driver source tree as configurations: its `.c`/`.h` files read for the capability structures, its
`.inf`/`.inx` files for the keywords, one configuration per INF model and NDIS version.

NDIS versions: `--ndis` gives one; else the versions the tree's own `#define NDIS6xx_MINIPORT` lines build for;
else one per range of versions the `#if NDIS_SUPPORT_NDIS6xx` conditions tell apart (its lowest version; below
the lowest threshold only from NDIS 6.20 on, where VMQ starts); else 6.60, the format's default.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import product
from pathlib import Path
from typing import Any

from vmqproof.model.config import constants as C
from vmqproof.model.config.declarations import InfModel
from vmqproof.model.config.errors import ConfigError
from vmqproof.model.config.fields import FieldSpec, Kind
from vmqproof.model.config.loader import build_config
from vmqproof.model.config.schema import Config, FieldSource
from vmqproof.model.readers.csource.interpret import FieldState, Interpreter, SectionRead, Unit
from vmqproof.model.readers.csource.layout import C_SUFFIXES, INF_SUFFIXES
from vmqproof.model.readers.csource.preprocess import Preprocessor, version_of_symbol
from vmqproof.model.readers.csource.syntax import error_lines, parse
from vmqproof.model.readers.inf import decode_text, model_config, model_document, parse_inf

Version = tuple[int, int]
DEFAULT_NDIS = "6.60"
FIRST_VMQ_VERSION = (6, 20)
HEADER_FIELDS = ("type", "revision", "size")
_VERSION_SYMBOL = re.compile(r"\bNDIS(?:_SUPPORT_NDIS\d+|\d+_MINIPORT)\b")


@dataclass(frozen=True, slots=True)
class DriverVariant:
    """One configuration of the tree: an INF model (or none) at one NDIS version."""

    label: str | None                    # prefix of the instances when the tree has several variants
    ndis: str
    model: InfModel | None
    inf_file: str | None
    sections: dict[str, dict[str, Any]]   # the capability sections as a vmqproof/1 document part
    sources: dict[str, FieldSource]
    notes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DriverTree:
    path: str
    variants: tuple[DriverVariant, ...]
    notes: tuple[str, ...]               # notes of the whole tree (files that do not parse, INF problems)


@dataclass(frozen=True, slots=True)
class _Source:
    file: str
    text: str


def _files(root: Path, suffixes: tuple[str, ...]) -> list[Path]:
    found = [p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in suffixes]
    # headers first: their #defines are seen by every .c file (one macro table for the tree, in this order)
    return sorted(found, key=lambda p: (p.suffix.lower() != ".h", str(p.relative_to(root)).lower()))


def _read_sources(root: Path, shown: str, notes: list[str]) -> list[_Source]:
    sources = []
    for path in _files(root, C_SUFFIXES):
        file = str(Path(shown) / path.relative_to(root))
        try:
            text = decode_text(path.read_bytes(), file, "C source")
        except ConfigError as exc:
            notes.append(f"{exc.one_line()}; the file is not read")
            continue
        except OSError as exc:
            notes.append(f"{file}: cannot read: {exc.strerror or exc}; the file is not read")
            continue
        sources.append(_Source(file, text.replace("\r\n", "\n").replace("\r", "\n")))
    return sources


def _version_name(version: Version) -> str:
    for name in C.NDIS_VERSIONS:
        if C.ndis_tuple(name) >= version:
            return name
    return C.NDIS_VERSIONS[-1]


def build_versions(sources: Iterable[_Source]) -> list[str]:
    """The NDIS versions the tree is read at (see the module docstring)."""
    builds: set[Version] = set()
    thresholds: set[Version] = set()
    for source in sources:
        for line in source.text.split("\n"):
            stripped = line.strip()
            if not stripped.startswith("#"):
                continue
            for match in _VERSION_SYMBOL.finditer(stripped):
                version = version_of_symbol(match.group())
                if version is None:
                    continue
                if re.match(r"#\s*define\b", stripped) and match.group().endswith("_MINIPORT"):
                    builds.add(version)
                elif re.match(r"#\s*(el)?if", stripped):
                    thresholds.add(version)
    if builds:
        return sorted({_version_name(v) for v in builds}, key=C.ndis_tuple)
    if not thresholds:
        return [DEFAULT_NDIS]
    names = {_version_name(v) for v in thresholds}
    lowest = min(C.ndis_tuple(n) for n in names)
    below = [n for n in C.NDIS_VERSIONS if FIRST_VMQ_VERSION <= C.ndis_tuple(n) < lowest]
    if below:
        names.add(below[-1])
    return sorted(names, key=C.ndis_tuple)


class _ParseCache:
    """One tree-sitter parse per distinct preprocessed text (versions that select the same lines share it)."""

    def __init__(self) -> None:
        self.trees: dict[str, Any] = {}
        self.reported: set[str] = set()

    def unit(self, file: str, text: str, notes: list[str]) -> Unit:
        tree = self.trees.get(text)
        if tree is None:
            tree = parse(text.encode("utf-8"))
            self.trees[text] = tree
        lines = error_lines(tree)
        if lines and file not in self.reported:
            self.reported.add(file)
            shown = ", ".join(str(n) for n in lines[:8]) + (", …" if len(lines) > 8 else "")
            notes.append(f"{file}:{lines[0]}: does not parse as C (syntax errors at line{'s' if len(lines) > 1 else ''} "
                         f"{shown}); the rest of the file and of the tree is read")
        return Unit(file, tree.root_node)


def _read_version(sources: list[_Source], version: str, cache: _ParseCache,
                  tree_notes: list[str]) -> tuple[list[SectionRead], list[str]]:
    notes: list[str] = []
    preprocessor = Preprocessor(C.ndis_tuple(version))
    selected = [(s.file, preprocessor.select(s.text, s.file)) for s in sources]
    units = [cache.unit(file, preprocessor.clean(text), tree_notes) for file, text in selected]
    notes.extend(preprocessor.notes)
    interpreter = Interpreter(units, C.ndis_tuple(version), preprocessor.macros, notes)
    interpreter.run()
    return interpreter.sections(), notes


def _flag_names(spec: FieldSpec, value: int, ndis: Version) -> list[str | int] | int:
    """A flag value as the names of its bits (as NDIS `ndis` names them), bits without a name as an integer."""
    if spec.flags is None or value == 0:
        return value
    names: list[str | int] = [n for n in spec.flags.names_of(value, ndis) if not n.startswith("0x")]
    rest = value & ~sum(spec.flags.by_name()[n] for n in names if isinstance(n, str))
    return names + ([rest] if rest else [])


def _section_document(read: SectionRead, notes: list[str], ndis: Version) -> tuple[dict[str, Any],
                                                                                   dict[str, FieldSource]]:
    """A section as the vmqproof/1 table: header fields always, other fields when not 0; open values for
    fields the paths give several values, `"?"` for unresolved ones (each listed in the notes)."""
    table: dict[str, Any] = {}
    sources: dict[str, FieldSource] = {}
    for _, spec in read.family.members:
        state = read.fields.get(spec.name, FieldState(unresolved=(read.slots[0].origin, "never set")))
        path = f"{read.section}.{spec.name}"
        if state.unresolved is not None:
            origin, reason = state.unresolved
            table[spec.name] = "?"
            sources[path] = FieldSource(origin.file, origin.line)
            notes.append(f"{origin}: {path} is open over its type range: {reason}")
            continue
        values = sorted({c.value for c in state.choices})
        by_value: dict[int, tuple[str, int]] = {}
        for choice in sorted(state.choices, key=lambda c: (c.origin.file, c.origin.line)):
            by_value.setdefault(choice.value, (choice.origin.file, choice.origin.line))
        first = min(state.choices, key=lambda c: (c.origin.file, c.origin.line)).origin
        sources[path] = FieldSource(first.file, first.line, by_value if len(values) > 1 else {})
        if values == [0] and spec.name not in HEADER_FIELDS:
            continue
        shown = [_flag_names(spec, v, ndis) if spec.kind is Kind.FLAGS else v for v in values]
        table[spec.name] = shown[0] if len(shown) == 1 else {"one_of": shown}
    if not read.attached:
        names = ", ".join(f"{s.name} ({s.origin})" for s in read.slots)
        notes.append(f"{read.slots[0].origin}: {read.section} is read from {names}: no attribute member receives "
                     "it, so the variable's name says hardware or current")
    return table, sources


def _sections_document(reads: list[SectionRead], notes: list[str], ndis: Version) -> tuple[dict[str, Any],
                                                                                        dict[str, FieldSource]]:
    document: dict[str, Any] = {}
    sources: dict[str, FieldSource] = {}
    for read in reads:
        table, found = _section_document(read, notes, ndis)
        group, _, part = read.section.partition(".")
        if part:
            document.setdefault(group, {})[part] = table
        else:
            document[group] = table
        sources.update(found)
    return document, sources


def _read_infs(root: Path, shown: str, notes: list[str], arch: str | None = None) -> list[tuple[str, InfModel]]:
    models: list[tuple[str, InfModel]] = []
    for path in _files(root, INF_SUFFIXES):
        file = str(Path(shown) / path.relative_to(root))
        try:
            inf = parse_inf(path.read_bytes(), file, arch)
        except ConfigError as exc:
            notes.append(f"{exc.one_line()}; the INF is not read")
            continue
        models.extend((file, model) for model in inf.models)
    return models


def read_driver(path: str | Path, ndis: str | None = None, arch: str | None = None) -> DriverTree:
    """Read a driver source tree (its INF models for `arch`, default as parse_inf chooses); ConfigError when it has
    no C source or no capability structure."""
    root = Path(path)
    shown = str(path)
    if not root.is_dir():
        raise ConfigError("not a directory", file=shown, expected="a driver source tree")
    if ndis is not None and ndis not in C.NDIS_VERSIONS:
        raise ConfigError("unknown NDIS version", file="--ndis", expected='a version such as "6.60"', given=ndis)
    notes: list[str] = []
    sources = _read_sources(root, shown, notes)
    if not sources:
        raise ConfigError("no C source to read", file=shown, expected="a driver tree with .c files")
    versions = [ndis] if ndis is not None else build_versions(sources)
    cache = _ParseCache()
    per_version: dict[str, tuple[dict[str, Any], dict[str, FieldSource], list[str]]] = {}
    for version in versions:
        reads, version_notes = _read_version(sources, version, cache, notes)
        if reads:
            document, found = _sections_document(reads, version_notes, C.ndis_tuple(version))
            per_version[version] = (document, found, version_notes)
    if not per_version:
        files = f"{len(sources)} C file" + ("" if len(sources) == 1 else "s")
        raise ConfigError(f"no capability structure found in {files}", file=shown,
                          expected="code filling NDIS_RECEIVE_FILTER_CAPABILITIES, NDIS_NIC_SWITCH_CAPABILITIES or "
                                   "NDIS_RECEIVE_SCALE_CAPABILITIES")
    models: list[tuple[str | None, InfModel | None]] = list(_read_infs(root, shown, notes, arch)) or [(None, None)]
    several_models = len(models) > 1
    several_versions = len(per_version) > 1
    variants = []
    for (inf_file, model), version in product(models, per_version):
        document, found, version_notes = per_version[version]
        parts = ([model.name] if several_models and model is not None else []) + \
            ([f"NDIS {version}"] if several_versions else [])
        variants.append(DriverVariant(", ".join(parts) or None, version, model, inf_file, document, found,
                                      tuple(version_notes)))
    return DriverTree(shown, tuple(variants), tuple(notes))


def variant_document(tree: DriverTree, variant: DriverVariant) -> dict[str, Any]:
    """The variant as a vmqproof/1 document (what `import` writes)."""
    if variant.model is not None:
        document, _ = model_document(variant.model)
    else:
        document = {"format": "vmqproof/1", "adapter": {"name": Path(tree.path).name or tree.path}}
    document["adapter"] = {**document["adapter"], "ndis": variant.ndis}
    for key, value in variant.sections.items():
        document[key] = value
    return document


def variant_config(tree: DriverTree, variant: DriverVariant) -> Config:
    """The variant as a Config whose fields know their C (and INF) source lines."""
    sources: dict[str, FieldSource] = dict(variant.sources)
    if variant.model is not None and variant.inf_file is not None:
        extra: Mapping[str, Any] = {"adapter": {"ndis": variant.ndis}, **variant.sections}
        config = model_config(variant.model, variant.inf_file, extra)
        for keyword in config.inf.values():
            if keyword.line is not None:
                sources[f"inf.{keyword.name}"] = FieldSource(variant.inf_file, keyword.line)
                sources[f"inf.{keyword.name}".lower()] = sources[f"inf.{keyword.name}"]
    else:
        config = build_config(variant_document(tree, variant), tree.path)
    return dataclasses.replace(config, path=tree.path, sources=sources, notes=tree.notes + variant.notes)


def load_driver(path: str | Path, ndis: str | None = None,
                arch: str | None = None) -> list[tuple[str | None, Config]]:
    tree = read_driver(path, ndis, arch)
    return [(variant.label, variant_config(tree, variant)) for variant in tree.variants]
