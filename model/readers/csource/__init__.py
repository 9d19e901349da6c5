"""Reading a miniport driver's C source tree (tree-sitter C grammar) into vmqproof/1 configurations."""
