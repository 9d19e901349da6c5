"""The project configuration (`[tool.vmqproof]` / `vmqproof.toml`): discovery, precedence, `vmqproof config`, and
bad files. Every test runs in a tmp directory, so the repository's own pyproject never leaks in."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from _support import run  # noqa: E402

VMQ_WITHOUT_MSIX = '[receive_filter.hardware]\nrevision = 2\nsupported_queue_properties = ["VM_QUEUE_SUPPORTED"]\n'
THREE_OTHER_VECTORS = ('[msix]\ntable_size = 8\nvectors = [{ id = 0, kind = "other" }, { id = 1, kind = "other" },'
                       ' { id = 2, kind = "other" }]\n')


@pytest.fixture()
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "configs").mkdir()
    (tmp_path / "configs" / "a.toml").write_text(VMQ_WITHOUT_MSIX, encoding="utf-8")
    (tmp_path / "configs" / "w.toml").write_text(THREE_OTHER_VECTORS, encoding="utf-8")
    monkeypatch.chdir(tmp_path / "configs")
    return tmp_path


def _settings(*argv: str) -> dict:
    code, out, err = run(["config", "--json", *argv])
    assert code == 0, err
    return json.loads(out)


def test_no_project_file_gives_the_defaults(project: Path) -> None:
    data = _settings()
    assert data["file"] is None
    assert {key: s["source"] for key, s in data["settings"].items()} == dict.fromkeys(
        ["format", "select", "ignore", "fail-on", "suppress", "baseline", "jobs", "timeout"], "default")
    assert data["settings"]["fail-on"]["value"] == "error" and data["settings"]["timeout"]["value"] == 30.0


def test_pyproject_found_upward_and_flags_win(project: Path) -> None:
    (project / "pyproject.toml").write_text('[project]\nname = "driver"\n\n[tool.vmqproof]\nfail-on = "warning"\n'
                                            'select = ["VMQ-IRQ"]\njobs = 2\ntimeout = 12\n', encoding="utf-8")
    data = _settings()
    pyproject = str(project / "pyproject.toml")
    assert data["file"] == pyproject
    assert data["settings"]["fail-on"] == {"value": "warning", "source": f"{pyproject}:5"}
    assert data["settings"]["select"] == {"value": ["VMQ-IRQ"], "source": f"{pyproject}:6"}
    assert data["settings"]["timeout"]["value"] == 12.0
    assert _settings("--fail-on", "info")["settings"]["fail-on"] == {"value": "info", "source": "command line"}
    assert _settings("--strict")["settings"]["fail-on"] == {"value": "warning", "source": "command line"}
    # the settings take effect: fail-on warning makes w.toml's VMQ-IRQ-6 warning fail, a flag overrides it
    assert run(["check", "w.toml"])[0] == 1
    assert run(["check", "--fail-on", "error", "w.toml"])[0] == 0
    code, out, _ = run(["check", "--format", "json", "a.toml"])
    data = json.loads(out)
    assert data["selection"]["select"] == ["VMQ-IRQ"] and data["fail_on"] == "warning"
    assert all(r["rule"].startswith("VMQ-IRQ-") for r in data["files"][0]["results"])
    _, text, _ = run(["config"])
    assert f"fail-on  = \"warning\"  ({pyproject}:5)" in text and "ignore   = []  (default)" in text


def test_closest_directory_wins_and_vmqproof_toml_comes_first(project: Path) -> None:
    (project / "vmqproof.toml").write_text('fail-on = "info"\n', encoding="utf-8")
    (project / "configs" / "pyproject.toml").write_text('[tool.vmqproof]\nfail-on = "warning"\n', encoding="utf-8")
    assert _settings()["settings"]["fail-on"]["value"] == "warning", "closest directory"
    (project / "configs" / "vmqproof.toml").write_text('fail-on = "error"\n', encoding="utf-8")
    assert _settings()["file"].endswith("configs/vmqproof.toml"), "vmqproof.toml before pyproject.toml"


def test_a_pyproject_without_the_table_is_skipped(project: Path) -> None:
    (project / "vmqproof.toml").write_text('fail-on = "info"\n', encoding="utf-8")
    (project / "configs" / "pyproject.toml").write_text('[project]\nname = "x"\n[tool.ruff]\n', encoding="utf-8")
    assert _settings()["file"] == str(project / "vmqproof.toml")


def test_config_file_and_isolated_escapes(project: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    (project / "vmqproof.toml").write_text('fail-on = "info"\n', encoding="utf-8")
    other = tmp_path_factory.mktemp("elsewhere") / "ci.toml"
    other.write_text('fail-on = "warning"\nformat = "json"\n', encoding="utf-8")
    assert _settings("--isolated")["settings"]["fail-on"]["source"] == "default"
    assert _settings("--config", str(other))["settings"]["fail-on"]["value"] == "warning"
    code, out, _ = run(["check", "--config", str(other), "w.toml"])
    assert code == 1 and json.loads(out)["fail_on"] == "warning", "format = json from the project file"
    assert run(["check", "--isolated", "w.toml"])[0] == 0


def test_project_suppressions_cover_paths_by_glob_and_report_stale_ones(project: Path) -> None:
    (project / "vmqproof.toml").write_text(
        'suppress = [\n  { rule = "VMQ-IRQ-2", path = "configs/a*.toml", reason = "lab board" },\n'
        '  { rule = "VMQ-IRQ-6", path = "drivers/*.inf", reason = "gone" },\n]\n', encoding="utf-8")
    code, out, _ = run(["check", "--format", "json", "--rule", "VMQ-IRQ-2", "a.toml"])
    data = json.loads(out)
    (result,) = data["files"][0]["results"]
    assert code == 0 and result["suppression"]["reason"] == "lab board"
    assert result["suppression"]["source"] == f"{project / 'vmqproof.toml'}:1"
    assert any("VMQ-IRQ-6" in w and "matches no finding" in w for w in data["warnings"])


def test_project_baseline_is_relative_to_the_project_file(project: Path) -> None:
    (project / "vmqproof.toml").write_text('baseline = "ci/baseline.json"\n', encoding="utf-8")
    (project / "ci").mkdir()
    assert run(["check", "--isolated", "--rule", "VMQ-IRQ-2", "--write-baseline", str(project / "ci/baseline.json"),
                "a.toml"])[0] == 1
    assert _settings()["settings"]["baseline"]["value"] == str(project / "ci" / "baseline.json")
    assert run(["check", "--rule", "VMQ-IRQ-2", "a.toml"])[0] == 0, "the finding is in the project's baseline"


@pytest.mark.parametrize("content,message,line", [
    ('fail-on = "fatal"\n', "fail-on: unknown severity", 1),
    ('\njobs = 0\n', "jobs: out of range", 2),
    ('timeout = "soon"\n', "timeout: out of range", 1),
    ('selcet = ["D"]\n', "unknown key 'selcet'; did you mean 'select'?", 1),
    ('format = "html"\n', "format: unknown format", 1),
    ('suppress = [{ rule = "D-5" }]\n', "suppress[0].reason: a suppression needs a reason", 1),
    ('fail-on = \n', "malformed TOML", 1),
])
def test_a_bad_project_file_is_exit_2_with_file_and_line(project: Path, content: str, message: str,
                                                         line: int) -> None:
    (project / "vmqproof.toml").write_text(content, encoding="utf-8")
    for argv in (["check", "a.toml"], ["config"]):
        code, out, err = run(argv)
        assert code == 2 and out == "" and len(err.strip().splitlines()) == 1
        assert err.startswith(f"{project / 'vmqproof.toml'}:{line}: ") and message in err, err


def test_bad_pyproject_table_names_tool_vmqproof(project: Path) -> None:
    (project / "pyproject.toml").write_text('[tool.vmqproof]\nignore = 5\n', encoding="utf-8")
    code, _, err = run(["check", "a.toml"])
    assert code == 2 and "pyproject.toml:2: tool.vmqproof.ignore: wrong type" in err
