"""`crm completion SHELL`: tab completion of commands, options and what the database holds.

The script `crm completion bash` prints (Typer's own, for bash, zsh, fish and PowerShell) calls
`crm` again on every tab with `_CRM_COMPLETE` set. That run (`cli.main` → `complete`) parses no
command: it names the commands and options that fit, and, for an argument or option that names
a contact, an organization, a tag, an owner, a stage, a pipeline, a view or a rule, those the
database holds that start with what is typed (case aside). It reads the database the options
or CRM_DB name, and only if it is there: a tab never creates, upgrades or locks one, and a
database that cannot be read completes nothing.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import typer

from crm_tui.commands.runtime import COMPLETE_VAR

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

SHELLS = ("bash", "zsh", "fish", "powershell", "pwsh")
MAX_ITEMS = 50  # names offered at once: the shell lists them all

completion_app = typer.Typer(add_completion=False)  # one command: Typer builds it as a plain command


@completion_app.command()
def completion(shell: str = typer.Argument(..., help="bash, zsh, fish or powershell.")) -> None:
    """Print the script that gives crm tab completion in SHELL.

    A tab then completes commands, options, and the contacts, organizations,
    tags, owners, stages, pipelines, views and rules in your database.
    Load the script from your shell's start-up file:

        bash: eval "$(crm completion bash)"     in ~/.bashrc
        zsh:  eval "$(crm completion zsh)"      in ~/.zshrc, after compinit
        fish: crm completion fish > ~/.config/fish/completions/crm.fish

    Example: crm completion bash >> ~/.bashrc
    """
    from typer.completion import get_completion_script

    from crm_tui.errors import InvalidInput

    if shell not in SHELLS:
        raise InvalidInput(f"no completion for the shell '{shell[:40]}'; one of {', '.join(SHELLS[:4])}")
    typer.echo(get_completion_script(prog_name="crm", complete_var=COMPLETE_VAR, shell=shell))


def complete(app: typer.Typer, args: list[str]) -> None:
    """Answer the shell's tab and exit (Typer prints the completions `attach` makes possible)."""
    from typer.completion import completion_init

    completion_init()
    typer.main.get_command(app).main(args=args, prog_name="crm", complete_var=COMPLETE_VAR)


# ---------------------------------------------------------------- what each parameter names

Reader = Callable[["Connection", str], Iterable[str]]


def _contacts(conn: Connection, typed: str) -> Iterable[str]:
    from crm_tui.services.contacts.finding import contact_names_starting

    return contact_names_starting(conn, typed, limit=MAX_ITEMS)


def _orgs(conn: Connection, typed: str) -> Iterable[str]:
    from crm_tui.services.organizations import org_names_by_use

    return org_names_by_use(conn)


def _tags(conn: Connection, typed: str) -> Iterable[str]:
    from crm_tui.services.tags import tag_names_by_use

    return tag_names_by_use(conn)


def _words(kind: str) -> Reader:
    def read(conn: Connection, typed: str) -> Iterable[str]:
        from crm_tui.services.segments.completion import query_words

        return query_words(conn).values[kind]

    return read


def _pipelines(conn: Connection, typed: str) -> Iterable[str]:
    from crm_tui.services.money.pipelines import all_pipelines

    return [p.name for p in all_pipelines(conn)]


def _views(conn: Connection, typed: str) -> Iterable[str]:
    from crm_tui.services.segments.views import view_infos

    return [v.name for v in view_infos(conn)]


def _rules(conn: Connection, typed: str) -> Iterable[str]:
    from crm_tui.services.segments.rules import rule_infos

    return [r.name for r in rule_infos(conn)]


# Options that name the same kind of thing wherever they appear.
_OPTIONS: dict[str, Reader] = {
    "contact": _contacts, "org": _orgs, "tag": _tags, "untag": _tags, "owner": _words("owner"),
    "stage": _words("stage"), "pipeline": _pipelines,
}  # fmt: skip
# Arguments, by the command they belong to (its words after `crm`) and their name.
_ARGUMENTS: dict[tuple[str, str], Reader] = {
    **{(f"contact {c}", "ref"): _contacts for c in (
        "edit", "export-person", "forget", "history", "restore", "rm", "show", "snooze", "unmerge")},
    **{(f"contact {c}", p): _contacts for c in ("link", "unlink") for p in ("a", "b")},
    ("contact merge", "keep"): _contacts, ("contact merge", "other"): _contacts,
    **{(f"dedup {c}", p): _contacts for c in ("dismiss", "undismiss") for p in ("first", "second")},
    ("feedback ask", "ref"): _contacts, ("feedback thank", "ref"): _contacts, ("value why", "ref"): _contacts,
    ("org edit", "ref"): _orgs, ("org rm", "ref"): _orgs, ("org show", "ref"): _orgs,
    ("tag set", "tag"): _tags, ("deal move", "stage"): _words("stage"),
    ("view rm", "name"): _views, ("view show", "name"): _views,
    ("rule rm", "name"): _rules, ("rule run", "name"): _rules, ("rule show", "name"): _rules,
}  # fmt: skip
# Commands whose words start with a contact: `crm log ada call ...`, `crm pay add ada 500`.
_FIRST_WORD: dict[str, Reader] = {"log": _contacts, "pay add": _contacts, "remind add": _contacts}


def attach(command: Any, path: str = "") -> Any:
    """Give the parameters of `command` (and of the commands under it) their completions; returns it."""
    for param in command.params:
        if param.param_type_name == "argument":
            reader = _ARGUMENTS.get((path, param.name)) or (_FIRST_WORD.get(path) if param.nargs == -1 else None)
        else:
            reader = _OPTIONS.get(param.name)
        if reader is not None:
            param._custom_shell_complete = _completer(reader, first_only=param.nargs == -1)
    for name, sub in getattr(command, "commands", {}).items():
        attach(sub, f"{path} {name}".strip())
    return command


def _completer(reader: Reader, *, first_only: bool) -> Callable[[Any, Any, str], list[str]]:
    def complete(ctx: Any, param: Any, incomplete: str) -> list[str]:
        if first_only and ctx.params.get(param.name):
            return []  # a later word of `crm log ada call ...`: not a contact
        if incomplete.startswith("#") or incomplete[:1].isdigit():
            return []  # an id
        folded = incomplete.casefold()
        names = [n for n in _read(ctx, reader, incomplete) if n.casefold().startswith(folded) and n != incomplete]
        if os.environ.get(COMPLETE_VAR, "").endswith("bash"):
            names = [n.replace("\\", "\\\\").replace(" ", "\\ ") for n in names]  # bash splits on the rest
        return list(dict.fromkeys(names))[:MAX_ITEMS]

    return complete


def _read(ctx: Any, reader: Reader, typed: str) -> list[str]:
    """What `reader` finds in the database the command line names, or nothing if it cannot be read."""
    from crm_tui.config import resolve_settings
    from crm_tui.db import connection_scope, open_engine
    from crm_tui.errors import CrmError

    root = ctx.find_root().params
    try:
        settings = resolve_settings(root.get("db"), root.get("user"))
        path = settings.db_path
        if path is not None and not path.is_file():
            return []
        engine = open_engine(settings, migrate=False)
        try:
            with connection_scope(engine) as conn:
                return list(reader(conn, typed))
        finally:
            engine.dispose()
    except CrmError:
        return []
