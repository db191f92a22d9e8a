"""Typer's coercion of an option's value, built only when a value needs it.

Typer 0.29 coerces every parameter's value through a pydantic TypeAdapter that it builds the
first time the command is parsed, for a value of None or a string for a `str` as much as for a
date: importing pydantic and building a command's adapters cost 60-90 ms CPU of every `crm`
process (2026-12-02, `crm import contacts` of one row: 426 ms median against 362 ms without).

`lazy_coercion(command)` gives every parameter of a built command tree a coercion that returns at
once what Typer's would return unchanged (nothing given, a string for a string, a flag's bool, a
list of strings, a whole number within the option's bounds) and hands every other value to the
coercion Typer builds, so errors and conversions stay Typer's own. `tests/test_coercion.py`
checks both agree for every parameter of every command. If Typer's internals are not those this
knows, the parameters are left as Typer made them.
"""

from __future__ import annotations

from typing import Any

_KEEP = object()  # no shortcut: Typer's coercion decides


def lazy_coercion(command: Any) -> Any:
    """Give each parameter of `command` and its subcommands the lazy coercion; returns `command`."""
    if getattr(command, "_lazy_coercion", False):
        return command
    command._lazy_coercion = True
    for param in getattr(command, "params", []):
        _lazy(param)
    if hasattr(command, "get_help_option"):  # --help, made when a command is parsed
        made = command.get_help_option
        command.get_help_option = lambda ctx: _lazy(made(ctx))
    for sub in getattr(command, "commands", {}).values():
        lazy_coercion(sub)
    return command


def _lazy(param: Any) -> Any:
    if param is not None and getattr(param, "_runtime_param", _KEEP) is None and hasattr(param, "type_descriptor"):
        param._runtime_param = LazyCoercion(param)
    return param


class LazyCoercion:
    """In a Typer parameter's `_runtime_param` slot: its `coerce`, with Typer's built on demand."""

    __slots__ = ("built", "kind", "multiple", "param", "range")

    def __init__(self, param: Any) -> None:
        self.param = param
        self.built: Any = None
        self.multiple = bool(param.multiple or param.nargs == -1)
        self.range: tuple[Any, Any] | None = None
        self.kind = _kind(param.type_descriptor)
        info = param.type_descriptor.parameter_info
        if self.kind == "int" and (info.min is not None or info.max is not None):
            self.range = (info.min, info.max)

    def coerce(self, value: Any, param: Any, ctx: Any) -> Any:
        if value is None:  # as Typer's RuntimeParam.coerce
            return () if self.multiple else None
        quick = self._quick(value)
        if quick is not _KEEP:
            return quick
        if self.built is None:
            from typer._coercion import build_runtime_param

            self.built = build_runtime_param(self.param.type_descriptor)
        return self.built.coerce(value, param=param, ctx=ctx)

    def _quick(self, value: Any) -> Any:
        kind, t = self.kind, type(value)
        if kind == "str":
            return value if t is str and not self.multiple else _KEEP
        if kind == "bool":
            return value if t is bool and not self.multiple else _KEEP
        if kind == "strs":
            if (t is tuple or t is list) and all(type(v) is str for v in value):
                return list(value)
            return _KEEP
        if kind == "int" and not self.multiple:
            if t is int:
                number = value
            elif t is str and value.isascii() and value.isdigit():
                number = int(value)
            else:
                return _KEEP
            if self.range is not None:
                low, high = self.range
                if (low is not None and number < low) or (high is not None and number > high):
                    return _KEEP  # Typer's message, or its clamp
            return number
        return _KEEP


def _kind(descriptor: Any) -> str | None:
    """Which shortcut a parameter's values may take, None for none (its values all go to Typer)."""
    info = descriptor.parameter_info
    if info.parser is not None or descriptor.is_choice or descriptor.is_file or descriptor.is_path:
        return None
    annotation = descriptor.annotation
    if annotation is str:
        return "str"
    if annotation is bool:
        return "bool"
    if annotation is int:
        return "int"
    if descriptor.is_list and getattr(annotation, "__args__", None) == (str,):
        return "strs"
    return None
