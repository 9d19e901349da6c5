"""Rendering: rich, plain, JSON, SARIF, JUnit and the graph formats; may import properties and model, never z3."""


def __getattr__(name: str) -> object:
    """The names of the 0.1 module `vmqproof.cli.render` (deprecated; see model/_moved.py)."""
    from vmqproof.model import _moved
    value = _moved.forward(__name__, name)
    _moved.warn(__name__)
    return value
