"""`vmqproof graph FILE`: the queue → vector → CPU graph, violations marked.

Formats: `tree` (rich, the default), `dot`, `graphml`, `mermaid`, `svg`, `png` (`-o FILE`). The text formats are
made by cli/render/graph.py; SVG and PNG are laid out by Graphviz or matplotlib (cli/render/draw.py).
"""

from __future__ import annotations

import argparse
import io
from pathlib import Path
from typing import TextIO

import networkx as nx
from rich.console import Console

from vmqproof.cli.common import EXIT_BAD_INPUT, EXIT_LEGAL, seconds
from vmqproof.cli.render import draw
from vmqproof.cli.render.graph import to_dot, to_graphml, to_mermaid, tree
from vmqproof.model.config.errors import ConfigError, UsageError
from vmqproof.model.readers.dispatch import load_config
from vmqproof.properties.queries.check import DEFAULT_TIMEOUT, check_config
from vmqproof.properties.queries.graphing import checked_graph
from vmqproof.properties.results import FileReport

NAME = "graph"
GRAPH_FORMATS = ("tree", "dot", "graphml", "mermaid", "svg", "png")
SUFFIXES = {".txt": "tree", ".dot": "dot", ".gv": "dot", ".graphml": "graphml", ".mmd": "mermaid",
            ".mermaid": "mermaid", ".svg": "svg", ".png": "png"}


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("graph", help="draw the queue → vector → CPU graph, violations marked")
    parser.add_argument("file", metavar="FILE")
    parser.add_argument("--format", choices=GRAPH_FORMATS, default=None,
                        help="tree (default; from the suffix of -o when given), dot, graphml, mermaid, svg, png")
    parser.add_argument("-o", "--output", metavar="OUT", default=None, help="write to OUT instead of stdout")
    parser.add_argument("--engine", choices=draw.ENGINES, default="auto",
                        help="layout for svg/png: Graphviz dot when installed, else matplotlib (auto)")
    parser.add_argument("--timeout", type=seconds, default=DEFAULT_TIMEOUT, metavar="SECONDS",
                        help="solver budget for finding the violations to mark")
    parser.add_argument("--width", type=int, default=None, help=argparse.SUPPRESS)


def format_for(output: str | None, given: str | None) -> str:
    """The explicit format, else the one of the output file's suffix, else tree."""
    if given is not None:
        return given
    if output is not None:
        suffix = Path(output).suffix.lower()
        if suffix in SUFFIXES:
            return SUFFIXES[suffix]
        raise UsageError(f"vmqproof graph: cannot tell the format of {output!r} from its suffix; "
                         f"give --format ({', '.join(GRAPH_FORMATS)})")
    return "tree"


def run(args: argparse.Namespace, fmt: str, out: TextIO, err: TextIO) -> int:
    graph_format = format_for(args.output, args.format if args.format in GRAPH_FORMATS else None)
    config = load_config(args.file)
    report = check_config(config, timeout=args.timeout)
    graph = checked_graph(config, report)
    try:
        write_graph(graph, report, graph_format, args.output, out, engine=args.engine, width=args.width)
    except draw.DrawUnavailable as exc:
        print(str(exc), file=err)
        return EXIT_BAD_INPUT
    return EXIT_LEGAL


def write_graph(graph: nx.DiGraph, report: FileReport, graph_format: str, output: str | None, out: TextIO,
                *, engine: str = "auto", width: int | None = None) -> None:
    """Render `graph` as `graph_format` to `output` (a path) or to `out`."""
    if graph_format in ("svg", "png"):
        if output is None and graph_format == "png":
            raise UsageError("vmqproof graph: png output needs -o FILE")
        data = draw.render_image(graph, graph_format, engine)
        if output is None:
            out.write(data.decode("utf-8"))
        else:
            _write(output, data)
        return
    if graph_format == "tree":
        buffer = io.StringIO()
        if output is None:      # the terminal: colour unless a fixed width is asked for (tests)
            console = Console(file=out, width=width, highlight=False, soft_wrap=False,
                              force_terminal=None if width is None else False, no_color=width is not None)
        else:                   # a file: plain text at a fixed width
            console = Console(file=buffer, width=width or 100, highlight=False, soft_wrap=False,
                              force_terminal=False, no_color=True)
        console.print(tree(graph, report))
        text = buffer.getvalue()
    elif graph_format == "dot":
        text = to_dot(graph)
    elif graph_format == "graphml":
        text = to_graphml(graph)
    elif graph_format == "mermaid":
        text = to_mermaid(graph)
    else:
        raise UsageError(f"vmqproof graph: unknown format {graph_format!r}")
    if output is None:
        out.write(text)
    else:
        _write(output, text.encode("utf-8"))


def _write(output: str, data: bytes) -> None:
    try:
        Path(output).write_bytes(data)
    except OSError as exc:
        raise ConfigError(f"cannot write: {exc.strerror or exc}", file=output) from None


def write_for_check(path: str, report: FileReport, output: str, err: TextIO) -> bool:
    """`check --graph OUT`: the graph of the checked file, format from OUT's suffix; False if it was not drawn."""
    if report.error is not None:
        return False
    try:
        write_graph(checked_graph(load_config(path), report), report, format_for(output, None), output,
                    io.StringIO())
    except draw.DrawUnavailable as exc:
        print(str(exc), file=err)
        return False
    return True
