"""`crm rule ...`: queries that create follow-ups, evaluated by `crm due` and `crm rule run`."""

from __future__ import annotations

from typing import Any

import typer

from crm_tui.commands.runtime import FormatOption, runtime

rule_app = typer.Typer(help="Rules: a query and the follow-up it creates for each contact in it.", no_args_is_help=True)


def _record(rule: Any) -> dict[str, Any]:
    return {
        "id": rule.id,
        "name": rule.name,
        "when": rule.query,
        "remind": rule.remind,
        "due": rule.due,
        "owner": rule.owner,
        "created_by": rule.created_by,
        "created_at": rule.created_at,
    }


@rule_app.command("add")
def rule_add(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="The rule's name."),
    when: str = typer.Option(..., "--when", help="The query: who the rule is for (tier:A last:>30d)."),
    remind: str = typer.Option(..., "--remind", help="The follow-up's title; {name} and {first} name the contact."),
    due: str | None = typer.Option(None, "--due", help="Due this long after the rule fires (2d, 1w); default at once."),
    owner: str | None = typer.Option(None, "--owner", help="Who owns the follow-ups (default: you)."),
) -> None:
    """Add a rule: each contact entering the query gets one follow-up, once, until it leaves
    and re-enters after that follow-up is done.

    Example: crm rule add lapsed --when '+LAPSED' --remind 'Check in with {name}' --due 2d
    """
    from crm_tui.services.segments.rules import add_rule

    rt = runtime(ctx)
    with rt.about("--due"), rt.session() as session:
        rule = add_rule(session, name=name, query=when, remind=remind, actor=rt.user, tz=rt.tz, due=due,
                        owner=owner, now=rt.now())  # fmt: skip
        rule_id, rule_name = rule.id, rule.name
    rt.done(f"Added rule {rule_name}; `crm rule run --dry-run` shows who it would remind", rule_id)


@rule_app.command("list")
def rule_list(ctx: typer.Context, fmt: str | None = FormatOption) -> None:
    """List the rules.

    Example: crm rule list --format json
    """
    from crm_tui.output import render
    from crm_tui.services.segments.rules import rule_infos

    rt = runtime(ctx)
    fmt = rt.fmt(fmt)
    with rt.connection() as conn:
        rules = rule_infos(conn)
    columns = [("name", "Name"), ("when", "When"), ("remind", "Remind"), ("due", "Due"), ("owner", "Owner")]
    render([_record(r) for r in rules], columns, fmt, tz=rt.tz)


@rule_app.command("show")
def rule_show(
    ctx: typer.Context, name: str = typer.Argument(..., help="The rule's name."), fmt: str | None = FormatOption
) -> None:
    """Show a rule, who is in its segment now, and the follow-ups it has created.

    Example: crm rule show lapsed
    """
    from crm_tui.output import fields
    from crm_tui.services.contacts.rows import ContactFilter, count_contacts
    from crm_tui.services.segments.compiler import parse_segment
    from crm_tui.services.segments.rules import firing_count, rule_info

    rt = runtime(ctx)
    fmt = rt.fmt(fmt)
    with rt.connection() as conn:
        rule = rule_info(conn, name)
        segment = parse_segment(rule.query, now=rt.now(), tz=rt.tz, user=rt.user)
        members = count_contacts(conn, ContactFilter(segment=segment), now=rt.now())
        fired, still_open = firing_count(conn, rule.id)
    pairs = [*_record(rule).items(), ("members", members), ("fired_for", fired), ("open_reminders", still_open)]
    fields(pairs, fmt, tz=rt.tz)


@rule_app.command("rm")
def rule_rm(ctx: typer.Context, name: str = typer.Argument(..., help="The rule to delete.")) -> None:
    """Delete a rule; the follow-ups it created stay.

    Example: crm rule rm lapsed
    """
    from crm_tui.services.segments.rules import remove_rule

    rt = runtime(ctx)
    with rt.session() as session:
        info = remove_rule(session, name, actor=rt.user)
    rt.done(f"Deleted rule {info.name}", info.id)


@rule_app.command("run")
def rule_run(
    ctx: typer.Context,
    name: str | None = typer.Argument(None, help="Only this rule (default: every rule)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Show the follow-ups it would create; write nothing."),
    fmt: str | None = FormatOption,
) -> None:
    """Evaluate the rules now (crm due does it too) and list the follow-ups created.

    Example: crm rule run --dry-run
    """
    from crm_tui.output import render
    from crm_tui.services.segments.rules import run_rules

    rt = runtime(ctx)
    fmt = rt.fmt(fmt)
    with rt.session() as session:
        fired, problems = run_rules(session, now=rt.now(), tz=rt.tz, actor=rt.user, dry_run=dry_run, only=name)
    for problem in problems:
        rt.note(f"crm: rule {problem.rule}: {problem.message}")
    records = [
        {"rule": f.rule, "contact_id": f.contact_id, "contact": f.contact_name, "title": f.title, "due_at": f.due_at,
         "reminder_id": f.reminder_id}
        for f in fired
    ]  # fmt: skip
    columns = [("rule", "Rule"), ("contact", "Contact"), ("title", "Follow-up"), ("due_at", "Due"),
               ("reminder_id", "ID")]  # fmt: skip
    render(records, columns, fmt, tz=rt.tz)
    if problems:
        raise typer.Exit(1)
