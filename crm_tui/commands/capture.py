"""`crm log "SENTENCE"`: one quoted sentence read into a contact, a kind, a time, a summary and a follow-up."""

from __future__ import annotations

import sys

import typer

from crm_tui.commands.runtime import Runtime
from crm_tui.errors import InvalidInput

MACHINE_FORMATS = ("json", "ndjson", "csv")


def should_ask(yes: bool) -> bool:
    """Ask before logging only when a person is at the terminal and did not say --yes."""
    return not yes and sys.stdin.isatty() and sys.stdout.isatty()


def log_sentence(rt: Runtime, sentence: str, *, body: str | None, yes: bool, dry_run: bool, fmt: str | None) -> None:
    """Read the sentence, show it (or print it, with --dry-run), ask on a terminal, then log it."""
    from crm_tui.output import fields
    from crm_tui.sentence import show_time
    from crm_tui.services.capture import log_parsed, read_sentence

    shown = rt.fmt(fmt)
    if fmt is not None and not dry_run and shown in MACHINE_FORMATS:
        raise InvalidInput("--format json shows the parse: use it with --dry-run")
    now = rt.now()
    with rt.connection() as conn:
        parsed = read_sentence(conn, sentence, now=now, tz=rt.tz)
    lines = parsed.lines(rt.tz, now=now)
    if dry_run:
        if shown in MACHINE_FORMATS:
            fields(list(parsed.as_dict(rt.tz).items()), shown, tz=rt.tz)
        else:
            width = max(len(label) for label, _ in lines)
            typer.echo("\n".join(f"{label:<{width}}  {text}" for label, text in lines))
        return
    if should_ask(yes):
        width = max(len(label) for label, _ in lines)
        for label, text in lines:
            typer.echo(f"{label:<{width}}  {text}", err=True)
        if not typer.confirm("Log it?", default=True, err=True):
            raise InvalidInput("not logged")
    with rt.session() as session:
        captured = log_parsed(session, parsed, actor=rt.user, now=now, body=body)
    interaction = captured.interaction
    message = (
        f"Logged {interaction.kind} #{interaction.id} with {captured.contact_name},"
        f" {show_time(interaction.occurred_at, rt.tz)}"
    )
    if captured.reminder_id is not None and parsed.follow_up is not None:
        message += f"; follow-up #{captured.reminder_id} due {show_time(parsed.follow_up.due_at, rt.tz)}"
    rt.done(message, interaction.id)
