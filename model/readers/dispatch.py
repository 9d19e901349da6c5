"""Which kind of file a path holds — a vmqproof/1 configuration (TOML, JSON), a driver INF, or Get-NetAdapter*
output — detected by content (the extension breaks ties), and loading any of them as configurations. A directory
with C sources is one input too: a driver source tree (model/readers/csource)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from vmqproof.model.config.errors import ConfigError
from vmqproof.model.config.loader import build_config, parse_document
from vmqproof.model.config.schema import Config
from vmqproof.model.readers.inf import INF_SUFFIXES, decode_text, load_inf, looks_like_inf
from vmqproof.model.readers.powershell import load_powershell, looks_like_powershell
from vmqproof.model.readers.csource.layout import is_driver_tree

INPUT_FORMATS = ("auto", "toml", "json", "inf", "powershell")


def detect_format(data: bytes, file: str = "<input>") -> str:
    """'inf', 'powershell', 'json' or 'toml'; undecidable content is left to the configuration reader."""
    lower = file.lower()
    try:
        text = decode_text(data, file)
    except ConfigError:
        return "inf" if lower.endswith(INF_SUFFIXES) else "json" if lower.endswith(".json") else "toml"
    if lower.endswith(INF_SUFFIXES) and not text.lstrip().startswith("{"):
        return "inf"
    try:
        powershell = looks_like_powershell(text)
    except ValueError:      # JSON that Python cannot read (an integer of too many digits): the reader reports it
        powershell = False
    if powershell:
        return "powershell"
    stripped = text.lstrip()
    if stripped.startswith("{") or lower.endswith(".json"):
        return "json"
    if looks_like_inf(text):
        return "inf"
    return "toml"


def read_bytes(path: str | Path) -> bytes:
    file = str(path)
    try:
        return Path(path).read_bytes()
    except IsADirectoryError:
        raise ConfigError("is a directory", file=file, expected="a configuration, INF or PowerShell file") from None
    except OSError as exc:
        raise ConfigError(f"cannot read: {exc.strerror or exc}", file=file) from None


def load_config(path: str | Path) -> Config:
    """One configuration from a file of any kind (an INF of one model, PowerShell output, TOML or JSON)."""
    file = str(path)
    try:
        data = Path(path).read_bytes()
    except IsADirectoryError:
        raise ConfigError("is a directory", file=file, expected="a configuration file") from None
    except OSError as exc:
        raise ConfigError(f"cannot read: {exc.strerror or exc}", file=file) from None
    return loads_config(data, file)


def loads_config(data: bytes | str, file: str = "<input>") -> Config:
    """One configuration from the bytes (or text) of a file of any kind, detected by content."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    if detect_format(data, file) in ("inf", "powershell"):
        return load_artifact(data, file)
    document, text, is_toml = parse_document(file, data)
    return build_config(document, file, text, is_toml)


def load_artifact(data: bytes, file: str, input_format: str = "auto") -> Config:
    """An INF (of one model) or PowerShell file as one configuration."""
    kind = detect_format(data, file) if input_format == "auto" else input_format
    if kind == "powershell":
        return load_powershell(data, file)
    if kind == "inf":
        inf, configs = load_inf(data, file)
        if len(configs) != 1:
            raise ConfigError(f"the INF has {len(configs)} models ("
                              + ", ".join(m.name for m in inf.models) + ")", file=file,
                              expected="one model here; `vmqproof check` checks each, `vmqproof import` writes each")
        return configs[0]
    raise ConfigError(f"not an INF or PowerShell file ({kind})", file=file)


def load_inputs(path: str | Path, input_format: str = "auto", ndis: str | None = None,
                arch: str | None = None) -> list[tuple[str | None, Config]]:
    """Every configuration a file holds, each with the INF model it comes from (None for other files); for a
    driver tree, each with its variant (INF model, NDIS version; None when it has one configuration only). INF
    models are read for `arch` (None: as parse_inf chooses)."""
    file = str(path)
    if is_driver_tree(path):
        from vmqproof.model.readers.csource.driver import load_driver    # tree-sitter only when needed
        return load_driver(path, ndis, arch)
    data = read_bytes(path)
    kind = detect_format(data, file) if input_format == "auto" else input_format
    if kind == "inf":
        inf, configs = load_inf(data, file, arch)
        return [(model.name, config) for model, config in zip(inf.models, configs)]
    if kind == "powershell":
        return [(None, load_powershell(data, file))]
    forced = None if input_format == "auto" else "json" if kind == "json" else "toml"
    document, text, is_toml = parse_document(file, data, forced)
    return [(None, build_config(document, file, text, is_toml))]


CHECKED_SUFFIXES = (".toml", ".json", *INF_SUFFIXES, ".txt")


def expand_paths(paths: Iterable[str | Path]) -> list[str]:
    """Files as given; directories recursively, their .toml, .json, .inf, .inx and PowerShell .txt files in sorted
    order; a directory with C sources is one input, a driver tree."""
    expanded: list[str] = []
    for path in paths:
        folder = Path(path)
        if is_driver_tree(folder):
            expanded.append(str(path))
        elif folder.is_dir():
            found = sorted(str(p) for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in CHECKED_SUFFIXES)
            if not found:
                raise ConfigError("directory without files to check", file=str(path),
                                  expected="some " + ", ".join(CHECKED_SUFFIXES) + " files")
            expanded += found
        else:
            expanded.append(str(path))
    return expanded
