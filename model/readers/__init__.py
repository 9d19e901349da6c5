"""Readers of users' files into Configs (INF, Get-NetAdapter* output, driver C sources); may import model.config."""
