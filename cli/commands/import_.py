"""`vmqproof import FILE [-o OUT.toml]`: an INF, Get-NetAdapter* output or a driver source tree as a vmqproof/1
configuration file.

An INF with several models gives one file per model (OUT's stem + the model's install section), unless `--model`
picks one; a driver tree one file per INF model and NDIS version. Without `-o` the configuration goes to stdout
(one configuration only).
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path
from typing import Any, TextIO

from vmqproof.cli.common import EXIT_BAD_INPUT, EXIT_LEGAL, add_arch_option
from vmqproof.model.config.errors import ConfigError
from vmqproof.model.config.loader import build_config, parse_document
from vmqproof.model.readers.csource.driver import read_driver, variant_config, variant_document
from vmqproof.model.readers.csource.layout import is_driver_tree
from vmqproof.model.readers.dispatch import INPUT_FORMATS, detect_format, read_bytes
from vmqproof.model.readers.inf import model_config, model_document, parse_inf
from vmqproof.model.readers.powershell import build_document, load_powershell, read_records

NAME = "import"
BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def register(subparsers: argparse._SubParsersAction) -> None:
    command = subparsers.add_parser(NAME, help="an INF, Get-NetAdapter* output (text or JSON) or a driver source "
                                               "tree as a config file")
    command.add_argument("file", metavar="FILE", help="the file, or a directory with the driver's C sources")
    command.add_argument("-o", "--output", metavar="OUT", default=None,
                         help="write the configuration here (default: stdout)")
    command.add_argument("--model", default=None, help="the INF model (install section) to import")
    command.add_argument("--input-format", choices=[f for f in INPUT_FORMATS if f not in ("toml", "json")],
                         default="auto", help="what FILE holds (default: detected by content)")
    command.add_argument("--ndis", metavar="VERSION", default=None,
                         help="read a driver source tree at this NDIS version only")
    add_arch_option(command)


# -- a small TOML writer for vmqproof/1 documents --------------------------------------------------------

def _key(key: str) -> str:
    return key if BARE_KEY.match(key) else json.dumps(key)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"cannot write {type(value).__name__} as TOML")


def _table(lines: list[str], path: str, table: dict[str, Any], comments: dict[str, str]) -> None:
    nested = ("", "host", "receive_filter", "nic_switch")        # tables whose tables are [sections]
    scalars = {k: v for k, v in table.items()
               if not (isinstance(v, dict) and path in nested)
               and not (isinstance(v, list) and v and all(isinstance(i, dict) for i in v) and path in ("", "host"))}
    if path and (scalars or not table):
        lines.append(f"\n[{path}]")
    for key, value in scalars.items():
        comment = comments.get(f"{path}.{key}")
        lines.append(f"{_key(key)} = {_value(value)}" + (f"   # {comment}" if comment else ""))
    for key, value in table.items():
        if key in scalars:
            continue
        child = f"{path}.{key}" if path else key
        if isinstance(value, dict):
            _table(lines, child, value, comments)
        else:
            for item in value:
                lines.append(f"\n[[{child}]]")
                for k, v in item.items():
                    lines.append(f"{_key(k)} = {_value(v)}")


def to_toml(document: dict[str, Any], header: str, comments: dict[str, str] | None = None) -> str:
    lines = [f"# {line}" for line in header.splitlines()]
    _table(lines, "", document, comments or {})
    return "\n".join(lines).strip() + "\n"


# -- the command ------------------------------------------------------------------------------------------

def _inf_documents(data: bytes, file: str, wanted: str | None, arch: str | None) -> list[tuple[str, str]]:
    inf = parse_inf(data, file, arch)
    models = inf.models
    if wanted is not None:
        models = tuple(m for m in models if m.name.lower() == wanted.lower())
        if not models:
            raise ConfigError(f"no model {wanted!r}", file="--model",
                              expected=", ".join(m.name for m in inf.models))
    out = []
    for model in models:
        config = model_config(model, file)      # validates what is written
        document, _ = model_document(model)
        comments = {}
        for declaration in model.declarations:
            name = next((k for k in document["inf"] if k.lower() == declaration.keyword.lower()), None)
            if name is not None:
                default = declaration.get("default")
                comments[f"inf.{name}"] = (f"{file}:{declaration.line} declared {declaration.type}"
                                           + (f", default {default.value}" if default is not None else ""))
        for write in model.writes:
            name = next((k for k in document["inf"] if k.lower() == write.name.lower()), None)
            if name is not None and f"inf.{name}" not in comments:
                comments[f"inf.{name}"] = f"{file}:{write.line} written"
        header = (f"Imported by vmqproof from {file}, model {model.name} ({config.adapter.name}).\n"
                  "[inf] holds what Advanced Properties lets a user pick: each declared keyword is an open value.")
        if model.placeholders:
            header += "\nThe INF is a template: placeholders " + ", ".join(n for n, _ in model.placeholders[:8]) \
                + " are read literally."
        out.append((model.name, to_toml(document, header, comments)))
    return out


def _driver_documents(path: str, ndis: str | None, wanted: str | None,
                      arch: str | None) -> list[tuple[str, str]]:
    tree = read_driver(path, ndis, arch)
    variants = [v for v in tree.variants if wanted is None or (v.model is not None and
                                                              v.model.name.lower() == wanted.lower())]
    if not variants:
        raise ConfigError(f"no model {wanted!r}", file="--model",
                          expected=", ".join(sorted({v.model.name for v in tree.variants if v.model is not None}))
                          or "a tree with an INF")
    out = []
    for variant in variants:
        variant_config(tree, variant)           # validates what is written
        document = variant_document(tree, variant)
        comments: dict[str, str] = {}
        for field_path, source in variant.sources.items():
            if source.by_value:
                comments[field_path] = "; ".join(f"{value}: {file}:{line}"
                                                 for value, (file, line) in sorted(source.by_value.items()))
            else:
                comments[field_path] = source.of()
        if variant.model is not None:
            comments.update({f"inf.{name}": f"{variant.inf_file}:{line}"
                             for name, line in model_document(variant.model)[1].items()})
        notes = list(tree.notes) + list(variant.notes)
        header = (f"Imported by vmqproof from the driver tree {path}"
                  + (f" ({variant.label})" if variant.label else "") + f", NDIS {variant.ndis}.\n"
                  "Each field's comment is the source line that sets it; a field several paths set differently "
                  "is an open value\n(one_of), one the reader cannot resolve is \"?\".")
        if notes:
            header += "\nNotes of the reader:\n" + "\n".join(f"  {note}" for note in notes)
        name = variant.label or ""
        out.append((re.sub(r"[ ,]+", "-", name), to_toml(document, header, comments)))
    return out


def run(args: argparse.Namespace, fmt: str, out: TextIO, err: TextIO) -> int:
    file = args.file
    if is_driver_tree(file):
        return _write(args, _driver_documents(file, args.ndis, args.model, args.arch), out, err,
                      "the driver tree gives {count} configurations ({names})",
                      "--model NAME and --ndis VERSION, or -o OUT to write one file per configuration")
    data = read_bytes(file)
    kind = detect_format(data, file) if args.input_format == "auto" else args.input_format
    if kind == "inf":
        documents = _inf_documents(data, file, args.model, args.arch)
    elif kind == "powershell":
        load_powershell(data, file)             # validates
        document, _ = build_document(read_records(data, file), file)
        documents = [("", to_toml(document, f"Imported by vmqproof from {file} (Get-NetAdapter* output)."))]
    else:
        document, text, is_toml = parse_document(file, data)
        build_config(document, file, text, is_toml)
        raise ConfigError("already a vmqproof configuration; nothing to import", file=file,
                          expected="an INF or Get-NetAdapter* output")
    return _write(args, documents, out, err, "the INF has {count} models ({names})",
                  "--model NAME, or -o OUT to write one file per model")


def _write(args: argparse.Namespace, documents: list[tuple[str, str]], out: TextIO, err: TextIO,
           several: str, choose: str) -> int:
    file = args.file
    if args.output is None:
        if len(documents) > 1:
            raise ConfigError(several.format(count=len(documents), names=", ".join(n for n, _ in documents)),
                              file=file, expected=choose)
        out.write(documents[0][1])
        return EXIT_LEGAL
    target = Path(args.output)
    for name, text in documents:
        path = target if len(documents) == 1 else target.with_name(
            f"{target.stem}.{re.sub(r'[^A-Za-z0-9_.-]+', '_', name)}{target.suffix or '.toml'}")
        if path.resolve() == Path(file).resolve():
            raise ConfigError("would overwrite the input file", file=str(path), expected="another output path")
        try:
            path.write_text(text, encoding="utf-8")
        except OSError as exc:
            print(f"{path}: cannot write: {exc.strerror or exc}", file=err)
            return EXIT_BAD_INPUT
        print(f"wrote {path}", file=out)
    return EXIT_LEGAL
