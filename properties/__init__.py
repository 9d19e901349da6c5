"""The rule registry and the questions asked of it; results are plain frozen dataclasses.

Library use: `check_config(load_config(path))` returns a picklable `FileReport`.
"""

from vmqproof.properties.check import check_config
from vmqproof.properties.inputs import check_input, check_inputs
from vmqproof.properties.results import FileReport, Result, Severity, Verdict

check_file = check_input      # one file of any kind: a configuration, a driver INF, or Get-NetAdapter* output

__all__ = ["FileReport", "Result", "Severity", "Verdict", "check_config", "check_file", "check_input", "check_inputs"]
