"""Test-only: the same configuration with every field kept symbolic (issue 13, the symbolic-versus-folded differential).

By default `check` folds fixed fields into Python values, so an obligation over fixed fields never reaches z3. To
decide a configuration on the open-field path instead, every fixed value v becomes an open value whose only
completion is v, in two steps:

1. `open_document`: in the raw document, every scalar the file gives (INF keywords, structure fields, processors,
   flags, booleans) becomes `{ one_of = [v] }` or `{ min = v, max = v }` (either spelling, drawn per field), so the
   loader's own handling of open values is on the path too (defaults derived from an open field, such as a header's
   size from an open revision);
2. `open_config`: in the loaded Config, every value still fixed (defaults and omitted, zero-initialised fields)
   becomes `Open(one_of=(v,))`.

What stays concrete is what the format keeps concrete: adapter fields, ids, list lengths and list entries (RSS
processors, affinities, indirection tables), a VPort's attachment, [host], [trace] and [policy]; an absent INF keyword
keeps its documented default, since being absent is a state of its own.
"""

from __future__ import annotations

import copy
import dataclasses
import random
from typing import Any

from vmqproof.model.config import keywords as K
from vmqproof.model.config.fields import Kind, Open
from vmqproof.model.config.schema import STRUCTURE_SECTIONS, Config, Record

# Keys of a list entry that are not scalar fields (or that the format keeps concrete).
STRUCTURAL = {"vports": ("id", "attached", "processor_affinity", "indirection_table"), "queues": ("id",),
              "msix.vectors": ("id", "kind"), "rss_processors": ("processors",), "msix": ("vectors",)}
STRINGS = {spec.name for specs in STRUCTURE_SECTIONS.values() for spec in specs if spec.kind is Kind.STRING}


def single(value: Any, rng: random.Random) -> dict[str, Any]:
    """An open value with `value` as its only completion."""
    return {"one_of": [value]} if rng.random() < 0.5 else {"min": value, "max": value}


def _open_table(table: dict[str, Any], rng: random.Random, keep: tuple[str, ...] = ()) -> None:
    for name in list(table):
        if name not in keep and name not in STRINGS:
            table[name] = single(table[name], rng)


def open_document(doc: dict[str, Any], seed: int) -> dict[str, Any]:
    """A copy of `doc` with every scalar it gives written as an open value of one completion."""
    rng = random.Random(seed)
    doc = copy.deepcopy(doc)
    inf = doc.get("inf", {})
    for key in list(inf):
        if K.lookup(key) is not None:          # other keywords are opaque registry values (no open values)
            inf[key] = single(int(inf[key]), rng)
    for group in ("receive_filter", "nic_switch"):
        for table in doc.get(group, {}).values():
            _open_table(table, rng)
    if "rss_capabilities" in doc:
        _open_table(doc["rss_capabilities"], rng)
    if "rss_processors" in doc:
        _open_table(doc["rss_processors"], rng, STRUCTURAL["rss_processors"])
    msix = doc.get("msix")
    if msix is not None:
        _open_table(msix, rng, STRUCTURAL["msix"])
        for vector in msix.get("vectors", []):
            _open_table(vector, rng, STRUCTURAL["msix.vectors"])
    for vport in doc.get("vports", []):
        # a size beside a table must equal its length, which the loader compares concretely
        keep = STRUCTURAL["vports"] + (("indirection_table_size",) if "indirection_table" in vport else ())
        _open_table(vport, rng, keep)
    for queue in doc.get("queues", []):
        _open_table(queue, rng, STRUCTURAL["queues"])
    return doc


def _open_record(record: Record, concrete: tuple[str, ...] = ()) -> Record:
    values = {name: value if name in concrete or isinstance(value, (str, Open)) or not isinstance(value, int)
              else Open(one_of=(int(value),)) for name, value in record.values.items()}
    return dataclasses.replace(record, values=values)


def open_config(config: Config) -> Config:
    """`config` with every fixed scalar value (given, defaulted or zero-initialised) open with one completion."""
    replace = dataclasses.replace
    inf = {key: replace(keyword, value=Open(one_of=(keyword.value,))) if isinstance(keyword.value, int) else keyword
           for key, keyword in config.inf.items()}
    rss_processors = config.rss_processors
    if rss_processors is not None:
        rss_processors = replace(rss_processors, record=_open_record(rss_processors.record))
    msix = config.msix
    if msix is not None:
        msix = replace(msix, record=_open_record(msix.record),
                       vectors=tuple(replace(v, record=_open_record(v.record)) for v in msix.vectors))
    return replace(
        config, inf=inf, structures={name: _open_record(r) for name, r in config.structures.items()},
        rss_processors=rss_processors, msix=msix,
        # the attachment is `attached = "pf" | "vf:N"`, concrete in the format
        vports=tuple(replace(v, record=_open_record(v.record, ("attached_function_id",))) for v in config.vports),
        queues=tuple(replace(q, record=_open_record(q.record)) for q in config.queues))
