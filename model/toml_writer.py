"""Writing a configuration document (nested dicts and lists of str/int/bool) as vmqproof/1 TOML."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def _key(key: str) -> str:
    return key if _BARE_KEY.match(key) else json.dumps(key)


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, Mapping):
        return "{ " + ", ".join(f"{_key(k)} = {_scalar(v)}" for k, v in value.items()) + " }"
    if isinstance(value, Sequence):
        return _array(value)
    raise TypeError(f"cannot write {type(value).__name__} as TOML")


def _array(values: Sequence[Any], indent: str = "    ", width: int = 116) -> str:
    items = [_scalar(v) for v in values]
    one_line = "[" + ", ".join(items) + "]"
    if len(one_line) <= width and not any(isinstance(v, Mapping) for v in values):
        return one_line
    if any(isinstance(v, Mapping) for v in values):
        return "[\n" + "".join(f"{indent}{item},\n" for item in items) + "]"
    lines: list[str] = []
    line = ""
    for item in items:
        if line and len(line) + len(item) + 2 > width:
            lines.append(line.rstrip())
            line = ""
        line += item + ", "
    lines.append(line.rstrip().rstrip(","))
    return "[\n" + "".join(f"{indent}{text}\n" if text.endswith(",") else f"{indent}{text},\n"
                           for text in lines[:-1]) + f"{indent}{lines[-1]},\n]"


def _is_table(value: Any) -> bool:
    return isinstance(value, Mapping)


def _is_table_array(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, Mapping) for v in value) \
        and not all(len(v) <= 3 for v in value if isinstance(v, Mapping)) and _has_nested(value)


def _has_nested(value: list[Any]) -> bool:
    return any(any(isinstance(x, (list, Mapping)) for x in v.values()) or len(v) > 3 for v in value)


def dumps_toml(document: Mapping[str, Any], header: Sequence[str] = ()) -> str:
    """TOML text: `header` lines as comments, top-level scalars, then tables (dotted names for nested tables),
    then arrays of tables (`[[vports]]`, `[[queues]]`)."""
    out: list[str] = [f"# {line}" if line else "#" for line in header]
    scalars = [(k, v) for k, v in document.items() if not _is_table(v) and k not in ("vports", "queues")]
    for key, value in scalars:
        out.append(f"{_key(key)} = {_scalar(value)}")

    def table(name: str, body: Mapping[str, Any]) -> None:
        plain = [(k, v) for k, v in body.items() if not _is_table(v)]
        nested = [(k, v) for k, v in body.items() if _is_table(v)]
        if plain or not nested:
            out.append("")
            out.append(f"[{name}]")
            for key, value in plain:
                out.append(f"{_key(key)} = {_scalar(value)}")
        for key, value in nested:
            table(f"{name}.{_key(key)}", value)

    for key, value in document.items():
        if _is_table(value):
            table(_key(key), value)
    for key in ("vports", "queues"):
        for entry in document.get(key, []):
            out.append("")
            out.append(f"[[{key}]]")
            for field, value in entry.items():
                out.append(f"{_key(field)} = {_scalar(value)}")
    return "\n".join(out) + "\n"
