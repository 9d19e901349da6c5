"""Patching changed field values into a configuration document, in the file's own style (`repair -o`).

TOML goes through tomlkit, which round-trips comments and layout; JSON is re-serialised with the same
structure. Values are written as the user wrote that field: flags as a list of names when the file used names
(or did not give the field), as an integer when it gave an integer; processors as "group:number"; an INF
keyword given as a string stays a string; a VPort's function id as `attached = "pf" | "vf:N"`.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

import tomlkit

from vmqproof.model.config import constants as C
from vmqproof.model.config.errors import ConfigError
from vmqproof.model.config.fields import FieldSpec, Kind, format_processor

_STEP = re.compile(r"([^.\[\]]+)(?:\[(\d+)\])?")


@dataclass(frozen=True, slots=True)
class Edit:
    """Set field `path` (a dotted symbolic path) to `value` (the encoding's integer or bool)."""

    path: str
    value: int | bool
    spec: FieldSpec | None          # None for an INF keyword


def _steps(path: str) -> list[str | int]:
    """`vports[2].num_queue_pairs` → ["vports", 2, "num_queue_pairs"]; `inf.*VMQ` → ["inf", "*VMQ"]."""
    if path.startswith("inf."):
        return ["inf", path[4:].strip('"')]
    steps: list[str | int] = []
    for part in path.split("."):
        match = _STEP.fullmatch(part)
        if match is None:
            raise ConfigError(f"cannot locate field {path!r} in the document")
        steps.append(match.group(1))
        if match.group(2) is not None:
            steps.append(int(match.group(2)))
    return steps


def _styled(edit: Edit, old: Any, per_group: int) -> Any:
    spec = edit.spec
    value = edit.value
    if spec is None:                                        # INF keyword
        return str(int(value)) if isinstance(old, str) else int(value)
    if spec.kind is Kind.BOOL:
        return bool(value)
    if spec.kind is Kind.PROCESSOR:
        return format_processor(int(value), per_group)
    if spec.kind is Kind.FLAGS and spec.flags is not None:
        if isinstance(old, int) and not isinstance(old, bool):
            return int(value)
        return [int(n, 16) if n.startswith("0x") else n for n in spec.flags.names_of(int(value))]
    if spec.name == "hash_secret_key" and isinstance(old, str):
        return f"0x{int(value):x}"
    return int(value)


def _apply(document: Any, edits: Sequence[Edit], per_group: int) -> None:
    for edit in edits:
        steps = _steps(edit.path)
        node = document
        for step in steps[:-1]:
            node = node[step]
        last = steps[-1]
        assert isinstance(last, str)
        if steps[0] == "inf":
            match = next((k for k in node if str(k).lower() == last.lower()), None)
            last = match if match is not None else last
        if last == "attached_function_id":                  # written as `attached`
            node["attached"] = "pf" if int(edit.value) == C.NDIS_PF_FUNCTION_ID else f"vf:{int(edit.value)}"
            continue
        old = node[last] if last in node else None
        node[last] = _styled(edit, old, per_group)


def patch_text(text: str, is_toml: bool, edits: Sequence[Edit], per_group: int = 64) -> str:
    """The document `text` with `edits` applied, in the same format (TOML keeps comments and layout)."""
    if is_toml:
        document = tomlkit.parse(text)
        _apply(document, edits, per_group)
        return tomlkit.dumps(document)
    data = json.loads(text.removeprefix("\ufeff"))
    _apply(data, edits, per_group)
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def document_kind(file: str, text: str) -> bool:
    """True when the loader reads `file` as TOML (the same test `parse_document` makes)."""
    lower = file.lower()
    is_json = lower.endswith(".json") or (not lower.endswith(".toml") and text.lstrip().startswith("{"))
    return not is_json


OUTPUT_SUFFIXES = {".toml": True, ".json": False}


def output_is_toml(out: str) -> bool:
    """Whether `repair -o OUT` writes TOML (`.toml`) or JSON (`.json`); any other suffix is bad usage."""
    suffix = PurePath(out).suffix.lower()
    if suffix not in OUTPUT_SUFFIXES:
        raise ConfigError("the output format follows the file's suffix", file=out, path="-o",
                          expected=" or ".join(OUTPUT_SUFFIXES), given=repr(suffix or "no suffix"))
    return OUTPUT_SUFFIXES[suffix]


def convert_text(text: str, is_toml: bool, to_toml: bool) -> str:
    """The document `text` in the other format when asked for (TOML → JSON loses comments; JSON → TOML is
    written by tomlkit); the same text otherwise."""
    if is_toml == to_toml:
        return text
    if to_toml:
        return tomlkit.dumps(json.loads(text.removeprefix("\ufeff")))
    return json.dumps(tomllib.loads(text), indent=2, ensure_ascii=False) + "\n"
