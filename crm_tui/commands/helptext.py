"""What `--help` shows: the README's words for values (WHEN, REF, DURATION), never Python types.

Typer labels each value with its Python type (`<str>`, `<list[str]>`, `<bool>` beside a flag)
and wraps required arguments in braces (`{ref}`). `tidy_help` walks a built command tree once
and gives every parameter a metavar a user reads: an option's own `metavar=` if it set one,
else the name in `METAVARS`, else its long name in capitals; flags show none; arguments read
`REF`, `[FILE]`. Every group `cli.GROUPS` builds goes through it, so a new command needs nothing.
"""

from __future__ import annotations

from typing import Any

# The README's words for an option's value, by the option's long name.
METAVARS = {
    "--at": "WHEN",
    "--due": "WHEN",
    "--follow-up": "WHEN",
    "--from": "WHEN",
    "--to": "WHEN",
    "--close": "WHEN",
    "--next-due": "WHEN",
    "--within": "DURATION",
    "--older-than": "DURATION",
    "--every": "DURATION",
    "--contact": "REF",
    "--owner": "USER",
    "--user": "USER",
    "--format": "FORMAT",
    "--limit": "N",
    "--output": "FILE",
    "--rejects": "FILE",
    "--body": "TEXT",
    "--note": "TEXT",
    "--db": "PATH_OR_URL",
    "--tz": "ZONE",
    "--map": "COLUMN=FIELD",
    "--set": "FIELD=VALUE",
    "--date": "LABEL=DATE",
    "--birthday": "DATE",
    "--remove-date": "LABEL",
    "--unset": "FIELD",
    "--add-address": "ADDRESS",
    "--remove-address": "ADDRESS",
    "--add-email": "EMAIL",
    "--remove-email": "EMAIL",
    "--primary-email": "EMAIL",
    "--add-phone": "PHONE",
    "--remove-phone": "PHONE",
    "--remove-url": "URL",
    "--untag": "TAG",
}
# Typer's shell-completion options, offered on every sub-app: noise in a group's help.
COMPLETION_OPTIONS = ("install_completion", "show_completion")


def _plain_help_option(original: Any) -> Any:
    def help_option(ctx: Any) -> Any:
        option = original(ctx)
        if option is not None:
            option.metavar = ""
        return option

    return help_option


def _usage_name(param: Any) -> str:
    name = str(param.metavar)
    name = name if param.required else f"[{name}]"
    return name + ("..." if param.nargs != 1 else "")


def tidy_help(command: Any) -> Any:
    """Give every parameter of `command` and its subcommands a plain metavar (see the module doc)."""
    if getattr(command, "_tidy_help", False):
        return command
    command._tidy_help = True
    if hasattr(command, "get_help_option"):
        command.get_help_option = _plain_help_option(command.get_help_option)
    for param in getattr(command, "params", []):
        if param.param_type_name == "argument":
            if param.metavar is None:
                param.metavar = (param.name or "value").upper()
            # Typer writes a required argument as {ref}: show REF, and [REF] when optional.
            param._usage_display_name = lambda param=param: _usage_name(param)
            param.display_type_rich = lambda ctx: None  # the name column already says REF
        elif getattr(param, "is_flag", False) or getattr(param, "count", False):
            param.metavar = ""
        else:
            if param.metavar is None:
                long = next((o for o in param.opts if o.startswith("--")), param.opts[0])
                param.metavar = METAVARS.get(long, long.lstrip("-").upper().replace("-", "_"))
            # `0<=x<=1000000` reads as code; the help text says what the bounds mean.
            param._get_number_range_help_str = lambda: None
    if hasattr(command, "params"):
        command.params = [p for p in command.params if p.name not in COMPLETION_OPTIONS]
    for sub in getattr(command, "commands", {}).values():
        tidy_help(sub)
    return command
