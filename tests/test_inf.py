"""The INF reader: encodings, line syntax, models, declarations; INF checks per model; robustness."""

from __future__ import annotations

import json
import shutil
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


ARCH_INF = """[Version]
Signature = "$Windows NT$"
[Manufacturer]
%Mfg% = Contoso, NTx86, NTamd64, NTarm64
[Contoso.NTx86]
%Port% = Port.Inst, PCI\\VEN_FFFF&DEV_0010
[Contoso.NTamd64]
%Port% = Port.Inst, PCI\\VEN_FFFF&DEV_0010
[Contoso.NTarm64]
%Port% = Port.Inst, PCI\\VEN_FFFF&DEV_0010
[Port.Inst.NTx86]
AddReg = Common.Reg, Narrow.Reg
[Port.Inst.NTamd64]
AddReg = Common.Reg, Wide.Reg
[Port.Inst.NT]
AddReg = Common.Reg
[Common.Reg]
HKR, Ndi\\params\\*RSS, type, 0, "enum"
HKR, Ndi\\params\\*RSS, default, 0, "1"
HKR, Ndi\\params\\*RSS\\Enum, "0", 0, "Disabled"
HKR, Ndi\\params\\*RSS\\Enum, "1", 0, "Enabled"
[Narrow.Reg]
HKR, Ndi\\params\\*MaxRssProcessors, type, 0, "int"
HKR, Ndi\\params\\*MaxRssProcessors, default, 0, "16"
HKR, Ndi\\params\\*MaxRssProcessors, min, 0, "1"
HKR, Ndi\\params\\*MaxRssProcessors, max, 0, "32"
[Wide.Reg]
HKR, Ndi\\params\\*MaxRssProcessors, type, 0, "int"
HKR, Ndi\\params\\*MaxRssProcessors, default, 0, "16"
HKR, Ndi\\params\\*MaxRssProcessors, min, 0, "1"
HKR, Ndi\\params\\*MaxRssProcessors, max, 0, "64"
[Strings]
Mfg = "Contoso"
Port = "Contoso 25G port"
"""


def max_rss_processors(inf_text: str, arch: str | None = None) -> tuple[str, str, tuple[int, int] | None]:
    inf, (config,) = load_inf(inf_text.encode(), "arch.inf", arch)
    (model,) = inf.models
    declaration = model.declaration("*MaxRssProcessors")
    return model.arch, config.adapter.arch, None if declaration is None else declaration.bounds()


def test_install_section_for_the_architecture() -> None:
    # The most specific decoration for the architecture: .NT<arch>, then .NT, then none.
    assert max_rss_processors(ARCH_INF) == ("amd64", "amd64", (1, 64))               # default amd64
    assert max_rss_processors(ARCH_INF, "x86") == ("x86", "x86", (1, 32))
    assert max_rss_processors(ARCH_INF, "arm64") == ("arm64", "arm64", None)         # [Port.Inst.NT]
    with pytest.raises(ConfigError, match="unknown architecture"):
        load_inf(ARCH_INF.encode(), "arch.inf", "mips")


@pytest.mark.parametrize("platform,install", [("NTarm64", "NTarm64"), ("NTx86", "NTx86"),
                                              ("NTarm64.10.0...16299", "NT"), ("NTx86", "nTX86")])
def test_inf_for_one_other_architecture(tmp_path: Path, platform: str, install: str) -> None:
    # Issue 15: an install section that exists only decorated was "install section [Port.Inst] not found".
    text = (ARCH_INF.replace("[Port.Inst.NTamd64]", "[Unused.NTamd64]").replace("[Port.Inst.NT]", "[Unused.NT]")
            .replace("NTx86, NTamd64, NTarm64", platform).replace("[Contoso.NTx86]", f"[Contoso.{platform}]")
            .replace("[Port.Inst.NTx86]", f"[Port.Inst.{install}]"))
    arch = platform[2:].split(".")[0].lower()
    assert max_rss_processors(text) == (arch, arch, (1, 32))
    path = tmp_path / "one-arch.inf"
    path.write_text(text)
    code, _, err = run(["check", str(path)])
    assert code == 0, err
    code, out, err = run(["import", str(path)])
    assert code == 0 and f'arch = "{arch}"' in out, err


def test_template_architecture_tokens() -> None:
    # `NT$ARCH$` (stampinf) and `NT@INF_ARCH@` decorations apply to every architecture.
    text = (ARCH_INF.replace("NTx86, NTamd64, NTarm64", "NT$ARCH$").replace("[Contoso.NTx86]", "[Contoso.NT$ARCH$]")
            .replace("[Port.Inst.NTx86]", "[Port.Inst.NT@INF_ARCH@]").replace("[Port.Inst.NTamd64]", "[Unused]"))
    assert max_rss_processors(text) == ("amd64", "amd64", (1, 32))
    assert max_rss_processors(text, "arm64") == ("arm64", "arm64", (1, 32))


def test_include_fragment(tmp_path: Path) -> None:
    # Issue 15: HKR lines without a section header, as drivers ship them to paste into an install section.
    path = FIXTURES / "INF-DECL-5" / "fragment.inf"
    inf, (config,) = load_inf(path.read_bytes(), path.name)
    (model,) = inf.models
    assert (model.name, model.fragment, [d.keyword for d in model.declarations]) == \
        ("(fragment)", True, ["*RSS", "*NumRSSQueues"])
    assert config.inf["*numrssqueues"].value is not None
    code, out, err = run(["check", "--format", "json", str(path)])
    assert code == 0, err
    results = json.loads(out)["files"][0]["results"]
    assert [(r["verdict"], r["severity"], r["instance"]) for r in results if r["rule"] == "INF-DECL-5"] == \
        [("violated", "info", "(fragment): INF file")]
    assert any(r["rule"] == "INF-RSS-9" and r["verdict"] == "holds" for r in results)
    copy = tmp_path / "rss.txt"                                  # detected by content: HKR lines
    copy.write_bytes(path.read_bytes())
    assert detect_format(copy.read_bytes(), copy.name) == "inf" and check_input(copy).error is None


def test_inx_preprocessor_lines(tmp_path: Path) -> None:
    text = ARCH_INF.replace("[Contoso.NTamd64]\n", "[Contoso.NTamd64]\n#ifdef CONTOSO_WIDE\n") \
        .replace("[Contoso.NTarm64]", "#endif\n[Contoso.NTarm64]")
    template = tmp_path / "port.inx"
    template.write_text(text)
    assert check_input(template).error is None
    plain = tmp_path / "port.inf"                              # in an INF, `#ifdef` is a model line
    plain.write_text(text)
    assert "install section [#ifdef CONTOSO_WIDE] not found" in (check_input(plain).error or "")


def test_check_dir_includes_inx(tmp_path: Path) -> None:
    for name in ("a.inx", "b.inf"):
        (tmp_path / name).write_bytes((FIXTURES / "INF-DECL-5" / "whole.inf").read_bytes())
    (tmp_path / "notes.md").write_text("not checked")
    code, out, err = run(["check", "--format", "json", str(tmp_path)])
    assert code == 0, err
    assert [Path(f["path"]).name for f in json.loads(out)["files"]] == ["a.inx", "b.inf"]


@pytest.mark.parametrize("data,message", [
    (b"", "empty file"), (b"\x00\x01\x02\x03binary\x00\xff", "binary"), (b"\xff\xfe\x00", "cannot decode"),
    (b"Signature = x\n[Version]\n", "text before the first section"),
    (b"HKR,,x\n[Manufacturer]\nx = M\n[M]\n", "text before the first section"),     # not a fragment
    (b"[Version]\n", "no [Manufacturer]"),
    (b"[Manufacturer]\nx = Missing\n", "models section [Missing] not found"),
    (b"[Manufacturer]\nx = M\n[M]\nd = Nowhere, id\n", "install section [Nowhere] not found"),
    (b"[Manufacturer]\nx = M, NTamd64\n[M.NTamd64]\nd = I, id\n[I.NTx86]\n", "[I.NTamd64], [I.NT] or [I]"),
    (b"[Manufacturer]\nx = M, NTia64\n[M.NTia64]\nd = I, id\n", "no models for a supported architecture"),
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


def _max_rss_instances(out: str) -> list[str]:
    return sorted({r["instance"] for f in json.loads(out)["files"] for r in f["results"]
                   if "*MaxRssProcessors" in r["instance"]})


def test_check_fleet_and_import_read_the_architecture_asked_for(tmp_path: Path) -> None:
    path = tmp_path / "arch.inf"
    path.write_text(ARCH_INF, encoding="utf-8")
    code, default, _ = run(["check", "--format", "json", str(path)])
    assert code == 0 and _max_rss_instances(default)                     # amd64: [Port.Inst.NTamd64]
    code, arm, _ = run(["check", "--format", "json", "--arch", "arm64", str(path)])
    assert code == 0 and not _max_rss_instances(arm)                     # arm64: [Port.Inst.NT], no Wide.Reg
    serial = run(["check", "--format", "json", "--arch", "x86", str(path), str(path)])
    assert run(["check", "--format", "json", "--arch", "x86", "--jobs", "2", str(path), str(path)]) == serial
    assert run(["fleet", "--format", "json", "--arch", "arm64", str(path)])[0] == 0
    code, x86, _ = run(["import", "--arch", "x86", str(path)])
    assert code == 0 and 'arch = "x86"' in x86 and '"*MaxRssProcessors" = { min = 1, max = 32 }' in x86
    code, amd64, _ = run(["import", str(path)])
    assert code == 0 and 'arch = "amd64"' in amd64 and '"*MaxRssProcessors" = { min = 1, max = 64 }' in amd64
    code, out, err = run(["check", "--arch", "mips", str(path)])
    assert code == 2 and not out and len(err.strip().splitlines()) == 1 and "--arch" in err


def test_a_driver_tree_reads_its_inf_for_the_architecture_asked_for(tmp_path: Path) -> None:
    tree = tmp_path / "driver"
    shutil.copytree(Path(__file__).parent / "fixtures" / "drivers" / "vmq-no-msix", tree)
    (tree / "nic.inf").write_text(ARCH_INF, encoding="utf-8")
    code, default, err = run(["check", "--format", "json", str(tree)])
    assert code == 1, err
    assert _max_rss_instances(default)
    code, arm, err = run(["check", "--format", "json", "--arch", "arm64", str(tree)])
    assert code == 1 and not _max_rss_instances(arm), err
