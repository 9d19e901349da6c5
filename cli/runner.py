"""How `check` and `fleet` run their files — in this process, in a process pool (`--jobs N`) or as tasks of a Dask
cluster (`--dask SCHEDULER_ADDRESS | local[:N]`): the one place that chooses."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from typing import TextIO

from vmqproof.cli.common import add_arch_option
from vmqproof.cli.settings import add_jobs_option
from vmqproof.cli.render.progress import with_progress
from vmqproof.model.config.errors import ConfigError
from vmqproof.model.readers.dispatch import INPUT_FORMATS
from vmqproof.properties.queries.fleet import FleetError, check_on_cluster, connect, local_workers
from vmqproof.properties.queries.inputs import iter_inputs
from vmqproof.properties.results import FileReport


def dask_address(text: str) -> str:
    """The argparse type of `--dask`: a scheduler address, or local[:N]."""
    try:
        local_workers(text)
    except FleetError as exc:
        raise argparse.ArgumentTypeError(str(exc).removeprefix("--dask: ")) from None
    return text


def add_input_options(parser: argparse.ArgumentParser) -> None:
    """The files of `check` and `fleet`, what they hold, and the runner (`--jobs`, `--dask`)."""
    parser.add_argument("files", nargs="+", metavar="FILE",
                        help="configuration, INF or PowerShell files, directories (searched recursively), or driver "
                             "source trees (directories with .c files)")
    parser.add_argument("--input-format", choices=INPUT_FORMATS, default="auto",
                        help="what the files hold: a configuration (toml, json), a driver INF, or Get-NetAdapter* "
                             "output (default: detected by content)")
    parser.add_argument("--ndis", metavar="VERSION", default=None,
                        help="read driver source trees at this NDIS version only (default: every version their "
                             "#if NDIS_SUPPORT_NDIS6xx blocks tell apart)")
    add_arch_option(parser)
    add_runner_options(parser)


def add_runner_options(parser: argparse.ArgumentParser) -> None:
    """`--jobs N` and `--dask ADDRESS`, exclusive; `--jobs` is None when not given (a project file may set it)."""
    runners = parser.add_mutually_exclusive_group()
    add_jobs_option(runners)
    runners.add_argument("--dask", type=dask_address, default=None, metavar="SCHEDULER_ADDRESS",
                         help="check files as tasks of the Dask cluster at this address (tcp://host:8786), or of a "
                              'local cluster of N worker processes with local[:N] (needs "vmqproof[dask]")')


def checked_reports(paths: list[str], rule_ids: list[str] | None, err: TextIO, *, timeout: float | None,
                    input_format: str = "auto", jobs: int | None = 1, dask: str | None = None,
                    ndis: str | None = None, arch: str | None = None) -> Iterator[FileReport]:
    """Each path's report, in the order of the paths, from the runner chosen (a Dask cluster when `dask` is given,
    else `jobs` processes); a progress bar on `err` when it is a terminal and the run is long."""
    try:
        if dask is None:
            yield from with_progress(iter_inputs(paths, rule_ids, timeout, input_format, jobs or 1, ndis, arch),
                                     len(paths), err)
            return
        with connect(dask) as client:
            yield from with_progress(check_on_cluster(client, paths, rule_ids, timeout, input_format, ndis, arch),
                                     len(paths), err)
    except ConfigError as exc:      # --rule names a catalog rule that is not checked
        if exc.path != "--rule":
            raise
        raise ConfigError(exc.message.removeprefix("--rule: "), file="--rule") from None
