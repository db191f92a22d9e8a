"""Typer sub-apps of the `crm` command, one module per group.

Each module imports only typer and light modules at the top; services, rich and
the database load inside the commands that need them.
"""
