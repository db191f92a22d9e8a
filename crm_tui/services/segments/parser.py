"""Reading a query of the segments language into terms, with errors that point at a column.

The grammar is `query.lark` beside this module, parsed by lark's LALR parser. The parser
is built once per process from a cache in the user's cache directory (building it from
the grammar costs about 20 ms, loading it about 2 ms). What the terms mean is the field
registry's (`fields.py`); this module only knows their shape.
"""

from __future__ import annotations

import difflib
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crm_tui.errors import InvalidInput

GRAMMAR = Path(__file__).with_name("query.lark")
MAX_QUERY = 2000  # characters: a query is typed, not generated
MAX_DEPTH = 60  # nested parentheses and negations


class QueryError(InvalidInput):
    """A query that cannot be read or run: the message names the column (1-based)."""

    def __init__(self, what: str, *, query: str, column: int, suggestion: str | None = None) -> None:
        hint = f" (did you mean '{suggestion}'?)" if suggestion else ""
        super().__init__(f"query: {what} at column {column}{hint}")
        self.what = what
        self.query = query
        self.column = column
        self.suggestion = suggestion

    def caret(self) -> str:
        """The query and a caret under the column, for a person to read (two lines)."""
        line = self.query.replace("\t", " ").replace("\n", " ")
        return f"{line}\n{' ' * (self.column - 1)}^"


def nearest(word: str, choices: Iterable[str]) -> str | None:
    """The choice closest to `word`, if one is close enough to be a likely typo."""
    found = difflib.get_close_matches(word.lower(), list(choices), n=1, cutoff=0.6)
    return found[0] if found else None


# ---------------------------------------------------------------- terms


@dataclass(frozen=True)
class Node:
    column: int


@dataclass(frozen=True)
class Empty(Node):
    """No query at all: every contact."""


@dataclass(frozen=True)
class And(Node):
    parts: tuple[Node, ...]


@dataclass(frozen=True)
class Or(Node):
    parts: tuple[Node, ...]


@dataclass(frozen=True)
class Not(Node):
    part: Node


@dataclass(frozen=True)
class FieldTerm(Node):
    """`name[.qualifier] OP value[,value...]`; `op` is one of : = != > >= < <=."""

    name: str
    qualifier: str | None
    op: str
    values: tuple[str, ...]
    raw: str  # the value as typed, commas and all (a comparison reads it whole: 5,000)
    value_column: int
    quoted: bool = False  # the qualifier was quoted: `last."call"` is text, `last.call` a kind


@dataclass(frozen=True)
class VirtualTerm(Node):
    name: str  # upper case, without the +


@dataclass(frozen=True)
class ViewTerm(Node):
    name: str  # without the @


@dataclass(frozen=True)
class TextTerm(Node):
    text: str
    phrase: bool


def unquote(text: str) -> str:
    """A quoted string's content: `\\"` and `\\\\` are the escapes."""
    body = text[1:-1]
    out, escaped = [], False
    for ch in body:
        if escaped:
            out.append(ch)
            escaped = False
        elif ch == "\\":
            escaped = True
        else:
            out.append(ch)
    return "".join(out)


# ---------------------------------------------------------------- parsing

_PARSER: Any = None
_BUILDING = threading.Lock()  # a parser built on a thread ahead of time is waited for, not built twice


def _cache_file() -> str | None:
    try:
        import platformdirs
        from lark import __version__ as lark_version

        folder = Path(platformdirs.user_cache_dir("crm-tui", appauthor=False))
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        return str(folder / f"query-{lark_version}.lark-cache")
    except OSError:  # no writable cache directory: build the parser each time
        return None


def _parser() -> Any:
    global _PARSER
    if _PARSER is None:
        with _BUILDING:
            if _PARSER is None:
                from lark import Lark

                cache = _cache_file()
                _PARSER = Lark(
                    GRAMMAR.read_text(encoding="utf-8"),
                    parser="lalr",
                    maybe_placeholders=False,
                    propagate_positions=False,
                    **({"cache": cache} if cache else {}),
                )
    return _PARSER


_TOKEN_NAMES = {
    "FIELD": "a field",
    "OP": "an operator (: > < >= <= !=)",
    "VALUE": "a value",
    "STRING": "a quoted value",
    "VTAG": "a virtual tag",
    "VIEW": "a view",
    "WORD": "a word",
    "LPAR": "'('",
    "RPAR": "')'",
    "COMMA": "','",
    "NEG": "'-'",
    "_OR": "'or'",
    "_AND": "'and'",
    "_NOT": "'not'",
}


def _expected(names: Iterable[str]) -> str:
    wanted = sorted({_TOKEN_NAMES.get(n, n) for n in names if not n.startswith("__")})
    if "a value" in wanted or "a quoted value" in wanted:
        return "a value"
    if "')'" in wanted and len(wanted) <= 4:
        return "')'"
    return "a term"


def _syntax_error(exc: Exception, query: str) -> QueryError:
    from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedToken

    end = len(query) + 1
    if isinstance(exc, UnexpectedToken):
        token = exc.token
        if token.type == "$END":
            return QueryError(f"the query ends early: {_expected(exc.expected)} is missing", query=query, column=end)
        shown = str(token)[:30]
        return QueryError(f"unexpected '{shown}'", query=query, column=token.column or 1)
    if isinstance(exc, UnexpectedCharacters):
        column = exc.column if exc.column and exc.column > 0 else 1
        char = query[column - 1 : column] or "?"
        if char == '"':
            return QueryError("a quote is not closed", query=query, column=column)
        return QueryError(f"unexpected '{char}'", query=query, column=column)
    if isinstance(exc, UnexpectedEOF):
        return QueryError("the query ends early", query=query, column=end)
    return QueryError("cannot read this", query=query, column=1)


def parse(query: str) -> Node:
    """The terms of `query`; QueryError (with a column) when it cannot be read."""
    from lark.exceptions import LarkError

    if len(query) > MAX_QUERY:
        raise QueryError(f"too long (at most {MAX_QUERY} characters)", query=query[:80], column=MAX_QUERY + 1)
    try:
        tree = _parser().parse(query)
    except LarkError as exc:
        raise _syntax_error(exc, query) from None
    except RecursionError:
        raise QueryError("too deeply nested", query=query, column=1) from None
    return _build(tree, query, depth=0)


def _column(item: Any) -> int:
    column = getattr(item, "column", None)
    if isinstance(column, int):
        return column
    children = getattr(item, "children", None) or []
    return _column(children[0]) if children else 1


def _flatten(kind: str, children: Sequence[Any]) -> list[Any]:
    out: list[Any] = []
    for child in children:
        if getattr(child, "data", None) == kind:
            out.extend(_flatten(kind, child.children))
        else:
            out.append(child)
    return out


_OPS = {":": ":", "=": ":", "!=": "!=", ">": ">", ">=": ">=", "<": "<", "<=": "<="}


def _build(tree: Any, query: str, *, depth: int) -> Node:
    if depth > MAX_DEPTH:
        raise QueryError("too deeply nested", query=query, column=_column(tree))
    kind = str(tree.data)
    children = list(tree.children)
    if kind == "empty":
        return Empty(column=1)
    if kind in ("and_", "or_"):
        parts = tuple(_build(child, query, depth=depth + 1) for child in _flatten(kind, children))
        return (And if kind == "and_" else Or)(column=parts[0].column, parts=parts)
    if kind == "not_":
        part = children[-1]
        return Not(column=_column(children[0]), part=_build(part, query, depth=depth + 1))
    token = children[0]
    column = int(token.column or 1)
    if kind == "field":
        name_token, op_token, value_tree = children
        raw_name = str(name_token)
        name, _, qualifier = raw_name.partition(".")
        values = tuple(unquote(str(v)) if v.type == "STRING" else str(v) for v in value_tree.children)
        first, last = value_tree.children[0], value_tree.children[-1]
        raw = query[first.start_pos : last.end_pos] if first.start_pos is not None else ",".join(values)
        op = str(op_token)
        op = _OPS.get(op.lstrip(":") if op != ":" else op, op)
        return FieldTerm(
            column=column,
            name=name.lower(),
            qualifier=(unquote(qualifier) if qualifier.startswith('"') else qualifier) if qualifier else None,
            op=op,
            values=values,
            raw=unquote(raw) if len(values) == 1 and raw.startswith('"') else raw,
            value_column=int(first.column or column),
            quoted=qualifier.startswith('"'),
        )
    if kind == "vtag":
        return VirtualTerm(column=column, name=str(token)[1:].upper())
    if kind == "view":
        return ViewTerm(column=column, name=str(token)[1:])
    if kind == "phrase":
        return TextTerm(column=column, text=unquote(str(token)), phrase=True)
    if kind == "word":
        return TextTerm(column=column, text=str(token), phrase=False)
    raise QueryError("cannot read this", query=query, column=column)  # pragma: no cover - grammar and builder agree


def walk(node: Node) -> Iterable[Node]:
    """Every term of a query, depth first."""
    yield node
    if isinstance(node, (And, Or)):
        for part in node.parts:
            yield from walk(part)
    elif isinstance(node, Not):
        yield from walk(node.part)
