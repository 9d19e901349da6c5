"""docs/rules.md stays in sync with the registry, and every catalog rule is checked or explained."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from vmqproof.properties.rules.catalog import CATALOG_IDS, NOT_ENCODED_YET, catalog_listing

ROOT = Path(__file__).resolve().parent.parent


def _generator():
    spec = importlib.util.spec_from_file_location("generate_rules", ROOT / "docs" / "generate_rules.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_rules_md_is_up_to_date() -> None:
    expected = _generator().render()
    actual = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert actual == expected, "docs/rules.md is out of date: run `python docs/generate_rules.py`"


def test_every_catalog_rule_is_listed_once() -> None:
    ids = [entry["id"] for entry in catalog_listing()]
    assert len(ids) == len(set(ids))
    assert set(CATALOG_IDS) <= set(ids)


def test_every_unchecked_rule_says_why() -> None:
    for entry in catalog_listing():
        if not entry["checked"]:
            assert entry["reason"] and entry["reason"] != NOT_ENCODED_YET, f"{entry['id']} is neither checked nor explained"


def test_most_of_the_catalog_is_checked() -> None:
    listing = [e for e in catalog_listing() if e["id"] in CATALOG_IDS]
    checked = sum(1 for e in listing if e["checked"])
    assert checked / len(listing) >= 0.85, f"{checked}/{len(listing)} checked"
