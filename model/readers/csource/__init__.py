"""A driver's C source tree (tree-sitter C grammar) read into Configs; may import model.config and readers.inf."""
