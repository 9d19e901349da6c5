"""Test-only: seeded *open* configurations and the enumeration of their completions (issue 13, item 2).

`generate_open(seed)` takes one of the evaluator's concrete configurations and opens 1–3 of its scalar fields
(integers, flag bitmasks, processors, booleans, INF keywords; any section) to a small domain of at most 8 values:
an integer range `{min, max}` or a `{one_of}` around the given value (so that it often crosses a rule's boundary:
the generator puts values at boundaries, and the domain adds their neighbours, 0, 1 and powers of 2), a flag
bitmask with some bits toggled, or `"?"` for an INF keyword with few documented values. The product of the domains
is capped, so every completion can be enumerated and decided by the independent evaluator.

Values are kept canonical here (processors as indexes, flags as integers) and written back in the file's spelling
(`raw`): processors as "group:number".
"""

from __future__ import annotations

import copy
import itertools
import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from vmqproof.model.config import keywords as K
from vmqproof.model.config.fields import FieldSpec, Kind
from vmqproof.model.config.schema import (
    MSIX_FIELDS, QUEUE_FIELDS, RSS_PROCESSORS_FIELDS, STRUCTURE_SECTIONS, VECTOR_FIELDS, VPORT_FIELDS,
)

MAX_VALUES = 8              # per open field
MAX_COMPLETIONS = 96        # per configuration
SCALAR_KINDS = (Kind.INT, Kind.FLAGS, Kind.PROCESSOR, Kind.BOOL)
NOT_OPENED = ("hash_secret_key",)       # a 320-bit integer: its display is hex, and no rule has a boundary in it


@dataclass(frozen=True)
class OpenField:
    """One opened field: its dotted path as vmqproof names it, where it lives in the document, its kind and the
    domain (canonical values, in the order enumerated)."""

    path: str
    container: tuple[Any, ...]        # keys from the document root to the table that holds the field
    key: str
    kind: str                         # "int" | "flags" | "bool" | "processor" | "keyword"
    values: tuple[Any, ...]
    spelling: Any                     # what the open file writes
    flag_names: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class OpenConfig:
    seed: int
    concrete: dict[str, Any]          # the configuration the fields were opened in
    document: dict[str, Any]          # the open file
    fields: tuple[OpenField, ...]
    ppg: int                          # processors per group

    def raw(self, field: OpenField, value: Any) -> Any:
        """A canonical value as the file writes it."""
        return f"{value // self.ppg}:{value % self.ppg}" if field.kind == "processor" else value

    def completions(self) -> Iterator[tuple[tuple[Any, ...], dict[str, Any]]]:
        """Every completion: (the canonical values, one per field; the concrete document). The document is one
        working copy, rewritten for each completion: use it before asking for the next."""
        work = copy.deepcopy(self.concrete)
        for choice in itertools.product(*(f.values for f in self.fields)):
            yield choice, self.fill(work, choice)

    def fill(self, work: dict[str, Any], choice: tuple[Any, ...]) -> dict[str, Any]:
        for field, value in zip(self.fields, choice):
            _table(work, field.container)[field.key] = self.raw(field, value)
        return work

    def completion(self, choice: tuple[Any, ...]) -> dict[str, Any]:
        return self.fill(copy.deepcopy(self.concrete), choice)

    def canonical(self, field: OpenField, shown: Any) -> Any:
        """A value as a report shows it (flag names with hex for unnamed bits, "group:number") in canonical form."""
        if field.kind == "flags" and isinstance(shown, list):
            names = dict(field.flag_names)
            return sum(int(item, 16) if item.startswith("0x") else names[item] for item in shown)
        if field.kind == "processor" and isinstance(shown, str):
            group, number = shown.split(":")
            return int(group) * self.ppg + int(number)
        return shown


def _table(doc: dict[str, Any], keys: tuple[Any, ...]) -> Any:
    for key in keys:
        doc = doc[key]
    return doc


def _specs(container: tuple[Any, ...]) -> dict[str, FieldSpec]:
    head = container[0]
    if head in ("receive_filter", "nic_switch"):
        fields = STRUCTURE_SECTIONS[f"{head}.{container[1]}"]
    else:
        fields = {"rss_capabilities": STRUCTURE_SECTIONS["rss_capabilities"], "rss_processors": RSS_PROCESSORS_FIELDS,
                  "vports": VPORT_FIELDS, "queues": QUEUE_FIELDS,
                  "msix": VECTOR_FIELDS if len(container) > 1 else MSIX_FIELDS}[head]
    return {spec.name: spec for spec in fields if spec.kind in SCALAR_KINDS and spec.name not in NOT_OPENED}


def _path(container: tuple[Any, ...], key: str) -> str:
    parts = []
    for item in container:
        if isinstance(item, int):
            parts[-1] += f"[{item}]"
        else:
            parts.append(item)
    return ".".join(parts + [key])


def candidates(doc: dict[str, Any]) -> dict[str, list[tuple[tuple[Any, ...], str]]]:
    """Fields that can be opened, by section: given scalars, and structure fields the file leaves out."""
    found: dict[str, list[tuple[tuple[Any, ...], str]]] = {}

    def add(section: str, container: tuple[Any, ...], table: dict[str, Any], omitted: bool) -> None:
        specs = _specs(container)
        keep = ("indirection_table_size",) if "indirection_table" in table else ()  # must equal the table's length
        names = [n for n in specs if n not in keep and (n in table or (omitted and n not in ("type", "size")))]
        if names:
            found.setdefault(section, []).extend((container, n) for n in names)

    keywords = [k for k in doc.get("inf", {}) if K.lookup(k) is not None]
    if keywords:
        found["inf"] = [(("inf",), k) for k in keywords]
    for group in ("receive_filter", "nic_switch"):
        for part, table in doc.get(group, {}).items():
            add(f"{group}.{part}", (group, part), table, True)
    for name in ("rss_capabilities", "rss_processors"):
        if name in doc:
            add(name, (name,), doc[name], name == "rss_capabilities")
    if "msix" in doc:
        add("msix", ("msix",), doc["msix"], True)
        for index, vector in enumerate(doc["msix"].get("vectors", [])):
            add("msix.vectors", ("msix", "vectors", index), vector, False)
    for list_name in ("vports", "queues"):
        for index, entry in enumerate(doc.get(list_name, [])):
            add(list_name, (list_name, index), entry, False)
    return found


class _Opener:
    def __init__(self, rng: random.Random, doc: dict[str, Any], ppg: int) -> None:
        self.r, self.doc, self.ppg = rng, doc, ppg

    def cpu(self, text: str) -> int:
        group, number = (int(x) for x in text.split(":"))
        return group * self.ppg + number

    def near(self, value: int, lo: int, hi: int) -> list[int]:
        """A few values around `value` in [lo, hi]: neighbours, small numbers, powers of 2, halves and doubles."""
        pool = {value, value - 1, value + 1, 0, 1, 2, 4, 8, 16, 32, 64, 128, 2 * value, value // 2,
                1 << max(value - 1, 0).bit_length()}
        pool = sorted(v for v in pool if lo <= v <= hi)
        count = min(len(pool), self.r.randint(2, 6))
        chosen = set(self.r.sample(pool, count)) | ({value} if self.r.random() < 0.7 else set())
        return sorted(chosen)[:MAX_VALUES]

    def integer(self, value: int, lo: int, hi: int) -> tuple[tuple[int, ...], Any]:
        if self.r.random() < 0.5:                       # a range of consecutive values around the given one
            width = self.r.randint(2, MAX_VALUES)
            start = max(lo, min(value - self.r.randint(0, width - 1), hi - width + 1))
            end = min(hi, start + width - 1)
            return tuple(range(start, end + 1)), {"min": start, "max": end}
        values = tuple(self.near(value, lo, hi))
        return values, {"one_of": list(values)}

    def flags(self, value: int, width: int) -> tuple[tuple[int, ...], Any]:
        if self.r.random() < 0.15:                      # a bitmask range: every integer in it
            return self.integer(value, 0, (1 << width) - 1)
        bits = [1 << b for b in range(min(width, 16))] + [1 << (width - 1)]
        values = {value, 0 if self.r.random() < 0.3 else value}
        for _ in range(self.r.randint(1, 5)):
            values.add(value ^ self.r.choice(bits) ^ (self.r.choice(bits) if self.r.random() < 0.3 else 0))
        chosen = tuple(sorted(values))[:MAX_VALUES]
        return chosen, {"one_of": list(chosen)}

    def processor(self, value: int) -> tuple[tuple[int, ...], Any]:
        if self.r.random() < 0.4:
            values, spelled = self.integer(value, 0, 32 * self.ppg - 1)
            text = lambda v: f"{v // self.ppg}:{v % self.ppg}"
            return values, ({"min": text(spelled["min"]), "max": text(spelled["max"])} if "min" in spelled
                            else {"one_of": [text(v) for v in values]})
        seen = [self.cpu(p["cpu"] if isinstance(p, dict) else p)
                for p in self.doc.get("rss_processors", {}).get("processors", [])]
        seen += [self.cpu(v["cpu"]) for v in self.doc.get("msix", {}).get("vectors", []) if "cpu" in v]
        pool = sorted(set(seen + [value, value + 1, self.r.randrange(8)]))
        values = tuple(sorted(set(self.r.sample(pool, min(len(pool), self.r.randint(2, 5))) + [value])))[:MAX_VALUES]
        return values, {"one_of": [f"{v // self.ppg}:{v % self.ppg}" for v in values]}

    def keyword(self, name: str, value: int) -> tuple[tuple[int, ...], Any]:
        spec = K.lookup(name)
        assert spec is not None
        documented = spec.documented("x86" if self.ppg == 32 else "amd64")
        if spec.kind == "enum" and len(documented) <= MAX_VALUES and self.r.random() < 0.4:
            return tuple(documented), "?"             # the loader opens "?" to the documented values
        return self.integer(value, 0, 0xFFFFFFFF)


def generate_open(seed: int, concrete: dict[str, Any]) -> OpenConfig | None:
    """`concrete` with 1–3 of its fields opened (None when it has nothing to open)."""
    rng = random.Random(seed ^ 0x0BE7_C0DE)
    ppg = 32 if concrete.get("adapter", {}).get("arch") == "x86" else 64
    found = candidates(concrete)
    if not found:
        return None
    opener = _Opener(rng, concrete, ppg)
    document = copy.deepcopy(concrete)
    fields: list[OpenField] = []
    completions = 1
    for _ in range(rng.choice((1, 1, 2, 2, 3))):
        section = rng.choice(sorted(found))
        container, key = rng.choice(found[section])
        path = _path(container, key)
        if any(f.path == path or (f.container == container and f.key.lower() == key.lower()) for f in fields):
            continue
        table = _table(concrete, container)
        if section == "inf":
            spec = K.lookup(key)
            assert spec is not None
            path = f"inf.{spec.name}"
            values, spelling = opener.keyword(key, int(table[key]))
            kind, names = "keyword", ()
        else:
            spec_ = _specs(container)[key]
            given = table.get(key, False if spec_.kind is Kind.BOOL else 0)
            names = tuple(spec_.flags.flags) if spec_.flags is not None else ()
            if spec_.kind is Kind.BOOL:
                values, spelling, kind = (False, True), rng.choice(({"one_of": [False, True]}, "?")), "bool"
            elif spec_.kind is Kind.PROCESSOR:
                values, spelling = opener.processor(opener.cpu(given) if isinstance(given, str) else 0)
                kind = "processor"
            elif spec_.kind is Kind.FLAGS:
                values, spelling = opener.flags(_bitmask(given, names, spec_), spec_.width)
                kind = "flags"
            else:
                hi = spec_.hi
                if isinstance(given, str):          # a REG_SZ-style digit string cannot occur here; keep it safe
                    given = int(given)
                values, spelling = opener.integer(int(given), spec_.lo, hi)
                kind = "int"
        if completions * len(values) > MAX_COMPLETIONS:
            continue
        completions *= len(values)
        _table(document, container)[key] = spelling
        fields.append(OpenField(path, container, key, kind, values, spelling, names))
    if not fields:
        return None
    return OpenConfig(seed, concrete, document, tuple(fields), ppg)


def _bitmask(value: Any, names: tuple[tuple[str, int], ...], spec: FieldSpec) -> int:
    if isinstance(value, int):
        return value
    by_name = dict(names)
    prefix = spec.flags.prefix if spec.flags is not None else ""
    total = 0
    for item in value:
        total |= item if isinstance(item, int) else by_name[item.strip().upper().removeprefix(prefix)]
    return total
