"""The rule registry and the questions asked of it; results are plain frozen dataclasses.

Library use: `check_config(load_config(path))` returns a picklable `FileReport`.
"""

from vmqproof.properties.check import check_config, check_file
from vmqproof.properties.results import FileReport, Result, Severity, Verdict

__all__ = ["FileReport", "Result", "Severity", "Verdict", "check_config", "check_file"]
