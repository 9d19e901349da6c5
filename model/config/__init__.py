"""The z3-free vmqproof/1 configuration: schema, constants, keywords, sections, loading, errors; no other model."""


def __getattr__(name: str) -> object:
    """The names of the 0.1 module `vmqproof.model.config` (deprecated; see model/_moved.py)."""
    from vmqproof.model import _moved
    value = _moved.forward(__name__, name)
    _moved.warn(__name__)
    return value
