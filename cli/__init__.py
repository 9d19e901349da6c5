"""Command line: argv → one query → rendered result, exit codes; may import properties and model, never z3."""

from vmqproof.model import _moved

_moved.install()
