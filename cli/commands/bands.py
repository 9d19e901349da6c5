"""`vmqproof bands`: the minimal legal MSI-X table size for every queue count, each minimum proved."""

from __future__ import annotations

import argparse
import json
from typing import Any, TextIO

from rich import box
from rich.table import Table
from rich.text import Text

from vmqproof.cli.common import EXIT_LEGAL, EXIT_UNKNOWN, FORMATS
from vmqproof.cli.render.report import console_for
from vmqproof.model.config.schema import MSIX_READINGS
from vmqproof.properties.queries.bands import MAX_QUEUES, Band, BandRow, BandsResult, compress, compute_bands

NAME = "bands"


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(NAME, help="the minimal MSI-X vector count for every queue count, proved")
    parser.add_argument("--max-queues", type=int, default=256, metavar="N",
                        help=f"queue counts 1 … N (default 256, at most {MAX_QUEUES})")
    parser.add_argument("--reading", default="R2a", choices=MSIX_READINGS + ("all",),
                        help="reading of the VMQ-IRQ-8 table (rules.md A1; default R2a); all: side by side")
    parser.add_argument("--processors", type=int, default=None, metavar="P",
                        help="also show the vectors a host with P RSS processors allocates (P + 2)")
    parser.add_argument("--format", choices=FORMATS, default=None)
    parser.add_argument("--width", type=int, default=None, help=argparse.SUPPRESS)


def run(args: argparse.Namespace, fmt: str, out: TextIO, err: TextIO) -> int:
    readings = MSIX_READINGS if args.reading == "all" else (args.reading,)
    results = [compute_bands(r, args.max_queues, args.processors) for r in readings]
    if fmt == "json":
        data: Any = _json(results[0]) if len(results) == 1 else {"readings": [_json(r) for r in results]}
        out.write(json.dumps(data, indent=2) + "\n")
    elif len(results) == 1:
        _single(results[0], fmt, out, args.width)
    else:
        _side_by_side(results, fmt, out, args.width)
    return EXIT_LEGAL if all(r.proved for r in results) else EXIT_UNKNOWN


def _json(result: BandsResult) -> dict[str, Any]:
    rows = []
    for row in result.rows:
        entry: dict[str, Any] = {"queues": row.queues, "min_vectors": row.min_vectors}
        if result.processors is not None:
            entry["allocated"] = row.allocated
            entry["below_minimum"] = row.below_minimum
        rows.append(entry)
    data: dict[str, Any] = {"reading": result.reading, "rows": rows}
    if result.processors is not None:
        data["processors"] = result.processors
    return data


def _span(first: int | None, last: int | None) -> str:
    if first is None:
        return "none"
    return str(first) if first == last else f"{first}–{last}"


def _title(result: BandsResult) -> str:
    rows = [r for r in result.rows if r.proof is not None]
    proved = sum(1 for r in rows if r.proof is not None and r.proof.below == "unsat")
    return (f"Minimal MSI-X table size (VMQ-IRQ-8) per queue count, reading {result.reading}: "
            f"{proved}/{len(result.rows)} minima proved (sat at V, unsat at V−1)")


def _processors_note(result: BandsResult) -> str:
    return (f"a host with {result.processors} RSS processors allocates {result.processors + 2} vectors "
            f"(one per processor, at most two others)") if result.processors is not None else ""


def _single(result: BandsResult, fmt: str, out: TextIO, width: int | None) -> None:
    bands = compress(result.rows)
    flag = result.processors is not None
    if fmt == "plain":
        lines = [_title(result)]
        if flag:
            lines.append(_processors_note(result))
        for band in bands:
            line = f"  queues {_span(band.first, band.last):>11}  min vectors {_span(band.low, band.high):>9}"
            if flag:
                line += "  below minimum" if band.below_minimum else "  ok"
            lines.append(line.rstrip())
        out.write("\n".join(lines) + "\n")
        return
    console = console_for(out, width)
    console.print(_title(result))
    table = Table(box=box.SIMPLE_HEAD)
    table.add_column("queues", justify="right")
    table.add_column("min vectors", justify="right")
    if flag:
        table.add_column(f"allocated ({result.processors} + 2)", justify="right")
    for band in bands:
        cells: list[Any] = [_span(band.first, band.last), _span(band.low, band.high)]
        if flag:
            cells.append(Text(f"{result.processors + 2} below minimum" if band.below_minimum  # type: ignore
                              else f"{result.processors + 2}", style="red" if band.below_minimum else ""))
        table.add_row(*cells)
    console.print(table)
    if flag:
        console.print(_processors_note(result))


def _band_of(bands: list[Band], queues: int) -> Band:
    return next(b for b in bands if b.first <= queues <= b.last)


def _side_by_side(results: list[BandsResult], fmt: str, out: TextIO, width: int | None) -> None:
    """One line per stretch of queue counts on which no reading changes band."""
    per_reading = [compress(r.rows) for r in results]
    cuts = sorted({b.last for bands in per_reading for b in bands})
    stretches: list[tuple[int, int]] = []
    start = 1
    for cut in cuts:
        stretches.append((start, cut))
        start = cut + 1
    rows_by_reading: list[dict[int, BandRow]] = [{row.queues: row for row in r.rows} for r in results]

    def cell(index: int, first: int, last: int) -> str:
        low, high = rows_by_reading[index][first], rows_by_reading[index][last]
        text = _span(low.min_vectors, high.min_vectors)
        if results[index].processors is not None and _band_of(per_reading[index], first).below_minimum:
            text += " !"
        return text

    title = (f"Minimal MSI-X table size (VMQ-IRQ-8) per queue count, every reading of rules.md A1; "
             f"{sum(1 for r in results if r.proved)}/{len(results)} readings fully proved")
    note = _processors_note(results[0])
    if note:
        note += "; ! marks a minimum above that"
    if fmt == "plain":
        lines = [title] + ([note] if note else [])
        lines.append("  " + f"{'queues':>11}" + "".join(f"  {r.reading:>9}" for r in results))
        for first, last in stretches:
            lines.append("  " + f"{_span(first, last):>11}"
                         + "".join(f"  {cell(i, first, last):>9}" for i in range(len(results))))
        out.write("\n".join(lines) + "\n")
        return
    console = console_for(out, width)
    console.print(title)
    table = Table(box=box.SIMPLE_HEAD)
    table.add_column("queues", justify="right")
    for result in results:
        table.add_column(result.reading, justify="right")
    for first, last in stretches:
        table.add_row(_span(first, last), *(cell(i, first, last) for i in range(len(results))))
    console.print(table)
    if note:
        console.print(note)
