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
import re
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

    return org_names_by_use(conn, limit=MAX_ITEMS, starting=typed)


def _tags(conn: Connection, typed: str) -> Iterable[str]:
    from crm_tui.services.tags import tag_names_by_use

    return tag_names_by_use(conn, limit=MAX_ITEMS, starting=typed)


def _owners(conn: Connection, typed: str) -> Iterable[str]:
    from crm_tui.services.segments.completion import owner_names

    return owner_names(conn)


def _stages(conn: Connection, typed: str) -> Iterable[str]:
    from crm_tui.services.segments.completion import stage_names

    return stage_names(conn)


def _pipelines(conn: Connection, typed: str) -> Iterable[str]:
    from crm_tui.services.money.pipelines import all_pipelines

    return [p.name for p in all_pipelines(conn)]


def _views(conn: Connection, typed: str) -> Iterable[str]:
    from crm_tui.services.segments.views import view_infos

    return [v.name for v in view_infos(conn)]


def _rules(conn: Connection, typed: str) -> Iterable[str]:
    from crm_tui.services.segments.rules import rule_infos

    return [r.name for r in rule_infos(conn)]


# What an id can stand for (`12`, `#12`): a word of digits there is not completed.
_BY_ID = (_contacts, _orgs, _pipelines)

# Options that name the same kind of thing wherever they appear, by their long flag.
_OPTIONS: dict[str, Reader] = {
    "--contact": _contacts, "--org": _orgs, "--tag": _tags, "--untag": _tags, "--owner": _owners,
    "--stage": _stages, "--pipeline": _pipelines,
}  # fmt: skip
# Arguments, by the command they belong to (its words after `crm`) and their name.
_ARGUMENTS: dict[tuple[str, str], Reader] = {
    **{(f"contact {c}", "ref"): _contacts for c in (
        "edit", "export-person", "forget", "history", "restore", "rm", "show", "snooze", "unmerge")},
    **{(f"contact {c}", p): _contacts for c in ("link", "unlink") for p in ("a", "b")},
    ("contact merge", "keep"): _contacts, ("contact merge", "other"): _contacts,
    **{(f"dedup {c}", p): _contacts for c in ("dismiss", "undismiss") for p in ("first", "second")},
    ("feedback ask", "ref"): _contacts, ("feedback thank", "ref"): _contacts, ("why", "ref"): _contacts,
    ("org edit", "ref"): _orgs, ("org rm", "ref"): _orgs, ("org show", "ref"): _orgs,
    ("tag set", "tag"): _tags, ("deal move", "stage"): _stages,
    ("pipeline edit", "ref"): _pipelines,
    **{(f"pipeline stage {c}", "ref"): _pipelines for c in ("add", "edit", "rm")},
    **{(f"pipeline stage {c}", "stage"): _stages for c in ("edit", "rm")},
    ("view rm", "name"): _views, ("view show", "name"): _views,
    ("rule rm", "name"): _rules, ("rule run", "name"): _rules, ("rule show", "name"): _rules,
}  # fmt: skip
# Commands whose words start with a contact: `crm log ada call ...`, `crm pay add ada 500`.
_FIRST_WORD: dict[str, Reader] = {"log": _contacts, "pay add": _contacts, "remind add": _contacts}
# An argument whose kind a flag of its command decides: `crm value why --org REF` names an organization.
_FLAGGED: dict[tuple[str, str], tuple[str, Reader, Reader]] = {("value why", "ref"): ("org", _orgs, _contacts)}


def attach(command: Any, path: str = "") -> Any:
    """Give the parameters of `command` (and of the commands under it) their completions; returns it."""
    for param in command.params:
        reader: Reader | None = None
        flagged = None
        if param.param_type_name == "argument":
            reader = _ARGUMENTS.get((path, param.name)) or (_FIRST_WORD.get(path) if param.nargs == -1 else None)
            flagged = _FLAGGED.get((path, param.name))
        elif not getattr(param, "is_flag", False):
            reader = next((_OPTIONS[o] for o in param.opts if o in _OPTIONS), None)
        if reader is not None or flagged is not None:
            param._custom_shell_complete = _completer(reader, flagged, first_only=param.nargs == -1)
    for name, sub in getattr(command, "commands", {}).items():
        attach(sub, f"{path} {name}".strip())
    return command


def _completer(
    reader: Reader | None, flagged: tuple[str, Reader, Reader] | None, *, first_only: bool
) -> Callable[[Any, Any, str], list[str]]:
    from crm_tui.keys import starts_as_typed

    def complete(ctx: Any, param: Any, incomplete: str) -> list[str]:
        if first_only and ctx.params.get(param.name):
            return []  # a later word of `crm log ada call ...`: not a contact
        chosen = reader
        if flagged is not None:
            flag, when_set, otherwise = flagged
            chosen = when_set if ctx.params.get(flag) else otherwise
        if chosen is None or (chosen in _BY_ID and incomplete.removeprefix("#").isdigit()):
            return []  # an id
        names = [n for n in _read(ctx, chosen, incomplete) if starts_as_typed(n, incomplete)]
        if os.environ.get(COMPLETE_VAR, "").endswith("bash"):
            names = [_SHELL_SPECIAL.sub(r"\\\g<0>", n) for n in names]  # as `printf %q`: bash reads it back
        return list(dict.fromkeys(names))[:MAX_ITEMS]

    return complete


# What bash would read as anything but the character itself (spaces, quotes, & ( ) $ * ? ...).
_SHELL_SPECIAL = re.compile(r"[^\w@%+=:,./-]")


def _typed_option(name: str) -> str | None:
    """The value of a global option typed after the command (`crm contact show --db x.db ad<TAB>`),
    which a run hoists to the front (cli.hoist_global_options) but the completion's parse drops:
    read from the words the shell passed (bash: COMP_WORDS; zsh, fish, PowerShell: _TYPER_COMPLETE_ARGS)."""
    import shlex

    line = os.environ.get("COMP_WORDS") or os.environ.get("_TYPER_COMPLETE_ARGS") or ""
    words: list[str] = []
    for closing in ("", '"', "'"):  # the word being typed may have opened a quote
        try:
            words = shlex.split(line + closing)
            break
        except ValueError:
            continue
    found = None
    for i, word in enumerate(words):
        if word == "--":
            break
        if word == name and i + 1 < len(words):
            found = words[i + 1]
        elif word.startswith(name + "="):
            found = word.split("=", 1)[1]
    return found


def _read(ctx: Any, reader: Reader, typed: str) -> list[str]:
    """What `reader` finds in the database the command line names, or nothing if it cannot be read
    (Backend.peek_engine: read-only, never created, quick to give up on a lock or a silent server)."""
    from crm_tui.config import resolve_settings
    from crm_tui.db import connection_scope, peek_engine
    from crm_tui.errors import CrmError

    root = ctx.find_root().params
    db, user = root.get("db") or _typed_option("--db"), root.get("user") or _typed_option("--user")
    try:
        engine = peek_engine(resolve_settings(db, user).db_url)
        if engine is None:
            return []
        try:
            with connection_scope(engine) as conn:
                return list(reader(conn, typed))
        finally:
            engine.dispose()
    except (CrmError, ValueError, ImportError):  # a URL SQLAlchemy cannot read, a driver not installed
        return []
