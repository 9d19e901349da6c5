"""Readers of real artifacts into vmqproof/1 configurations (z3-free; they may import vmqproof.model only)."""
