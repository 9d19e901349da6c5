"""Readers of users' files into Configs (INF, Get-NetAdapter* output), format detection; may import model.config."""
