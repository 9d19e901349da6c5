"""Writing a configuration document (nested dicts and lists of str/int/bool) as vmqproof/1 TOML, with tomlkit."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import tomlkit
from tomlkit.items import Array

WIDTH = 116


def _value(value: Any) -> Any:
    """Lists of scalars stay arrays (one per line when long); small tables inside arrays stay inline."""
    if isinstance(value, Mapping):
        return {key: _value(item) for key, item in value.items()}
    if isinstance(value, list) and value and all(isinstance(v, Mapping) for v in value):
        if any(isinstance(x, (list, Mapping)) for v in value for x in v.values()):
            return [_value(v) for v in value]                          # arrays of tables: [[vports]]
        tables: Array = tomlkit.array()
        for entry in value:
            inline = tomlkit.inline_table()
            inline.update(entry)
            tables.append(inline)
        return tables.multiline(True)
    if isinstance(value, list):
        array: Array = tomlkit.array()
        array.extend(value)
        return array.multiline(len(tomlkit.dumps({"k": array})) > WIDTH)
    return value


def dumps_toml(document: Mapping[str, Any], header: Sequence[str] = ()) -> str:
    """TOML text: `header` lines as comments, then the document (tables, and arrays of tables for lists of tables)."""
    doc = tomlkit.document()
    for line in header:
        doc.add(tomlkit.comment(line))
    for key, value in document.items():
        doc[key] = _value(value)
    return tomlkit.dumps(doc)
