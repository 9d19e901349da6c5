"""Hardening (issue 8): fuzzing of the configuration readers and of `check`, and the documented limits.

- The TOML and JSON readers, at three levels: random bytes; random TOML/JSON documents; and, most useful, valid
  documents (the examples and rule fixtures) mutated field by field with values of wrong or extreme types, deleted
  keys and unknown keys. Loading either succeeds or raises `ConfigError` whose message is one UTF-8 line naming the
  file (and, once the text parsed, the field path).
- `check` on random structurally valid vmqproof/1 documents, through the CLI entry point with UTF-8 streams like a
  real console's: exit 0/1/2/3 only, no traceback, one line on stderr for exit 2; JSON, SARIF and JUnit output parse.
- The limits of README "Limits" and `model/config/loader.py`: at the limit the file is read; one past it, exit 2 and one
  line naming the field.

Hypothesis runs derandomized and without a database, so CI sees the same examples every time. For a deeper local
run, multiply the example counts: VMQPROOF_FUZZ_SCALE=20 python -m pytest tests/test_fuzz.py
"""

from __future__ import annotations

import copy
import functools
import json
import os
import sys
import tempfile
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
import tomlkit
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from vmqproof.model.config import constants as C, keywords as K, loader
from vmqproof.model.config.errors import ConfigError
from vmqproof.model.config.fields import FieldSpec, Kind
from vmqproof.model.config.schema import (
    MSIX_FIELDS, QUEUE_FIELDS, READINGS, RSS_PROCESSORS_FIELDS, SEVERITIES, STRUCTURE_SECTIONS, VPORT_FIELDS,
)
from vmqproof.model.readers.dispatch import load_inputs, loads_config
from vmqproof.properties.rules.catalog import catalog_listing

sys.path.insert(0, str(Path(__file__).parent))
from _support import ROOT, run  # noqa: E402

SCALE = max(1, int(os.environ.get("VMQPROOF_FUZZ_SCALE", "1")))


def fuzz(examples: int) -> settings:
    return settings(max_examples=examples * SCALE, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.filter_too_much])


def seed_files() -> list[Path]:
    return sorted((ROOT / "examples").glob("*.toml")) + sorted((ROOT / "tests" / "fixtures" / "rules").rglob("*.toml"))


SEEDS: list[tuple[str, dict[str, Any]]] = [(p.name, tomllib.loads(p.read_text(encoding="utf-8")))
                                          for p in seed_files()]


# -- the property every reader keeps ---------------------------------------------------------------------------

def assert_one_line(exc: ConfigError, file: str, *, names_where: bool) -> str:
    """The error is one line, printable on a UTF-8 stream, starting with the file (and naming the field/line)."""
    text = str(exc)
    assert text == exc.one_line()
    assert len(text.splitlines()) == 1 and text.strip(), repr(text)
    text.encode("utf-8")                         # a lone surrogate would crash a real (strict UTF-8) stdout
    assert text.startswith(file), (file, text)
    if names_where:                              # raised while reading fields: a path (or at least a line)
        assert exc.path is not None or exc.line is not None, text
    return text


def load_or_one_line(data: bytes, file: str, *, names_where: bool = False) -> ConfigError | None:
    try:
        loads_config(data, file)
    except ConfigError as exc:
        assert_one_line(exc, file, names_where=names_where)
        return exc
    return None


# -- 1. random bytes --------------------------------------------------------------------------------------------

FILE_NAMES = st.sampled_from(["c.toml", "c.json", "c.txt", "C.JSON", "noext"])
BYTES = st.one_of(
    st.binary(max_size=300),
    st.sampled_from([b"\xef\xbb\xbf", b"\xff\xfe", b"{", b"[", b"\x00", b"format = ", b"\xc3", b"\r\n"]).flatmap(
        lambda head: st.binary(max_size=100).map(lambda tail: head + tail)),
)


@fuzz(300)
@given(data=BYTES, file=FILE_NAMES)
def test_random_bytes_load_or_fail_in_one_line(data: bytes, file: str) -> None:
    load_or_one_line(data, file)


@fuzz(60)
@given(data=BYTES, forced=st.sampled_from(["toml", "json"]))
def test_random_bytes_with_a_forced_input_format(data: bytes, forced: str) -> None:
    """`--input-format toml|json`: the same property, and the error names the file as given."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "input.txt"
        path.write_bytes(data)
        try:
            load_inputs(path, forced)
        except ConfigError as exc:
            assert_one_line(exc, str(path) + ":", names_where=False)


# -- 2. random TOML / JSON text and documents --------------------------------------------------------------------

TOML_TOKENS = st.sampled_from([
    "[", "]", "[[", "]]", "{", "}", "=", ",", ".", '"', "'", '"""', "\n", " ", "#", "\\", "\\u", "\\U0011FFFF",
    "format", '"vmqproof/1"', "adapter", "msix", "vports", "queues", "inf", '"*VMQ"', "table_size", "vectors",
    "id", "cpu", '"0:0"', "1", "-1", "0x10", "1e999", "nan", "inf", "true", "1979-05-27", "07:32:00", "?", '"?"',
    "min", "max", "one_of", "nic_switch.hardware", "rss_processors", "processors", "9" * 30, "9" * 4301,
])


@fuzz(200)
@given(tokens=st.lists(st.one_of(TOML_TOKENS, st.text(max_size=5)), max_size=40))
def test_random_toml_text(tokens: list[str]) -> None:
    load_or_one_line("".join(tokens).encode("utf-8", "surrogatepass"), "t.toml")


JSON_TOKENS = st.sampled_from([
    "{", "}", "[", "]", ":", ",", '"', "\\", "\\ud800", "\\u0000", '"format"', '"vmqproof/1"', '"adapter"',
    '"msix"', '"vports"', '"table_size"', '"id"', '"cpu"', '"0:0"', "1", "-1", "1e999", "NaN", "Infinity",
    "true", "null", '"?"', '"min"', '"one_of"', "9" * 30, "9" * 4301, " ", "\n",
])


@fuzz(200)
@given(tokens=st.lists(st.one_of(JSON_TOKENS, st.text(max_size=5)), max_size=40))
def test_random_json_text(tokens: list[str]) -> None:
    load_or_one_line("".join(tokens).encode("utf-8", "surrogatepass"), "t.json")


# Keys the reader knows (so that random documents get past the top level), and near misses.
KNOWN_KEYS = sorted({"format", "adapter", "inf", "receive_filter", "nic_switch", "hardware", "current", "parameters",
                     "rss_capabilities", "rss_processors", "msix", "vports", "queues", "policy", "host", "trace",
                     "processors", "vectors", "table_size", "id", "kind", "cpu", "attached", "num_queue_pairs",
                     "vmmq", "indirection_table", "processor_affinity", "msix_entry", "disable", "severity",
                     "min", "max", "one_of", "name", "ndis", "role", "virtual", "arch", "revision", "size",
                     "numa_nodes", "adapters", "teams", "requests", "oid", "request", "*VMQ", "*RSS"}
                    | {s.name for specs in STRUCTURE_SECTIONS.values() for s in specs}
                    | {s.name for s in VPORT_FIELDS + QUEUE_FIELDS + RSS_PROCESSORS_FIELDS})
KEYS = st.one_of(st.sampled_from(KNOWN_KEYS), st.text(max_size=6))


def scalars(json_only: bool) -> st.SearchStrategy[Any]:
    common = st.one_of(
        st.integers(), st.sampled_from([0, 1, -1, 2**31, 2**32 - 1, 2**32, 2**64, -(2**63), 10**40, 65535, 65536]),
        st.booleans(), st.floats(), st.text(max_size=8),
        st.sampled_from(["?", "", "0:0", "31:63", "32:0", "0:64", "0:32", "1:", ":1", "0:0:0", "-1:0", "vf:1",
                         "vf:65535", "pf", "data", "other", "R2a", "6.60", "x86", "VM_QUEUE_SUPPORTED",
                         "NDIS_RECEIVE_FILTER_MSI_X_SUPPORTED", "0xFF", "\u2028", "x\ry", "\x85", "\x1b[31m"]),
    )
    if json_only:
        return st.one_of(common, st.none(), st.sampled_from(["\ud800", "a\udfffb"]))
    return st.one_of(common, st.dates(), st.datetimes(), st.times())


def values(json_only: bool) -> st.SearchStrategy[Any]:
    return st.recursive(scalars(json_only), lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(KEYS, inner, max_size=4)), max_leaves=12)


def has_surrogate(document: Any) -> bool:
    """A lone surrogate somewhere in the document (JSON can escape one: "\\ud800"), which is not UTF-8 text."""
    try:
        json.dumps(document, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def load_json_or_one_line(document: Any, file: str) -> None:
    surrogate = has_surrogate(document)
    error = load_or_one_line(serialize(document, True), file, names_where=bool(document) and not surrogate)
    assert error is not None or not surrogate, "a lone surrogate is not UTF-8 text: exit 2"


def serialize(document: dict[str, Any], as_json: bool) -> bytes:
    text = json.dumps(document) if as_json else tomlkit.dumps(document)
    return text.encode("utf-8", "surrogatepass")


@fuzz(150)
@given(document=st.dictionaries(KEYS, values(False), max_size=5))
def test_random_toml_documents(document: dict[str, Any]) -> None:
    load_or_one_line(serialize(document, False), "d.toml", names_where=bool(document))


@fuzz(150)
@given(document=st.dictionaries(KEYS, values(True), max_size=5))
def test_random_json_documents(document: dict[str, Any]) -> None:
    load_json_or_one_line(document, "d.json")


# -- 3. structure-aware mutation of valid documents -------------------------------------------------------------

def weird(json_only: bool) -> st.SearchStrategy[Any]:
    """Values of wrong or extreme types for any field of a configuration."""
    processors = st.lists(st.sampled_from(["0:0", "0:63", "31:63", "32:0", "0:64", "g:n", "", 0, "0:0 "]),
                          max_size=4)
    flag_names = st.lists(st.sampled_from(["VM_QUEUE_SUPPORTED", "MSI_X_SUPPORTED", "SINGLE_VPORT_POOL",
                                           "RSS_ON_PF_VPORTS_SUPPORTED", "NOT_A_FLAG", "ndis_rss_caps_x", "",
                                           "NDIS_NIC_SWITCH_CAPS_SINGLE_VPORT_POOL", 1, True]), max_size=4)
    small = scalars(json_only)
    opens = st.one_of(
        st.just("?"),
        st.fixed_dictionaries({}, optional={"min": small, "max": small}),
        st.fixed_dictionaries({"one_of": st.lists(small, max_size=4)}),
        st.fixed_dictionaries({"one_of": st.one_of(small, st.lists(st.lists(small, max_size=2), max_size=2))},
                              optional={"min": small}),
        st.dictionaries(KEYS, small, max_size=2),
    )
    return st.one_of(small, small, processors, flag_names, opens, values(json_only),
                     st.lists(st.dictionaries(KEYS, small, max_size=3), max_size=3))


WEIRD = {json_only: weird(json_only) for json_only in (False, True)}
OPERATIONS = st.sampled_from(["replace", "replace", "replace", "delete", "add", "swap"])


def _slots(node: Any, out: list[tuple[Any, Any]]) -> None:
    """Every (container, key-or-index) of a parsed document, containers first."""
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, child in items:
        out.append((node, key))
        _slots(child, out)


def near_miss(key: str) -> st.SearchStrategy[str]:
    return st.sampled_from([key + "s", key[:-1], key.upper(), key.replace("_", ""), key.replace("_", "-"),
                            "x" + key, key + " ", key.title()])


def mutate(data: st.DataObject, document: dict[str, Any], json_only: bool) -> dict[str, Any]:
    document = copy.deepcopy(document)
    for _ in range(data.draw(st.integers(1, 4), label="mutations")):
        slots: list[tuple[Any, Any]] = []
        _slots(document, slots)
        containers = [document] + [c[k] for c, k in slots if isinstance(c[k], (dict, list))]
        operation = data.draw(OPERATIONS)
        strings = [(c, k) for c, k in slots if isinstance(c[k], str)]
        if json_only and strings and data.draw(st.integers(0, 9), label="surrogate?") == 0:
            container, key = data.draw(st.sampled_from(strings), label="string slot")
            container[key] += "\udc80"         # a JSON escape of a lone surrogate: not UTF-8 text
        elif operation in ("replace", "delete", "swap") and slots:
            container, key = data.draw(st.sampled_from(slots), label="slot")
            if operation == "replace":
                container[key] = data.draw(WEIRD[json_only], label="value")
            elif operation == "delete":
                del container[key]
            else:
                other, other_key = data.draw(st.sampled_from(slots), label="other slot")
                container[key] = copy.deepcopy(other[other_key])
        else:
            container = data.draw(st.sampled_from(containers), label="container")
            value = data.draw(WEIRD[json_only], label="added value")
            if isinstance(container, list):
                container.insert(data.draw(st.integers(0, len(container))), value)
            else:
                known = sorted(container) or KNOWN_KEYS
                key = data.draw(st.one_of(st.sampled_from(known).flatmap(near_miss), KEYS), label="key")
                container[key] = value
    return document


@fuzz(400)
@given(data=st.data(), seed=st.sampled_from(SEEDS))
def test_mutated_toml_documents(data: st.DataObject, seed: tuple[str, dict[str, Any]]) -> None:
    document = mutate(data, seed[1], json_only=False)
    load_or_one_line(serialize(document, False), seed[0], names_where=bool(document))


@fuzz(200)
@given(data=st.data(), seed=st.sampled_from(SEEDS))
def test_mutated_json_documents(data: st.DataObject, seed: tuple[str, dict[str, Any]]) -> None:
    plain = json.loads(json.dumps(seed[1], default=str))        # fixtures hold no dates; be safe all the same
    document = mutate(data, plain, json_only=True)
    load_json_or_one_line(document, seed[0].removesuffix(".toml") + ".json")


# -- 4. `check` on random structurally valid configurations ----------------------------------------------------

CHECKED_IDS = sorted(str(r["id"]) for r in catalog_listing() if r["checked"])
VPORT_SPECS = {s.name: s for s in VPORT_FIELDS}
QUEUE_SPECS = {s.name: s for s in QUEUE_FIELDS}
HOST_AND_TRACE = [{k: doc[k] for k in ("host", "trace") if k in doc} for _, doc in SEEDS
                  if "host" in doc or "trace" in doc]


@functools.cache
def processors(arch: str) -> st.SearchStrategy[str]:
    per_group = C.procs_per_group(arch)
    return st.builds(lambda g, n: f"{g}:{n}", st.one_of(st.just(0), st.integers(0, C.MAXIMUM_GROUPS - 1)),
                     st.one_of(st.integers(0, 15), st.integers(0, per_group - 1)))


@functools.cache
def fixed_value(spec: FieldSpec, arch: str) -> st.SearchStrategy[Any]:
    if spec.kind is Kind.PROCESSOR:
        return processors(arch)
    if spec.kind is Kind.BOOL:
        return st.booleans()
    if spec.kind is Kind.STRING:
        return st.text(max_size=12)
    numbers = st.one_of(st.integers(spec.lo, min(spec.hi, 64)), st.integers(spec.lo, spec.hi),
                        st.sampled_from([spec.lo, spec.hi]))
    if spec.kind is Kind.FLAGS and spec.flags is not None and spec.flags.flags:
        names = [name for name, _ in spec.flags.flags]
        spelled = st.sampled_from(names).flatmap(lambda n: st.sampled_from(
            [n, n.lower(), spec.flags.prefix + n if spec.flags else n]))
        return st.one_of(st.lists(spelled, max_size=5), st.lists(spelled, max_size=5), numbers)
    if spec.name == "hash_secret_key":
        return st.one_of(numbers, st.binary(min_size=1, max_size=40).map(lambda b: "0x" + b.hex()))
    return numbers


def as_number(spec: FieldSpec, value: Any, arch: str) -> int:
    """The order of a fixed value, for building {min, max} with min <= max."""
    if spec.kind is Kind.PROCESSOR:
        group, number = value.split(":")
        return int(group) * C.procs_per_group(arch) + int(number)
    return int(value)


@functools.cache
def open_value(spec: FieldSpec, arch: str) -> st.SearchStrategy[Any]:
    one = fixed_value(spec, arch)
    if spec.kind is Kind.FLAGS:
        one = st.integers(spec.lo, min(spec.hi, 0xFFFF))
    elif spec.name == "hash_secret_key":
        one = st.integers(0, 2**64)
    ranged = st.tuples(one, one).map(lambda pair: sorted(pair, key=lambda v: as_number(spec, v, arch)))
    return st.one_of(
        st.just("?"),
        ranged.map(lambda pair: {"min": pair[0], "max": pair[1]}),
        one.map(lambda v: {"min": v}), one.map(lambda v: {"max": v}),
        st.lists(one, min_size=1, max_size=4).map(lambda vs: {"one_of": vs}),
    )


@functools.cache
def field_value(spec: FieldSpec, arch: str) -> st.SearchStrategy[Any]:
    if spec.kind is Kind.STRING:
        return fixed_value(spec, arch)
    opened = open_value(spec, arch)
    fixed = fixed_value(spec, arch)
    return st.integers(0, 9).flatmap(lambda roll: opened if roll == 0 else fixed)   # one value in ten is open


@functools.cache
def field_subsets(specs: tuple[FieldSpec, ...], at_most: int, leave_out: tuple[str, ...]) -> st.SearchStrategy[Any]:
    return st.lists(st.sampled_from([s for s in specs if s.name not in leave_out]), unique_by=lambda s: s.name,
                    max_size=at_most)


def record(draw: Any, specs: tuple[FieldSpec, ...], arch: str, *, at_most: int = 8,
           leave_out: tuple[str, ...] = ()) -> dict[str, Any]:
    return {spec.name: draw(field_value(spec, arch)) for spec in draw(field_subsets(specs, at_most, leave_out))}


def unique_ids(draw: Any, at_most: int) -> list[int]:
    return draw(st.lists(st.one_of(st.integers(0, 16), st.integers(0, C.ULONG_MAX)), unique=True, max_size=at_most))


@functools.cache
def inf_value(spec: K.KeywordSpec, arch: str) -> st.SearchStrategy[Any]:
    documented = spec.documented(arch)
    fixed = (st.sampled_from(documented) if spec.kind == "enum"
             else st.one_of(st.integers(documented[0], min(documented[1], 64)), st.integers(*documented)))
    return st.one_of(
        fixed, fixed, fixed, fixed.map(str), st.integers(0, C.ULONG_MAX),
        st.just("?"), st.lists(fixed, min_size=1, max_size=3).map(lambda vs: {"one_of": vs}),
        st.tuples(fixed, fixed).map(lambda p: {"min": min(p), "max": max(p)}),
    )


@st.composite
def valid_documents(draw: Any) -> dict[str, Any]:
    arch = draw(st.sampled_from(["amd64", "amd64", "x86", "arm64"]))
    proc = processors(arch)
    document: dict[str, Any] = {}
    if draw(st.booleans()):
        document["format"] = loader.FORMAT
    adapter = {"arch": arch}
    for key, strategy in (("name", st.text(max_size=12)), ("ndis", st.sampled_from(C.NDIS_VERSIONS)),
                          ("role", st.sampled_from(["pf", "vf"])), ("virtual", st.booleans())):
        if draw(st.booleans()):
            adapter[key] = draw(strategy)
    document["adapter"] = adapter
    if draw(st.booleans()):
        keywords = draw(st.lists(st.sampled_from(K.KEYWORDS), unique_by=lambda k: k.name, max_size=6))
        inf: dict[str, Any] = {draw(st.sampled_from([k.name, k.name.lower(), k.name.upper()])):
                               draw(inf_value(k, arch)) for k in keywords}
        if draw(st.booleans()):
            inf["VendorSetting"] = draw(st.one_of(st.text(max_size=8), st.integers(0, C.ULONG_MAX)))
        document["inf"] = inf
    for section, specs in STRUCTURE_SECTIONS.items():
        if draw(st.integers(0, 9)) < 4:
            group, _, part = section.partition(".")
            body = record(draw, specs, arch)
            if part:
                document.setdefault(group, {})[part] = body
            else:
                document[group] = body
    if draw(st.integers(0, 9)) < 4:
        entries = draw(st.lists(st.one_of(proc, st.fixed_dictionaries(
            {"cpu": proc}, optional={"numa_node": st.integers(0, 3), "preference_index": st.integers(0, 8)})),
            max_size=8))
        document["rss_processors"] = {**record(draw, RSS_PROCESSORS_FIELDS, arch, at_most=3), "processors": entries}
    if draw(st.integers(0, 9)) < 5:
        vectors = []
        for identifier in unique_ids(draw, 6):
            kind = draw(st.sampled_from(["data", "data", "other"]))
            vector: dict[str, Any] = {"id": identifier, "kind": kind}
            if kind == "data" or draw(st.booleans()):
                vector["cpu"] = draw(field_value(QUEUE_SPECS["cpu"], arch))
            vectors.append(vector)
        document["msix"] = {**record(draw, MSIX_FIELDS, arch), "vectors": vectors}
    vports = []
    for identifier in unique_ids(draw, 4):
        vport = record(draw, VPORT_FIELDS, arch, at_most=6, leave_out=("attached_function_id",
                                                                        "indirection_table_size"))
        vport.update({"id": identifier, "num_queue_pairs": draw(field_value(VPORT_SPECS["num_queue_pairs"], arch))})
        if draw(st.booleans()):
            vport["attached"] = draw(st.one_of(st.just("pf"), st.integers(0, 0xFFFE).map(lambda n: f"vf:{n}")))
        if draw(st.booleans()):
            group = draw(st.integers(0, 1))
            numbers = draw(st.lists(st.integers(0, C.procs_per_group(arch) - 1), unique=True, max_size=6))
            vport["processor_affinity"] = [f"{group}:{n}" for n in numbers]
        shape = draw(st.sampled_from(["table", "table+size", "size", "none"]))
        if shape.startswith("table"):
            vport["indirection_table"] = draw(st.lists(proc, max_size=16))
            if shape == "table+size":
                vport["indirection_table_size"] = len(vport["indirection_table"])
        elif shape == "size":
            vport["indirection_table_size"] = draw(field_value(VPORT_SPECS["indirection_table_size"], arch))
        vports.append(vport)
    if vports or draw(st.booleans()):
        document["vports"] = vports
    queues = [{**record(draw, QUEUE_FIELDS, arch, at_most=3), "id": identifier,
               "cpu": draw(field_value(QUEUE_SPECS["cpu"], arch))} for identifier in unique_ids(draw, 5)]
    if queues:
        document["queues"] = queues
    if draw(st.integers(0, 9)) < 3:
        policy: dict[str, Any] = {key: draw(st.sampled_from(choices)) for key, choices in READINGS.items()
                                  if draw(st.booleans())}
        policy["disable"] = draw(st.lists(st.sampled_from(CHECKED_IDS), unique=True, max_size=3))
        policy["severity"] = draw(st.dictionaries(st.sampled_from(CHECKED_IDS), st.sampled_from(SEVERITIES),
                                                  max_size=3))
        document["policy"] = policy
    if arch != "x86" and draw(st.integers(0, 9)) < 2:
        document.update(copy.deepcopy(draw(st.sampled_from(HOST_AND_TRACE))))
    return document


def check_document(document: dict[str, Any], as_json: bool, *options: str) -> tuple[int, str, str]:
    data = serialize(document, as_json)
    name = "valid.json" if as_json else "valid.toml"
    loads_config(data, name)                    # a structurally valid document is read (any ConfigError fails)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        code, out, err = run(["check", "--timeout", "10", *options, str(path)])
    assert code in (0, 1, 2, 3), (code, err)
    assert "Traceback" not in err and "Traceback" not in out
    if code == 2:
        assert len(err.splitlines()) == 1, err
    return code, out, err


@fuzz(100)
@given(document=valid_documents(), as_json=st.booleans())
def test_check_of_valid_documents(document: dict[str, Any], as_json: bool) -> None:
    check_document(document, as_json, "--format", "plain")


@fuzz(30)
@given(document=valid_documents(), fmt=st.sampled_from(["json", "sarif", "junit"]))
def test_check_output_formats_parse(document: dict[str, Any], fmt: str) -> None:
    code, out, _ = check_document(document, False, "--format", fmt)
    if fmt == "junit":
        root = ET.fromstring(out)
        assert root.tag in ("testsuites", "testsuite")
        return
    data = json.loads(out)
    if fmt == "sarif":
        assert data["version"] and len(data["runs"]) == 1
        return
    (entry,) = data["files"]
    assert entry["status"] == {0: "legal", 1: "illegal", 2: "error", 3: "unknown"}[code]
    assert data["summary"]["files"] == 1


# -- 5. the documented limits: at the limit the file is read, one past it exit 2 naming the field ---------------

def _quoted(items: list[str]) -> str:
    return "[" + ", ".join(f'"{item}"' for item in items) + "]"


def _processors(count: int, per_group: int = 64) -> list[str]:
    return [f"{i // per_group % C.MAXIMUM_GROUPS}:{i % per_group}" for i in range(count)]


# name: (TOML for n entries, the documented limit, the field path the error names, a rule for `check` at the limit)
LIMITS: dict[str, tuple[Any, int, str, str]] = {
    "rss-processors": (lambda n: f"[rss_processors]\nprocessors = {_quoted(_processors(n))}\n",
                       2048, "rss_processors.processors", "RPI-1"),
    "msix-vectors": (lambda n: "[msix]\nvectors = [" + ", ".join(f'{{ id = {i}, kind = "other" }}' for i in range(n))
                     + "]\n", 2048, "msix.vectors", "VMQ-IRQ-6"),
    "queues": (lambda n: "".join(f'[[queues]]\nid = {i}\ncpu = "0:0"\n' for i in range(n)),
               4096, "queues", "VMQ-Q-4"),
    "vports": (lambda n: "".join(f"[[vports]]\nid = {i}\nnum_queue_pairs = 1\n" for i in range(n)),
               4096, "vports", "VMQ-IRQ-2"),
    "indirection-table": (lambda n: f"[[vports]]\nid = 0\nnum_queue_pairs = 1\nindirection_table = "
                          f"{_quoted(['0:0'] * n)}\n", 65536, "vports[0].indirection_table",
                          "VMQ-IRQ-2"),
    "one-of": (lambda n: "[msix]\ntable_size = { one_of = [" + ", ".join(str(i) for i in range(n)) + "] }\n",
               4096, "msix.table_size.one_of", "VMQ-IRQ-8"),
}


def test_the_limits_are_the_documented_ones() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert ("files of 16 MiB, 2048 RSS processors, 2048 vectors, 4096 queues and VPorts, 65536 indirection-table "
            "entries per VPort, 4096 values in a `one_of`") in " ".join(readme.split()), \
        "README 'Limits' changed: update LIMITS here"
    assert (loader.MAX_FILE_BYTES, loader.MAX_PROCESSORS, loader.MAX_VECTORS, loader.MAX_QUEUES, loader.MAX_VPORTS,
            loader.MAX_TABLE_ENTRIES, loader.MAX_ONE_OF) == (16 * 1024 * 1024, *(LIMITS[name][1] for name in (
                "rss-processors", "msix-vectors", "queues", "vports", "indirection-table", "one-of")))
    assert C.MAXIMUM_GROUPS * 64 == loader.MAX_PROCESSORS == 2048          # design.md: 2048 processors, 32 groups


def exit_2_naming(path: Path, *fragments: str) -> str:
    code, _, err = run(["check", "--format", "plain", str(path)])
    assert code == 2, err
    (line,) = err.splitlines()
    assert line.startswith(str(path)) and "Traceback" not in err
    for fragment in fragments:
        assert fragment in line, (fragment, line)
    return line


@pytest.mark.parametrize("name", sorted(LIMITS))
def test_list_limits(name: str, tmp_path: Path) -> None:
    build, limit, field, rule = LIMITS[name]
    at_limit = tmp_path / "at.toml"
    at_limit.write_text(build(limit), encoding="utf-8")
    code, _, err = run(["check", "--format", "plain", "--rule", rule, str(at_limit)])
    assert code in (0, 1) and err == "", err
    past = tmp_path / "past.toml"
    past.write_text(build(limit + 1), encoding="utf-8")
    exit_2_naming(past, f"{field}: too many entries", f"at most {limit}", f"{limit + 1} entries")


def test_file_size_limit(tmp_path: Path) -> None:
    head, tail = b'{"adapter": {"name": "', b'"}}'
    at_limit = tmp_path / "big.json"
    at_limit.write_bytes(head + b"x" * (loader.MAX_FILE_BYTES - len(head) - len(tail)) + tail)
    assert at_limit.stat().st_size == loader.MAX_FILE_BYTES
    code, _, err = run(["check", "--format", "plain", "--rule", "VMQ-IRQ-2", str(at_limit)])
    assert code == 0 and err == "", err
    past = tmp_path / "bigger.json"
    past.write_bytes(head + b"x" * (loader.MAX_FILE_BYTES - len(head) - len(tail) + 1) + tail)
    exit_2_naming(past, "file too large", f"at most {loader.MAX_FILE_BYTES} bytes",
                  f"{loader.MAX_FILE_BYTES + 1} bytes")


@pytest.mark.parametrize("arch,accepted,rejected", [
    ("amd64", "31:63", ["32:0", "0:64", "99999:0", "0:99999"]),
    ("arm64", "31:63", ["32:0", "0:64"]),
    ("x86", "31:31", ["32:0", "0:32", "0:63"]),
])
def test_processor_limits(arch: str, accepted: str, rejected: list[str], tmp_path: Path) -> None:
    """design.md: at most 32 groups; per group 64 processors (32 on x86). Every field that takes a processor."""
    vport = "[[vports]]\nid = 0\nnum_queue_pairs = 1\n"
    fields = [
        ("rss_processors.processors[1]", '[rss_processors]\nprocessors = ["0:0", "{cpu}"]\n'),
        ("rss_processors.rss_max_processor", '[rss_processors]\nrss_max_processor = "{cpu}"\n'),
        ("msix.vectors[0].cpu", '[msix]\nvectors = [{{ id = 0, kind = "data", cpu = "{cpu}" }}]\n'),
        ("queues[0].cpu", '[[queues]]\nid = 0\ncpu = "{cpu}"\n'),
        ("vports[0].indirection_table[0]", vport + 'indirection_table = ["{cpu}"]\n'),
        ("vports[0].processor_affinity[0]", vport + 'processor_affinity = ["{cpu}"]\n'),
        ("vports[0].default_processor.max", vport + 'default_processor = {{ min = "0:0", max = "{cpu}" }}\n'),
        ("host.numa_nodes.0", '[host]\nnuma_nodes = {{ "0" = "0:0-{cpu}" }}\n'),
    ]
    adapter = f'[adapter]\narch = "{arch}"\n'
    for field, template in fields:
        good = tmp_path / "good.toml"
        good.write_text(adapter + template.format(cpu=accepted), encoding="utf-8")
        loads_config(good.read_bytes(), str(good))                          # no ConfigError
        for cpu in rejected:
            bad = tmp_path / "bad.toml"
            bad.write_text(adapter + template.format(cpu=cpu), encoding="utf-8")
            exit_2_naming(bad, field, f"'{cpu}'" if "-" not in template else cpu, "group < 32",
                          f"number < {C.procs_per_group(arch)}")


@pytest.mark.parametrize("arch", ["amd64", "x86"])
def test_host_processor_count_limits(arch: str, tmp_path: Path) -> None:
    per_group = C.procs_per_group(arch)
    adapter = f'[adapter]\narch = "{arch}"\n'
    good = tmp_path / "good.toml"
    good.write_text(adapter + f"[host]\nlogical_processors = {32 * per_group}\ngroups = 32\n", encoding="utf-8")
    loads_config(good.read_bytes(), str(good))
    bad = tmp_path / "bad.toml"
    bad.write_text(adapter + f"[host]\nlogical_processors = {32 * per_group + 1}\n", encoding="utf-8")
    exit_2_naming(bad, "host.logical_processors", f"[1, {32 * per_group}]", str(32 * per_group + 1))
    bad.write_text(adapter + "[host]\ngroups = 33\n", encoding="utf-8")
    exit_2_naming(bad, "host.groups", "[1, 32]", "33")


# -- 6. spellings the format makes equivalent give the same verdicts --------------------------------------------

SPECS_OF: dict[str, dict[str, FieldSpec]] = {
    **{section: {s.name: s for s in specs} for section, specs in STRUCTURE_SECTIONS.items()},
    "rss_processors": {s.name: s for s in RSS_PROCESSORS_FIELDS}, "msix": {s.name: s for s in MSIX_FIELDS},
    "vports": VPORT_SPECS, "queues": QUEUE_SPECS,
}


def records_of(document: dict[str, Any]) -> list[tuple[dict[str, Any], dict[str, FieldSpec]]]:
    found: list[tuple[dict[str, Any], dict[str, FieldSpec]]] = []
    for section, specs in SPECS_OF.items():
        group, _, part = section.partition(".")
        node = document.get(group)
        if part and isinstance(node, dict):
            node = node.get(part)
        for entry in node if isinstance(node, list) else [node]:
            if isinstance(entry, dict):
                found.append((entry, specs))
    return found


FLAG_SPELLINGS = st.sampled_from(["mask", "prefix", "lower", "singleton"])


def respell(data: st.DataObject, spec: FieldSpec, value: Any, flag_spelling: str) -> Any:
    """The same value written another way: flags as a bitmask or with their prefix, a value as a singleton range."""
    if isinstance(value, dict) or value == "?" or spec.kind in (Kind.STRING, Kind.BOOL):
        return value
    if spec.kind is Kind.FLAGS and spec.flags is not None and isinstance(value, list):
        names = spec.flags.by_name()
        prefix = spec.flags.prefix
        bare = [item.strip().upper().removeprefix(prefix) if isinstance(item, str) else item for item in value]
        if flag_spelling == "mask":
            mask = 0
            for item in bare:
                mask |= names[item] if isinstance(item, str) else item
            return mask
        if flag_spelling == "prefix":
            return [prefix + item if isinstance(item, str) else item for item in bare]
        if flag_spelling == "lower":
            return [item.lower() if isinstance(item, str) else item for item in value]
        return {"one_of": [value]}
    if spec.name == "hash_secret_key" and isinstance(value, str):
        return value
    return data.draw(st.sampled_from([{"one_of": [value]}, {"min": value, "max": value}, value]), label="singleton")


@fuzz(25)
@given(data=st.data(), seed=st.sampled_from(SEEDS), as_json=st.booleans())
def test_equivalent_spellings_keep_the_verdicts(data: st.DataObject, seed: tuple[str, dict[str, Any]],
                                                as_json: bool) -> None:
    name, original = seed
    document = copy.deepcopy(original)
    document["format"] = loader.FORMAT
    flag_spelling = data.draw(FLAG_SPELLINGS, label="flag spelling")        # for every flag field
    for entry, specs in records_of(document):
        for field in list(entry):
            if field in specs and (specs[field].kind is Kind.FLAGS or data.draw(st.booleans(), label=f"{field}?")):
                entry[field] = respell(data, specs[field], entry[field], flag_spelling)
    if isinstance(document.get("inf"), dict):
        document["inf"] = {data.draw(st.sampled_from([key, key.lower(), key.upper()]), label="keyword case"): value
                           for key, value in document["inf"].items()}
    assert verdicts(name, serialize(document, as_json), as_json) == verdicts(name, serialize(original, False), False)




# A fixed value and the same value written as a singleton open one give the same verdict for every instance: the
# solver proves a symbolic premise satisfiable before it judges the body, as folding does for a fixed one.
@functools.cache
def verdicts(name: str, data: bytes, as_json: bool) -> tuple[int, frozenset[tuple[str, str, str]]]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / (name.removesuffix(".toml") + (".json" if as_json else ".toml"))
        path.write_bytes(data)
        code, out, err = run(["check", "--format", "json", str(path)])
    assert code != 2, err
    results = json.loads(out)["files"][0]["results"]
    return code, frozenset((r["rule"], r["instance"], r["verdict"]) for r in results)
