"""The INF reader: encodings, line syntax, models, declarations; INF checks per model; robustness."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from vmqproof.model.config.errors import ConfigError
from vmqproof.model.readers.dispatch import detect_format
from vmqproof.model.readers.inf import load_inf, parse_inf
from vmqproof.properties.queries.inputs import check_input

sys.path.insert(0, str(Path(__file__).parent))
from _support import run  # noqa: E402

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "samples"
FIXTURES = Path(__file__).parent / "fixtures" / "rules"


def samples() -> list[Path]:
    if not (SAMPLES / "inf").is_dir():
        pytest.skip("../shared/samples is not present")
    return sorted((SAMPLES / "inf").glob("*.inf"))


def summary(data: bytes, file: str = "x.inf") -> list[tuple]:
    inf, configs = load_inf(data, file)
    out = []
    for model, config in zip(inf.models, configs):
        out.append((model.name, model.description, model.hardware_ids, model.role, model.virtual,
                    [(d.keyword, d.line, d.values, d.enum) for d in model.declarations],
                    [(w.name, w.value, w.line) for w in model.writes],
                    sorted((k, str(v.value)) for k, v in config.inf.items()), model.placeholders))
    return out


def test_samples_read() -> None:
    files = samples()
    by_name = {p.name: summary(p.read_bytes(), p.name) for p in files}
    netvmini = by_name["netvmini680.inf"]
    assert [m[0] for m in netvmini] == ["NetVMini.ndi"]
    assert netvmini[0][4] is True                               # Characteristics 0x1 = NCF_VIRTUAL
    keywords = [d[0] for d in netvmini[0][5]]
    assert keywords == ["*VMQ", "*VMQLookaheadSplit", "*VMQVlanFiltering", "*QOS", "*PriorityVLANTag"]
    priority = next(d for d in netvmini[0][5] if d[0] == "*PriorityVLANTag")
    assert [e.name for e in priority[3]] == ["0", "1", "2", "3"]       # empty flags field
    xennet = by_name["xennet.inf"]
    assert [m[0] for m in xennet] == ["XenNet_Inst", "XenNet_Inst_25H2"]
    assert ("*numrssqueues", "Open(lo=1, hi=8, one_of=None)") in xennet[0][7]
    assert len(xennet[0][2]) == 3                               # continuation lines join the hardware ids
    assert any(name == "@INF_ARCH@" for name, _ in xennet[0][8])


@pytest.mark.parametrize("bom,codec", [(b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"),
                                       (b"\xef\xbb\xbf", "utf-8"), (b"", "utf-16-le")])
def test_reencoded_samples_read_alike(bom: bytes, codec: str) -> None:
    for path in samples():
        text = path.read_text(encoding="ascii")
        crlf = text.replace("\n", "\r\n")
        assert summary(bom + crlf.encode(codec), path.name) == summary(path.read_bytes(), path.name)
        assert detect_format(bom + crlf.encode(codec), "driver.txt") == "inf"


def test_reencoded_samples_check_alike(tmp_path: Path) -> None:
    for path in samples():
        copy = tmp_path / path.name
        copy.write_bytes(b"\xff\xfe" + path.read_text(encoding="ascii").replace("\n", "\r\n").encode("utf-16-le"))
        first, second = check_input(path), check_input(copy)
        assert first.error is None and second.error is None
        assert [(r.rule, r.instance, r.verdict, r.line) for r in first.results] == \
               [(r.rule, r.instance, r.verdict, r.line) for r in second.results]


INF = """[Version]
Signature = "$Windows NT$"
[Manufacturer]
%Mfg% = Models, NTamd64
[Models.NTamd64]
%PF% = Pf.Inst, PCI\\VEN_1&DEV_1
%VF% = Vf.Inst, PCI\\VEN_1&DEV_2   ; a virtual function
[Pf.Inst]
AddReg = Common.Reg, Pf.Reg
[Vf.Inst]
AddReg = Common.Reg
[Common.Reg]
HKR, ndi\\params\\*rss, type, , "enum"   ; lower-case key, empty flags
HKR, NDI\\PARAMS\\*RSS, Default, 0, "1"
HKR, Ndi\\Params\\*RSS\\Enum, "0", 0, %Off%
HKR, Ndi\\Params\\*RSS\\Enum, "1", 0, "On; not a comment"
[Pf.Reg]
HKR, Ndi\\Params\\*NumRSSQueues, type, 0, \\
     "int"
HKR, Ndi\\Params\\*NumRSSQueues, default, 0, "8"
HKR, Ndi\\Params\\*NumRSSQueues, min, 0, "1"
HKR, Ndi\\Params\\*NumRSSQueues, max, 0, "16"
HKR, Ndi\\Params\\*NumRSSQueues, step, 0, "1"
HKR,,*VMQ,0,"0"
[Strings]
Mfg = "Contoso"
PF = "Contoso PF"
VF = "Contoso VF"
Off = "Disabled"
[Strings.0409]
Off = "Off"
"""


def test_models_declarations_and_writes() -> None:
    inf = parse_inf(INF.encode(), "c.inf")
    pf, vf = inf.models
    assert (pf.name, pf.role, vf.name, vf.role) == ("Pf.Inst", "pf", "Vf.Inst", "vf")
    rss = pf.declaration("*rss")
    assert rss is not None and rss.type == "enum" and rss.number("default") == 1
    assert [(e.name, e.value) for e in rss.enum] == [("0", "Off"), ("1", "On; not a comment")]
    queues = pf.declaration("*NumRSSQueues")
    assert queues is not None and queues.type == "int" and queues.bounds() == (1, 16)
    assert vf.declaration("*NumRSSQueues") is None
    assert [(w.name, w.value) for w in pf.writes] == [("*VMQ", "0")]
    _, (pf_config, vf_config) = load_inf(INF.encode(), "c.inf")
    assert pf_config.inf["*vmq"].value == 0 and "*vmq" not in vf_config.inf


def test_check_names_model_keyword_and_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.inf"
    path.write_text(INF.replace('default, 0, "8"', 'default, 0, "32"'))
    report = check_input(path)
    failing = [r for r in report.results if r.fails()]
    assert [(r.rule, r.instance, r.line) for r in failing] == \
        [("INF-DECL-2", "Pf.Inst: Ndi\\Params\\*NumRSSQueues.default", 20)]
    code, out, _ = run(["check", "--format", "plain", str(path)])
    assert code == 1
    assert f"{path}:20: INF-DECL-2 error violated: " in out
    assert " at Pf.Inst: Ndi\\Params\\*NumRSSQueues.default\n" in out
    code, out, _ = run(["check", "--format", "plain", "--show", "all", str(path)])
    assert code == 1
    assert "Pf.Inst: Ndi\\Params\\*NumRSSQueues.default (line 20)" in out


def test_value_rules_prove_every_declared_value(tmp_path: Path) -> None:
    path = tmp_path / "wide.inf"
    path.write_text(INF.replace('max, 0, "16"', 'max, 0, "16"\nHKR, Ndi\\Params\\*NumRSSQueues, min, 0, "0"'))
    report = check_input(path, ["INF-RSS-9"])
    result = next(r for r in report.results if r.instance.startswith("Pf.Inst"))
    assert result.verdict.value == "conditional" and result.line is not None
    assert any(v.path == "inf.*NumRSSQueues" and v.value == 0 for v in result.counterexample)


def test_input_format_override(tmp_path: Path) -> None:
    path = tmp_path / "driver.txt"
    path.write_text(INF)
    assert check_input(path, input_format="inf").error is None
    assert check_input(path, input_format="toml").error is not None


@pytest.mark.parametrize("data,message", [
    (b"", "empty file"), (b"\x00\x01\x02\x03binary\x00\xff", "binary"), (b"\xff\xfe\x00", "cannot decode"),
    (b"HKR,,x\n", "text before the first section"), (b"[Version]\n", "no [Manufacturer]"),
    (b"[Manufacturer]\nx = Missing\n", "models section [Missing] not found"),
    (b"[Manufacturer]\nx = M\n[M]\nd = Nowhere, id\n", "install section [Nowhere] not found"),
])
def test_bad_inf_is_one_line(tmp_path: Path, data: bytes, message: str) -> None:
    path = tmp_path / "bad.inf"
    path.write_bytes(data)
    code, _, err = run(["check", str(path)])
    assert code == 2
    assert len(err.splitlines()) == 1 and message in err and "bad.inf" in err


LINE = st.sampled_from([
    "[Version]", "[Manufacturer]", "%M% = Models, NTamd64", "[Models.NTamd64]", "%D% = Inst, PCI\\X",
    "[Inst]", "AddReg = Reg", "[Reg]", "HKR, Ndi\\Params\\*VMQ, type, 0, \"enum\"",
    "HKR, Ndi\\Params\\*VMQ, default, 0, \"1\"", "HKR, Ndi\\Params\\*VMQ\\Enum, \"0\", 0, \"x\"",
    "HKR, Ndi\\Params\\*NumRSSQueues, type, 0, \"int\"", "HKR, Ndi\\Params\\*NumRSSQueues, max, 0, \"-5\"",
    "HKR,,*RssOrVmqPreference,0,\"1\"", "[Strings]", "M = \"x\"", "D = \"@P@\"", "\\", "; c", "\"", "%", "=",
])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines=st.lists(st.one_of(LINE, st.text(max_size=20)), max_size=25),
       encoding=st.sampled_from(["utf-8", "utf-16", "cp1252"]))
def test_generated_inf_never_tracebacks(lines: list[str], encoding: str) -> None:
    text = "\r\n".join(lines)
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        data = text.encode("utf-8")
    try:
        load_inf(data, "gen.inf")
    except ConfigError as exc:
        assert "gen.inf" in exc.one_line() and "\n" not in exc.one_line()
