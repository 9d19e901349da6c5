"""`vmqproof synth`: a minimal legal configuration from hardware and host limits, its proof, and emitters."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any, TextIO

from vmqproof.cli.common import EXIT_BAD_INPUT, EXIT_ILLEGAL, EXIT_LEGAL, FORMATS
from vmqproof.model.config import constants as C
from vmqproof.model.config.errors import ConfigError
from vmqproof.model.config.hostspec import parse_numa, parse_processor_set
from vmqproof.model.config.schema import MSIX_READINGS
from vmqproof.model.outputs.emit import emit_c, emit_inf
from vmqproof.model.readers.dispatch import loads_config
from vmqproof.properties.queries.synth import OBJECTIVES, ObjectiveProof, SynthRequest, SynthResult, synthesize

NAME = "synth"
EMITTERS = ("toml", "c", "inf")


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(NAME, help="a minimal legal configuration from hardware and host limits")
    parser.add_argument("--queues", type=int, default=None, metavar="N", help="VMQ: N VM queues (plus the default)")
    parser.add_argument("--vports", type=int, default=None, metavar="K",
                        help="VMMQ: K VPorts, the default VPort included")
    parser.add_argument("--queue-pairs", type=int, default=None, metavar="Q", help="VMMQ: Q queue pairs per VPort")
    parser.add_argument("--processors", required=True, metavar="SPEC",
                        help='host processors, e.g. "0:0-0:15" or "0:0-0:63,1:0-1:63" (group:number ranges)')
    parser.add_argument("--smt", action="store_true",
                        help="processors 2k and 2k+1 of a group are SMT siblings: use at most one of each pair")
    parser.add_argument("--numa", default=None, metavar="SPEC",
                        help='NUMA nodes, e.g. "0=0:0-0:15;1=0:16-0:31"')
    parser.add_argument("--numa-node", type=int, default=None, metavar="N",
                        help="the NIC's NUMA node (default: the lowest node of --numa)")
    parser.add_argument("--ndis", default="6.60", metavar="VERSION", help="NDIS version (default 6.60)")
    parser.add_argument("--objective", choices=OBJECTIVES, default="min-vectors",
                        help="what to minimise (default min-vectors: the MSI-X table size)")
    parser.add_argument("--avoid", action="append", default=None, metavar="PROCESSORS",
                        help='processors not to use, e.g. "0:0" (repeatable, or comma-separated ranges)')
    parser.add_argument("--reading", choices=MSIX_READINGS, default="R2a",
                        help="reading of the VMQ-IRQ-8 table (rules.md A1; default R2a)")
    parser.add_argument("--emit", choices=EMITTERS, default="toml",
                        help="print the configuration (toml), C initialisers (c) or INF Ndi\\params lines (inf)")
    parser.add_argument("-o", "--output", default=None, metavar="FILE", help="write the configuration (TOML) here")
    parser.add_argument("--format", choices=FORMATS, default=None,
                        help="json: the proof, the configuration and the check result as one object")
    parser.add_argument("--width", type=int, default=None, help=argparse.SUPPRESS)


def request_of(args: argparse.Namespace) -> SynthRequest:
    processors = parse_processor_set(args.processors, "--processors")
    avoid: tuple[int, ...] = ()
    for text in args.avoid or []:
        avoid += parse_processor_set(text, "--avoid")
    numa = parse_numa(args.numa) if args.numa is not None else None
    return SynthRequest(processors=processors, queues=args.queues, vports=args.vports, queue_pairs=args.queue_pairs,
                        smt=args.smt, numa=numa, numa_node=args.numa_node, ndis=args.ndis,
                        objective=args.objective, avoid=tuple(sorted(set(avoid))), reading=args.reading)


def _proof_json(proof: ObjectiveProof) -> dict[str, Any]:
    return {"objective": proof.objective, "quantity": proof.quantity, "value": proof.value,
            "sat_at": proof.value, "witness": dict(proof.witness), "below": proof.below,
            "unsat_at_or_below": proof.value - 1, "checks": proof.checks}


def _json(result: SynthResult) -> dict[str, Any]:
    data: dict[str, Any] = {"legal": result.legal,
                            "objective": None if result.proof is None else _proof_json(result.proof),
                            "then": [_proof_json(p) for p in result.secondary],
                            "clashes": [{"rule": c.source, "message": c.message} for c in result.clashes]}
    if result.report is not None:
        data["check"] = {"strict": True, "status": result.report.status(strict=True).value,
                         "obligations": len(result.report.results)}
    if result.document is not None:
        data["config"] = result.document
    return data


def run(args: argparse.Namespace, fmt: str, out: TextIO, err: TextIO) -> int:
    request = request_of(args)
    result = synthesize(request)
    if fmt == "json":
        out.write(json.dumps(_json(result), indent=2, ensure_ascii=False) + "\n")
    if result.document is None:
        if fmt != "json":
            print("vmqproof synth: no legal setup exists for these limits; these facts clash:", file=out)
            for clash in result.clashes:
                print(f"  {clash.source}: {clash.message}", file=out)
        return EXIT_ILLEGAL
    if args.output is not None:
        try:
            Path(args.output).write_text(result.text, encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"cannot write: {exc.strerror or exc}", file=args.output) from None
    if not result.legal:
        if fmt != "json":
            print("vmqproof synth: the best attempt fails these rules (check --strict):", file=out)
            for clash in result.clashes:
                print(f"  {clash.source}: {clash.message}", file=out)
        return EXIT_ILLEGAL
    if fmt == "json":
        return EXIT_LEGAL
    header = [line[2:] if line.startswith("# ") else line[1:] for line in result.text.splitlines()
              if line.startswith("#")]
    if args.emit == "toml":
        out.write(result.text)
    else:
        config = loads_config(result.text, args.output or "<synthesized>")
        out.write(emit_c(config, header) if args.emit == "c" else emit_inf(config, header))
    return EXIT_LEGAL if result.legal else EXIT_BAD_INPUT


__all__ = ["NAME", "register", "run", "C"]
