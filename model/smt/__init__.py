"""The symbolic encoding and every solver call: the only package that imports z3; may import model.config."""
