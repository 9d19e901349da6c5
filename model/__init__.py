"""Everything below the rules: config (z3-free), readers, smt (the only z3), outputs; never properties, cli, rich."""

from vmqproof.model import _moved

_moved.install()
