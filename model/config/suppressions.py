"""`suppress = [{ rule, instance, reason, expires, path }]`: accepted findings, read from a configuration file's
`[policy]` table or from the project configuration (`[tool.vmqproof]`, where `path` globs name the files)."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from typing import Any

from vmqproof.model.config.errors import ConfigError
from vmqproof.model.config.schema import Suppression

MAX_SUPPRESSIONS = 10000
# What a rule id looks like (the catalog's ids and the ones vmqproof adds): `VMQ-IRQ-5`, `NSC-15b`, `INF-DECL-1`.
RULE_ID = re.compile(r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)*-[0-9]+[a-z]?$")

# (field path, message, expected, given) → the error to raise, naming the file and line
Fail = Callable[[str, str, str | None, Any], ConfigError]


def _expiry(value: Any, where: str, fail: Fail) -> str:
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value).isoformat()
        except ValueError:
            pass
    raise fail(where, "bad date", 'a date such as 2027-06-30 or "2027-06-30"', value)


def parse_suppressions(raw: Any, prefix: str, fail: Fail, source_of: Callable[[str], str],
                       allow_path: bool) -> tuple[Suppression, ...]:
    """The entries of a `suppress` array at `prefix`; a missing or empty reason is bad input."""
    if not isinstance(raw, list):
        raise fail(prefix, "wrong type", "an array of tables { rule, instance, reason, expires }", raw)
    if len(raw) > MAX_SUPPRESSIONS:
        raise fail(prefix, "too many entries", f"at most {MAX_SUPPRESSIONS}", f"{len(raw)} entries")
    allowed = ("rule", "instance", "reason", "expires") + (("path",) if allow_path else ())
    entries = []
    for index, entry in enumerate(raw):
        where = f"{prefix}[{index}]"
        if not isinstance(entry, dict):
            raise fail(where, "wrong type", "a table { rule, instance, reason, expires }", entry)
        for key in entry:
            if key not in allowed:
                raise fail(f"{where}.{key}", f"unknown key {key!r}", " | ".join(allowed), None)
        rule = entry.get("rule")
        if not isinstance(rule, str) or not RULE_ID.fullmatch(rule):
            raise fail(f"{where}.rule", "bad rule id", 'a rule id such as "HOST-4"', rule)
        reason = entry.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            raise fail(f"{where}.reason", "a suppression needs a reason", "a non-empty string", reason)
        instance = entry.get("instance")
        if instance is not None and not isinstance(instance, str):
            raise fail(f"{where}.instance", "wrong type", "a string (an instance as check reports it)", instance)
        path = entry.get("path")
        if path is not None and (not isinstance(path, str) or not path):
            raise fail(f"{where}.path", "wrong type", 'a glob such as "drivers/*.inf"', path)
        expires = None if "expires" not in entry else _expiry(entry["expires"], f"{where}.expires", fail)
        entries.append(Suppression(rule, reason.strip(), instance, expires, path, source_of(where)))
    return tuple(entries)
