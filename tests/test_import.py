"""`vmqproof import`: INF and PowerShell files into configuration files that `check` reads back alike."""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

import pytest
from vmqproof.model.readers.dispatch import load_config
from vmqproof.properties import check_config

sys.path.insert(0, str(Path(__file__).parent))
from _support import run  # noqa: E402

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "samples"
OWN = Path(__file__).parent / "fixtures"


def test_import_inf_one_file_per_model(tmp_path: Path) -> None:
    source = SAMPLES / "inf" / "xennet.inf"
    if not source.exists():
        pytest.skip("../shared/samples is not present")
    code, out, err = run(["import", str(source), "-o", str(tmp_path / "xennet.toml")])
    assert code == 0, err
    written = sorted(tmp_path.glob("*.toml"))
    assert [p.name for p in written] == ["xennet.XenNet_Inst.toml", "xennet.XenNet_Inst_25H2.toml"]
    document = tomllib.loads(written[0].read_text())
    assert document["inf"]["*NumRSSQueues"] == {"min": 1, "max": 8}
    assert "xennet.inf:183 declared int, default 8" in written[0].read_text()
    assert run(["import", str(source)])[0] == 2              # several models, no -o: say so
    code, out, _ = run(["import", str(source), "--model", "xennet_inst"])
    assert code == 0 and tomllib.loads(out)["inf"]["*RSS"] == {"one_of": [0, 1]}


def test_imported_inf_checks_like_the_inf(tmp_path: Path) -> None:
    source = OWN / "rules" / "INF-RSS-9" / "declared-enum-with-zero.inf"
    target = tmp_path / "out.toml"
    assert run(["import", str(source), "-o", str(target)])[0] == 0
    direct = load_config(source)
    imported = load_config(target)
    assert {k: v.value for k, v in imported.inf.items()} == {k: v.value for k, v in direct.inf.items()}
    verdict = [r.verdict for r in check_config(imported, ["INF-RSS-9"]).results]
    assert verdict == [r.verdict for r in check_config(direct, ["INF-RSS-9"]).results]


@pytest.mark.parametrize("name", ["vmq-list.txt", "rss.json", "advanced-table.txt", "vmqqueue-table.txt"])
def test_import_powershell_round_trips(tmp_path: Path, name: str) -> None:
    source = OWN / "powershell" / name
    target = tmp_path / "out.toml"
    code, _, err = run(["import", str(source), "-o", str(target)])
    assert code == 0, err
    assert load_config(target).host == load_config(source).host


def test_import_refuses_configs_and_bad_input(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text('[inf]\n"*VMQ" = 1\n')
    code, _, err = run(["import", str(config)])
    assert code == 2 and "already a vmqproof configuration" in err
    bad = tmp_path / "bad.inf"
    bad.write_bytes(b"\x00\x01\x02binary")
    code, _, err = run(["import", str(bad)])
    assert code == 2 and len(err.splitlines()) == 1
