"""Symbolic versus folded (issue 13): deciding a configuration with every field kept symbolic gives the verdicts of
the default, folded path, per rule and instance.

The default path folds fixed fields into Python values, so the solver (the ∀ / conditional path that decides open
fields) never sees them. `_opening.py` rewrites each of the evaluator's seeded configurations so that every fixed
value v is an open value whose only completion is v (`{one_of = [v]}` or `{min = v, max = v}` in the document, then
`Open(one_of=(v,))` for every default left in the loaded Config). Both go through the real loader and
`check_config` with every checked rule; a (rule, instance) whose verdicts differ is a bug of the open-field encoding
(or of the folded one), reported with the seed that reproduces it.

One difference is not a disagreement: where the folded builder already knows that an instance's premise is false
it may yield no instance (the rule reports "-" not-applicable), while on the open path it yields the instance with
a premise the solver proves unsatisfiable (not-applicable). So not-applicable results are left out on both sides,
and every other verdict is compared instance by instance.
"""

from __future__ import annotations

import collections
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
import _evaluator as E
from _opening import open_config, open_document
from _parallel import tally
from vmqproof.model.config.loader import build_config
from vmqproof.properties.queries.check import check_config
from vmqproof.properties.results import FileReport, Verdict

N_CONFIGS = 2000
BASE_SEED = 0x5EED_0000          # the seeds of test_differential.py: the same configurations


def applicable_verdicts(report: FileReport) -> dict[tuple[str, str], list[str]]:
    """(rule, instance) → the sorted verdicts of its obligations, not-applicable ones left out."""
    grouped: dict[tuple[str, str], list[str]] = collections.defaultdict(list)
    for result in report.results:
        if result.verdict is not Verdict.NOT_APPLICABLE:
            grouped[(result.rule, result.instance)].append(result.verdict.value)
    return {key: sorted(verdicts) for key, verdicts in grouped.items()}


def compare(seed: int) -> tuple[collections.Counter[str], list[str]]:
    """The verdict counts of one seed's configuration and its disagreements between the two paths."""
    doc = E.generate(seed)
    name = f"gen-{seed - BASE_SEED}.toml"
    folded = applicable_verdicts(check_config(build_config(doc, name)))
    opened = applicable_verdicts(check_config(open_config(build_config(open_document(doc, seed), name))))
    counts: collections.Counter[str] = collections.Counter()
    mismatches = []
    for key in sorted(set(folded) | set(opened)):
        a, b = folded.get(key, ["not-applicable"]), opened.get(key, ["not-applicable"])
        if a == b:
            counts.update(a)
        else:
            mismatches.append(f"seed={seed} ({name}) rule={key[0]} instance={key[1]!r}: folded={a} symbolic={b}")
    return counts, mismatches


def run_seeds(seeds: list[int]) -> dict[str, Any]:
    counts: collections.Counter[str] = collections.Counter()
    problems: list[str] = []
    for seed in seeds:
        seen, different = compare(seed)
        counts.update(seen)
        problems += different
    return {"counts": counts, "problems": problems}


def run(n_configs: int = N_CONFIGS, base_seed: int = BASE_SEED) -> dict[str, Any]:
    """Seeds base_seed … base_seed + n − 1, over two processes where there are two cores."""
    return tally(run_seeds, list(range(base_seed, base_seed + n_configs)))


def summary(n_configs: int, outcome: dict[str, Any], base_seed: int = BASE_SEED) -> str:
    counts = outcome["counts"]
    return (f"symbolic vs folded: {n_configs} configurations (seeds {base_seed:#x}…+{n_configs - 1}), every field "
            f"open with one completion; {sum(counts.values())} applicable instance verdicts "
            f"({', '.join(f'{k} {v}' for k, v in sorted(counts.items()))}), {len(outcome['problems'])} "
            f"disagreements, {outcome['seconds']:.1f} s ({n_configs / outcome['seconds']:.1f} configurations/s)")


def test_every_field_is_symbolic_after_opening() -> None:
    """The transform leaves no fixed scalar for the folding to work on (else the test would compare folding with
    itself)."""
    for seed in range(BASE_SEED, BASE_SEED + 50):
        config = open_config(build_config(open_document(E.generate(seed), seed), "x.toml"))
        records = list(config.structures.values()) + [v.record for v in config.vports] + [
            q.record for q in config.queues]
        if config.msix is not None:
            records += [config.msix.record] + [v.record for v in config.msix.vectors]
        if config.rss_processors is not None:
            records.append(config.rss_processors.record)
        for record in records:
            fixed = [name for name, value in record.values.items()
                     if isinstance(value, int) and name != "attached_function_id"]
            assert not fixed, (seed, record.path, fixed)
        assert not [k.name for k in config.inf.values() if isinstance(k.value, int)]


def test_opened_document_keeps_every_value() -> None:
    """Each opened field's only completion is the value the file gave (one_of or min = max)."""
    doc = E.generate(BASE_SEED + 7)
    opened = open_document(doc, BASE_SEED + 7)
    hardware, given = opened["nic_switch"]["hardware"], doc["nic_switch"]["hardware"]
    for name, value in given.items():
        assert hardware[name] in ({"one_of": [value]}, {"min": value, "max": value}), name


def test_symbolic_path_agrees_with_folded_path(soundness_summary: Callable[[str], None]) -> None:
    outcome = run()
    shown = "\n".join(outcome["problems"][:40])
    assert not outcome["problems"], (f"{len(outcome['problems'])} disagreements between the folded and the "
                                       f"symbolic path (first 40):\n{shown}")
    counts = outcome["counts"]
    assert counts["holds"] > 10_000 and counts["violated"] > 1_000 and counts["unspecified"] > 0, counts
    assert not counts["unknown"] and not counts["conditional"], counts     # one completion: never conditional
    soundness_summary(summary(N_CONFIGS, outcome))


if __name__ == "__main__":          # python tests/test_symbolic_differential.py [N]
    count = int(sys.argv[1]) if len(sys.argv) > 1 else N_CONFIGS
    result = run(count)
    print(summary(count, result))
    for line in result["problems"][:60]:
        print(line)
