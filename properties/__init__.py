"""The rules and the questions asked of them (results are frozen data); exports the library API; may import model."""

from vmqproof.model.config.errors import ConfigError
from vmqproof.model.readers.dispatch import load_config, loads_config
from vmqproof.properties.queries.check import check_config
from vmqproof.properties.queries.inputs import check_input, check_inputs
from vmqproof.properties.results import FileReport, Result, Severity, Status, Verdict

check_file = check_input      # one file of any kind: a configuration, a driver INF, or Get-NetAdapter* output

__all__ = ["ConfigError", "FileReport", "Result", "Severity", "Status", "Verdict", "check_config", "check_file",
           "check_input", "check_inputs", "load_config", "loads_config"]
