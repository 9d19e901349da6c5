"""Command line: argv → one query → rendered result; exit codes live here (no z3 here)."""
