"""The large soundness run (issue 13): `python benchmarks/soundness.py [--count N] [--only NAME]`
(also `python benchmarks/run.py --soundness`).

Runs each differential of the test suite on N seeded configurations (default 20,000; CI runs 2,000, 2,000 and 1,000
from the same first seeds) and prints, per differential, what was compared, the disagreements and the rate:

- concrete:    the solver against the independent evaluator on concrete configurations (tests/test_differential.py);
- symbolic:    every field kept symbolic against the folded path (tests/test_symbolic_differential.py);
- completions: open configurations against the evaluator on every completion, with counterexamples, witnesses and
               legal intervals replayed (tests/test_open_completions.py).

Exit 1 when any differential disagrees.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
import test_differential as concrete  # noqa: E402
import test_open_completions as completions  # noqa: E402
import test_symbolic_differential as symbolic  # noqa: E402


SHOWN = 20       # disagreements printed per differential


def run_concrete(count: int) -> tuple[str, list[str]]:
    started = time.monotonic()
    outcome = concrete.run(count)
    seconds = time.monotonic() - started
    compared = sum(sum(c.values()) for c in outcome["counts"].values())
    return (f"concrete: {count} configurations, {len(concrete.COVERED)} rules, {compared} instance verdicts, "
            f"{len(outcome['mismatches'])} disagreements, {seconds:.1f} s ({count / seconds:.1f} configurations/s)",
            outcome["mismatches"])


def run_symbolic(count: int) -> tuple[str, list[str]]:
    outcome = symbolic.run(count)
    return symbolic.summary(count, outcome), outcome["problems"]


def run_completions(count: int) -> tuple[str, list[str]]:
    outcome = completions.run(count)
    return completions.summary(outcome), outcome["problems"]


DIFFERENTIALS = {"concrete": run_concrete, "symbolic": run_symbolic, "completions": run_completions}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=20_000, help="configurations per differential")
    parser.add_argument("--only", choices=list(DIFFERENTIALS), action="append", help="run only these (repeatable)")
    args = parser.parse_args(argv)
    disagreements = 0
    for name in args.only or list(DIFFERENTIALS):
        line, found = DIFFERENTIALS[name](args.count)
        print(line, flush=True)
        for text in found[:SHOWN]:
            print("  " + text, flush=True)
        disagreements += len(found)
    return 1 if disagreements else 0


if __name__ == "__main__":
    raise SystemExit(main())
