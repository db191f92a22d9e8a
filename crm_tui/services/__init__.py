"""The domain: every query and business rule. No textual, typer or rich imports.

Modules are imported one by one by their callers so a command loads only what it uses.
"""
