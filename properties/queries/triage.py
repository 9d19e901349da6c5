"""What a run does with the reports once they are checked: rule selection (`--select`/`--ignore`), suppressions
with a reason, and baselines of earlier findings. z3-free and executor-neutral: any executor that produces
FileReports (processes, Dask) runs `triage` on them before rendering."""

from __future__ import annotations

import dataclasses
import datetime
import difflib
import fnmatch
import hashlib
import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePath

from vmqproof.model.config.errors import ConfigError
from vmqproof.properties.results import (
    FAILING, FINDINGS, BaselineState, FileReport, Result, Severity, Suppression,
)

BASELINE_FORMAT = "vmqproof-baseline/1"


# -- selection -------------------------------------------------------------------------------------------------

def family(rule_id: str) -> str:
    """A rule's family: its id without the number (`VMQ-IRQ-5` → `VMQ-IRQ`, `NSC-15b` → `NSC`, `D-7` → `D`)."""
    return rule_id.rsplit("-", 1)[0]


def selector_matches(selector: str, rule_id: str) -> bool:
    """An id selects itself; a prefix selects the ids that continue it at a `-` boundary (`D` selects `D-7` but
    not `DX-1`, `VMQ` selects `VMQ-IRQ-5` but not `VMMQ-VP-1`); a family is such a prefix."""
    selector = selector.upper()
    return rule_id.upper() == selector or rule_id.upper().startswith(selector + "-")


def _split(raw: Iterable[str]) -> list[str]:
    return [part.strip() for item in raw for part in item.split(",") if part.strip()]


def _check_selectors(selectors: Sequence[str], known: Sequence[str], option: str) -> None:
    names = list(known) + sorted({family(i) for i in known})
    for selector in selectors:
        if not any(selector_matches(selector, rule_id) for rule_id in known):
            close = difflib.get_close_matches(selector.upper(), names, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise ConfigError(f"{selector!r} is no rule id, id prefix or family{hint}", file=option)


@dataclass(frozen=True, slots=True)
class Selection:
    """What `--select`/`--ignore` (and `--rule`, a select) asked for, and the checked rule ids it leaves."""

    select: tuple[str, ...]
    ignore: tuple[str, ...]
    rules: tuple[str, ...]
    everything: bool          # no selector narrowed the registry

    def as_json(self) -> dict[str, object]:
        """`all` when nothing narrowed the registry; else the checked ids the selectors left, in `rules`."""
        data: dict[str, object] = {"select": list(self.select), "ignore": list(self.ignore), "all": self.everything}
        if not self.everything:
            data["rules"] = list(self.rules)
        return data


def select_rule_ids(select: Iterable[str], ignore: Iterable[str], known: Sequence[str],
                    checked: Sequence[str]) -> Selection:
    """Resolve selectors against the catalog (`known`) into the checked ids they leave; an unknown selector, or
    one that leaves no checked rule, is bad usage."""
    selected, ignored = _split(select), _split(ignore)
    _check_selectors(selected, known, "--select")
    _check_selectors(ignored, known, "--ignore")
    rules = [r for r in checked
             if (not selected or any(selector_matches(s, r) for s in selected))
             and not any(selector_matches(s, r) for s in ignored)]
    if not rules:
        raise ConfigError("the selection leaves no checked rule", file="--select" if selected else "--ignore")
    return Selection(tuple(selected), tuple(ignored), tuple(rules), not selected and not ignored)


# -- suppressions ----------------------------------------------------------------------------------------------

def _describe(suppression: Suppression) -> str:
    return suppression.rule + (f" at {suppression.instance}" if suppression.instance is not None else "")


def _expired(suppression: Suppression, today: datetime.date) -> bool:
    return suppression.expires is not None and datetime.date.fromisoformat(suppression.expires) < today


def _covers(suppression: Suppression, result: Result) -> bool:
    return (result.verdict in FINDINGS and suppression.rule == result.rule
            and suppression.instance in (None, result.instance))


def relative_posix(path: str, root: Path) -> str:
    """`path` relative to `root` with `/` separators (as written in globs and baselines; `..` where it is
    outside); as given when there is no relative path (another drive)."""
    try:
        return PurePath(os.path.relpath(Path(path).resolve(), root.resolve())).as_posix()
    except ValueError:
        return PurePath(path).as_posix()


def path_matches(glob: str | None, path: str, root: Path | None) -> bool:
    """A suppression without a glob covers the file it is declared in; a glob is matched (fnmatch: `*` also
    crosses `/`) against the path relative to `root`, the folder of the project configuration."""
    if glob is None:
        return True
    return fnmatch.fnmatchcase(relative_posix(path, root or Path.cwd()), glob)


def suppress(reports: Sequence[FileReport], suppressions: Sequence[Suppression], today: datetime.date,
             root: Path | None = None) -> tuple[list[FileReport], list[str]]:
    """Mark the findings each suppression covers; the warnings name suppressions that have expired (they no
    longer suppress) and ones that matched no finding (stale)."""
    if not suppressions:
        return list(reports), []
    used = [False] * len(suppressions)
    warnings: list[str] = []
    out = []
    for report in reports:
        wanted = [(i, s) for i, s in enumerate(suppressions) if path_matches(s.path, report.path, root)]
        results = []
        for result in report.results:
            for index, suppression in wanted:
                if result.suppression is None and _covers(suppression, result):
                    used[index] = True
                    if _expired(suppression, today):
                        warnings.append(f"{suppression.source}: the suppression of {_describe(suppression)} "
                                        f"expired on {suppression.expires}; {report.path} reports it again")
                        continue
                    result = dataclasses.replace(result, suppression=suppression)
            results.append(result)
        out.append(dataclasses.replace(report, results=tuple(results)))
    warnings.extend(f"{s.source}: the suppression of {_describe(s)} matches no finding; remove it"
                    for s, hit in zip(suppressions, used) if not hit)
    return out, warnings


def suppress_in_file(report: FileReport, suppressions: Sequence[Suppression],
                     today: datetime.date | None = None) -> FileReport:
    """A configuration file's own `[policy] suppress`, applied to its report; warnings stay with the report."""
    if not suppressions or report.error is not None:
        return report
    (suppressed,), warnings = suppress([report], suppressions, today or datetime.date.today())
    return dataclasses.replace(suppressed, warnings=report.warnings + tuple(warnings))


# -- baselines -------------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class BaselineEntry:
    fingerprint: str
    rule: str
    path: str           # relative to the baseline file's folder, with `/`
    instance: str
    severity: str
    message: str


def fingerprint(rule: str, relative_path: str, instance: str) -> str:
    """Stable across runs and line moves: the rule id, the file relative to the baseline and the instance."""
    return hashlib.sha256(f"{rule}\0{relative_path}\0{instance}".encode()).hexdigest()[:20]


def baseline_findings(reports: Sequence[FileReport], base: Path) -> list[BaselineEntry]:
    """Today's violated and conditional findings (suppressed ones too: a suppression may expire)."""
    entries = []
    for report in reports:
        relative = relative_posix(report.path, base)
        for result in report.results:
            if result.verdict in FAILING:
                entries.append(BaselineEntry(fingerprint(result.rule, relative, result.instance), result.rule,
                                             relative, result.instance, result.severity.value, result.message))
    return entries


def write_baseline(reports: Sequence[FileReport], file: str) -> int:
    base = Path(file).resolve().parent
    entries = baseline_findings(reports, base)
    document = {"format": BASELINE_FORMAT, "findings": [dataclasses.asdict(e) for e in entries]}
    try:
        Path(file).write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot write the baseline: {exc.strerror or exc}", file=file) from None
    return len(entries)


def read_baseline(file: str) -> list[BaselineEntry]:
    try:
        document = json.loads(Path(file).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read the baseline: {exc.strerror or exc}", file=file) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        line = getattr(exc, "lineno", None)
        raise ConfigError("not a baseline file (malformed JSON)", file=file, line=line) from None
    if not isinstance(document, dict) or document.get("format") != BASELINE_FORMAT:
        raise ConfigError("not a baseline file", file=file, path="format", expected=repr(BASELINE_FORMAT),
                          given=repr(document.get("format")) if isinstance(document, dict) else None)
    findings = document.get("findings")
    if not isinstance(findings, list):
        raise ConfigError("wrong type", file=file, path="findings", expected="an array")
    entries = []
    fields = [f.name for f in dataclasses.fields(BaselineEntry)]
    for index, entry in enumerate(findings):
        if not isinstance(entry, dict) or any(not isinstance(entry.get(name), str) for name in fields):
            raise ConfigError("bad entry", file=file, path=f"findings[{index}]",
                              expected="{" + ", ".join(fields) + "} strings")
        entries.append(BaselineEntry(**{name: entry[name] for name in fields}))
    return entries


def compare_with_baseline(reports: Sequence[FileReport], file: str) -> tuple[list[FileReport], list[BaselineEntry]]:
    """Mark each violated/conditional finding new or unchanged; the baseline's findings not seen now are the
    fixed ones (SARIF `absent`)."""
    base = Path(file).resolve().parent
    recorded = {e.fingerprint: e for e in read_baseline(file)}
    seen: set[str] = set()
    out = []
    for report in reports:
        relative = relative_posix(report.path, base)
        results = []
        for result in report.results:
            if result.verdict in FAILING:
                key = fingerprint(result.rule, relative, result.instance)
                seen.add(key)
                state = BaselineState.UNCHANGED if key in recorded else BaselineState.NEW
                result = dataclasses.replace(result, baseline_state=state)
            results.append(result)
        out.append(dataclasses.replace(report, results=tuple(results)))
    return out, [e for key, e in recorded.items() if key not in seen]


# -- one run ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class CheckRun:
    """Everything a renderer needs: the triaged reports, what failed means, and the run-level notes."""

    reports: tuple[FileReport, ...]
    fail_on: Severity = Severity.ERROR
    selection: Selection | None = None
    warnings: tuple[str, ...] = ()
    fixed: tuple[BaselineEntry, ...] = ()
    baseline: str | None = None


def triage(reports: Sequence[FileReport], *, fail_on: Severity = Severity.ERROR, selection: Selection | None = None,
           suppressions: Sequence[Suppression] = (), root: Path | None = None, baseline: str | None = None,
           today: datetime.date | None = None) -> CheckRun:
    """Apply the project's suppressions and the baseline to checked reports (their own `[policy] suppress` is
    applied where they were checked)."""
    triaged, warnings = suppress(reports, suppressions, today or datetime.date.today(), root)
    fixed: list[BaselineEntry] = []
    if baseline is not None:
        triaged, fixed = compare_with_baseline(triaged, baseline)
    return CheckRun(tuple(triaged), fail_on, selection, tuple(warnings), tuple(fixed), baseline)
