"""Enumerated completions (issue 13, item 2): vmqproof's verdicts on *open* configurations against the independent
evaluator run on every completion.

`_completions.generate_open` opens 1–3 fields of a seeded configuration to small domains. Every completion is
decided by `_evaluator.py`; the expected verdict of each obligation follows design.md "Verdicts" and
`Session.decide`, where an obligation is `guard ⇒ body` over the completions:

- not-applicable: no completion satisfies the guard (the evaluator says not-applicable for all of them);
- holds: no completion fails (guard ∧ ¬body), applicable or not;
- violated: every completion fails; a completion where the guard is false holds vacuously, so it makes the
  obligation conditional, not violated;
- conditional: some completions fail and others do not;
- unspecified in place of violated or conditional where the failure means a combination the documentation leaves
  open (A33: the evaluator reports such failures as unspecified).

An obligation is matched across completions by its instance and its position among the instance's obligations; as
in test_symbolic_differential.py, not-applicable verdicts are left out on both sides (a folded builder may yield no
instance where the open one yields a not-applicable one).

Then every counterexample and witness vmqproof reports is plugged back as a concrete file: it must be one of the
enumerated completions, and both the evaluator and the real `check` must find the instance failing there
(counterexample) or not failing (witness). And for an obligation over one open integer field, the exact legal
intervals `check` prints (`Result.legal_values`) must be the enumerated legal set of that field.
"""

from __future__ import annotations

import collections
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
import _evaluator as E
from _completions import OpenConfig, generate_open
from _parallel import tally
from vmqproof.model.config.loader import build_config
from vmqproof.properties.queries.check import check_config
from vmqproof.properties.results import FileReport, Result, Verdict
from vmqproof.properties.rules import all_rules

N_CONFIGS = 1000
BASE_SEED = 0x0BE7_0000
RULES = sorted(set(E.RULES) & {r.id for r in all_rules()})
NA, FAILING = "not-applicable", ("violated", "unspecified")

Key = tuple[str, str]                           # (rule, instance)


def evaluator_verdicts(doc: dict[str, Any]) -> dict[Key, list[str]]:
    """(rule, instance) → the evaluator's verdicts of its obligations, in the evaluator's order."""
    grouped: dict[Key, list[str]] = collections.defaultdict(list)
    for rule, outcome in E.evaluate(doc, RULES).items():
        for instance, verdict in outcome:
            grouped[(rule, instance)].append(verdict)
    return grouped


def combine(verdicts: list[str]) -> str:
    """The verdict of one obligation over all completions, from the evaluator's verdict on each."""
    failing = [v for v in verdicts if v in FAILING]
    if all(v == NA for v in verdicts):
        return NA
    if not failing:
        return "holds"
    if "unspecified" in failing:
        return "unspecified"
    return "violated" if len(failing) == len(verdicts) else "conditional"


def expected(per_completion: list[dict[Key, list[str]]]) -> dict[Key, list[str]]:
    keys = {key for verdicts in per_completion for key in verdicts}
    result: dict[Key, list[str]] = {}
    for key in keys:
        depth = max(len(v.get(key, [])) for v in per_completion)
        combined = [combine([(v.get(key) or [])[k] if k < len(v.get(key) or []) else NA for v in per_completion])
                    for k in range(depth)]
        applicable = sorted(c for c in combined if c != NA)
        if applicable:
            result[key] = applicable
    return result


def reported(report: FileReport) -> dict[Key, list[str]]:
    grouped: dict[Key, list[str]] = collections.defaultdict(list)
    for result in report.results:
        if result.verdict is not Verdict.NOT_APPLICABLE:
            grouped[(result.rule, result.instance)].append(result.verdict.value)
    return {key: sorted(verdicts) for key, verdicts in grouped.items()}


def parse_intervals(text: str) -> tuple[str, set[int]]:
    """`path ∈ [a, b] ∪ {x, y}` → (path, the set)."""
    path, _, sets = text.partition(" ∈ ")
    values: set[int] = set()
    for part in sets.split(" ∪ "):
        if part == "∅":
            continue
        numbers = [int(n) for n in re.findall(r"-?\d+", part)]
        if part.startswith("["):
            values.update(range(numbers[0], numbers[1] + 1))
        else:
            values.update(numbers)
    return path, values


class Checker:
    """One open configuration: its completions decided by the evaluator, compared with `check` on the file."""

    def __init__(self, oc: OpenConfig) -> None:
        self.oc = oc
        self.name = f"open-{oc.seed - BASE_SEED}.toml"
        self.choices: list[tuple[Any, ...]] = []
        self.per_completion: list[dict[Key, list[str]]] = []
        for choice, doc in oc.completions():
            self.choices.append(choice)
            self.per_completion.append(evaluator_verdicts(doc))
        self.by_choice = dict(zip(self.choices, self.per_completion))
        self.concrete_reports: dict[tuple[Any, ...], dict[Key, list[str]]] = {}
        self.problems: list[str] = []
        self.counts: collections.Counter[str] = collections.Counter(completions=len(self.choices))

    def problem(self, text: str) -> None:
        self.problems.append(f"seed={self.oc.seed} ({self.name}; open: "
                             f"{', '.join(f'{f.path}={f.spelling}' for f in self.oc.fields)}) {text}")

    def run(self) -> None:
        report = check_config(build_config(self.oc.document, self.name), rule_ids=RULES)
        got, wanted = reported(report), expected(self.per_completion)
        for key in sorted(set(got) | set(wanted)):
            if got.get(key, [NA]) != wanted.get(key, [NA]):
                self.problem(f"rule={key[0]} instance={key[1]!r}: check={got.get(key, [NA])} "
                             f"enumerated={wanted.get(key, [NA])}")
            else:
                self.counts.update(got[key])
        for result in report.results:
            if result.verdict in (Verdict.VIOLATED, Verdict.CONDITIONAL, Verdict.UNSPECIFIED):
                self.replay(result, result.counterexample, failing=True)
                if result.witness:
                    self.replay(result, result.witness, failing=False)
            if result.legal_values is not None:
                self.legal(result)

    def choice_of(self, shown: tuple[Any, ...]) -> tuple[Any, ...] | None:
        chosen = {value.path: value.value for value in shown if not value.given}
        choice = tuple(self.oc.canonical(f, chosen[f.path]) if f.path in chosen else f.values[0]
                       for f in self.oc.fields)
        return choice if choice in self.by_choice else None

    def replay(self, result: Result, shown: tuple[Any, ...], failing: bool) -> None:
        what = "counterexample" if failing else "witness"
        key = (result.rule, result.instance)
        choice = self.choice_of(shown)
        if choice is None:
            self.problem(f"rule={key[0]} instance={key[1]!r}: the {what} {shown} is not a completion of the domains")
            return
        self.counts["counterexamples replayed" if failing else "witnesses replayed"] += 1
        mine = self.by_choice[choice].get(key, [])
        theirs = self.concrete(choice).get(key, [])
        if failing and not (any(v in FAILING for v in mine) and any(v in FAILING for v in theirs)):
            self.problem(f"rule={key[0]} instance={key[1]!r}: the counterexample {choice} does not fail: "
                         f"evaluator={mine} check={theirs}")
        if not failing and (all(v in FAILING for v in mine) and mine or all(v in FAILING for v in theirs) and theirs):
            self.problem(f"rule={key[0]} instance={key[1]!r}: the witness {choice} fails: evaluator={mine} "
                         f"check={theirs}")

    def concrete(self, choice: tuple[Any, ...]) -> dict[Key, list[str]]:
        """The real `check` of a completion written as a concrete file: (rule, instance) → verdicts."""
        if choice not in self.concrete_reports:
            report = check_config(build_config(self.oc.completion(choice), self.name), rule_ids=RULES)
            grouped: dict[Key, list[str]] = collections.defaultdict(list)
            for result in report.results:
                grouped[(result.rule, result.instance)].append(result.verdict.value)
            self.concrete_reports[choice] = grouped
        return self.concrete_reports[choice]

    def legal(self, result: Result) -> None:
        key = (result.rule, result.instance)
        path, shown = parse_intervals(result.legal_values or "")
        index = next((i for i, f in enumerate(self.oc.fields) if f.path == path), None)
        if index is None:
            self.problem(f"rule={key[0]} instance={key[1]!r}: legal values of a field not opened: "
                         f"{result.legal_values}")
            return
        if any(len(verdicts.get(key, [])) > 1 for verdicts in self.per_completion):
            return          # several obligations share the instance: which one the interval is of is not known here
        field = self.oc.fields[index]
        legal = {value for value in field.values
                 if all(not (verdicts.get(key) or [NA])[0] in FAILING
                        for choice, verdicts in zip(self.choices, self.per_completion) if choice[index] == value)}
        self.counts["legal sets compared"] += 1
        if legal != shown:
            self.problem(f"rule={key[0]} instance={key[1]!r}: check prints {result.legal_values}, the enumerated "
                         f"legal values of {path} are {sorted(legal)}")


def run_seeds(seeds: list[int]) -> dict[str, Any]:
    counts: collections.Counter[str] = collections.Counter()
    problems: list[str] = []
    for seed in seeds:
        oc = generate_open(seed, E.generate(seed))
        if oc is None:
            continue
        checker = Checker(oc)
        checker.run()
        counts.update(checker.counts)
        counts["open configurations"] += 1
        counts["open fields"] += len(oc.fields)
        problems += checker.problems
    return {"counts": counts, "problems": problems}


def run(n_configs: int = N_CONFIGS, base_seed: int = BASE_SEED) -> dict[str, Any]:
    """Seeds base_seed … base_seed + n − 1, over two processes where there are two cores."""
    return tally(run_seeds, list(range(base_seed, base_seed + n_configs)))


def summary(outcome: dict[str, Any], base_seed: int = BASE_SEED) -> str:
    c = outcome["counts"]
    verdicts = ", ".join(f"{v} {c[v]}" for v in ("holds", "violated", "conditional", "unspecified") if c[v])
    return (f"enumerated completions: {c['open configurations']} open configurations (seeds {base_seed:#x}…), "
            f"{c['open fields']} open fields, {c['completions']} completions; {verdicts}; "
            f"{c['counterexamples replayed']} counterexamples and {c['witnesses replayed']} witnesses replayed, "
            f"{c['legal sets compared']} legal sets compared; {len(outcome['problems'])} disagreements, "
            f"{outcome['seconds']:.1f} s ({c['open configurations'] / outcome['seconds']:.1f} configurations/s)")


def test_combining_completion_verdicts() -> None:
    assert combine([NA, NA]) == NA
    assert combine(["holds", NA]) == "holds"
    assert combine(["violated", "violated"]) == "violated"
    assert combine(["violated", NA]) == "conditional"           # a false guard holds vacuously
    assert combine(["violated", "holds"]) == "conditional"
    assert combine(["unspecified", "holds"]) == "unspecified"
    assert parse_intervals("msix.table_size ∈ [16, 18] ∪ {20, 22}") == ("msix.table_size", {16, 17, 18, 20, 22})


def test_open_configurations_are_valid_and_small() -> None:
    for seed in range(BASE_SEED, BASE_SEED + 200):
        oc = generate_open(seed, E.generate(seed))
        assert oc is not None
        build_config(oc.document, "open.toml")
        assert 1 <= len(oc.fields) <= 3 and all(2 <= len(f.values) <= 8 for f in oc.fields), oc.fields
        assert len(list(oc.completions())) <= 96


def test_check_agrees_with_enumerated_completions(soundness_summary: Callable[[str], None]) -> None:
    outcome = run()
    shown = "\n".join(outcome["problems"][:40])
    assert not outcome["problems"], f"{len(outcome['problems'])} disagreements (first 40):\n{shown}"
    c = outcome["counts"]
    assert c["open configurations"] == N_CONFIGS
    assert c["conditional"] > 300 and c["counterexamples replayed"] > 1000 and c["witnesses replayed"] > 300, c
    assert c["legal sets compared"] > 100, c
    soundness_summary(summary(outcome))


if __name__ == "__main__":          # python tests/test_open_completions.py [N]
    count = int(sys.argv[1]) if len(sys.argv) > 1 else N_CONFIGS
    result = run(count)
    print(summary(result))
    for line in result["problems"][:60]:
        print(line)
