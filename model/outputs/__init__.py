"""Made from a Config: the queue→vector→CPU graph, C/INF emitters, TOML writing, patching; may import model.config."""
