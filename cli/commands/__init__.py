"""One module per command (NAME, register, run); may import cli.common, cli.render, properties and model, never z3."""
