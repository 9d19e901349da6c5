"""The configuration: schema, loading, validation, symbolic encoding and the solver."""
