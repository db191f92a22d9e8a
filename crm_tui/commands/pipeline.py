"""`crm pipeline ...`: the pipeline by stage (count, total, weighted total, a bar), pipelines and their stages."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer

from crm_tui.commands.money_helpers import amount, money_columns, sources_line
from crm_tui.commands.runtime import FormatOption, runtime
from crm_tui.errors import InvalidInput

if TYPE_CHECKING:
    from crm_tui.services.money.board import Board

pipeline_app = typer.Typer(help="The pipeline by stage; pipelines and their stages.", invoke_without_command=True)
stage_app = typer.Typer(help="A pipeline's stages: add, edit, remove.", no_args_is_help=True)
pipeline_app.add_typer(stage_app, name="stage")

BAR = 16
BOARD_COLUMNS = [
    ("stage", "Stage"),
    ("count", "Deals"),
    ("total", "Total"),
    ("weighted", "Weighted"),
    ("probability", "%"),
    ("bar", ""),
]


@pipeline_app.callback()
def pipeline(
    ctx: typer.Context,
    name: str | None = typer.Option(None, "--pipeline", "-p", help="Which pipeline (default: the first)."),
    closed_since: str | None = typer.Option(
        None, "--closed-since", help="Count won and lost deals closed since then (default: all)."
    ),
    owner: str | None = typer.Option(None, "--owner", help="Only this owner's deals."),
    fmt: str | None = FormatOption,
) -> None:
    """The pipeline by stage, in pipeline order: deals, total and weighted total per currency.

    Example: crm pipeline   or   crm pipeline --closed-since "90 days ago" --format json
    """
    if ctx.invoked_subcommand is not None:
        return
    from crm_tui.services.money.board import pipeline_by_stage
    from crm_tui.services.money.pipelines import find_pipeline

    rt = runtime(ctx)
    fmt = rt.fmt(fmt)
    since = rt.when(closed_since, option="--closed-since") if closed_since else None
    with rt.connection() as conn:
        board = pipeline_by_stage(conn, find_pipeline(conn, name), closed_since=since, owner=owner)
    _print_board(rt, board, fmt)


def _print_board(rt: Any, board: Board, fmt: str) -> None:
    from crm_tui.output import render

    largest: dict[str, int] = {}
    for column in board.columns:
        for total in column.totals:
            largest[total.currency] = max(largest.get(total.currency, 0), total.total)
    records = []
    for column in board.columns:
        stage, prob = column.stage, column.probability
        base = {
            "pipeline": board.pipeline.name,
            "stage_id": stage.id,
            "stage": stage.name,
            "kind": stage.kind,
            "position": stage.position,
            "probability": prob.percent,
            "probability_source": prob.source,
        }
        if not column.totals:
            records.append({**base, "currency": None, "count": 0, "total": None, "weighted": None, "bar": ""})
        for i, total in enumerate(column.totals):
            size = round(BAR * total.total / largest[total.currency]) if largest[total.currency] > 0 else 0
            records.append(
                {
                    **base,
                    "stage": stage.name if i == 0 or fmt != "table" else "",
                    "currency": total.currency,
                    "count": total.count,
                    "total": amount(total.total, total.currency, fmt),
                    "weighted": amount(total.weighted, total.currency, fmt),
                    "bar": "█" * size,
                }
            )
    columns = money_columns(BOARD_COLUMNS, fmt)
    if fmt != "table":
        columns = [c for c in columns if c[0] != "bar"]
        for record in records:
            record.pop("bar", None)
    render(records, columns, fmt, tz=rt.tz, title=f"{board.pipeline.name} pipeline" if fmt == "table" else None)
    if fmt == "table":
        sources = {c.probability.source for c in board.columns if c.stage.kind == "open"}
        typer.echo(sources_line(sources))


@pipeline_app.command("list")
def pipeline_list(ctx: typer.Context, fmt: str | None = FormatOption) -> None:
    """List the pipelines with their stages, kinds and default probabilities.

    Example: crm pipeline list
    """
    from crm_tui.output import render
    from crm_tui.services.money.pipelines import all_pipelines

    rt = runtime(ctx)
    fmt = rt.fmt(fmt)
    with rt.connection() as conn:
        pipelines = all_pipelines(conn)
    records = [
        {
            "pipeline_id": p.id,
            "pipeline": p.name,
            "rotten_days": p.rotten_days,
            "stage_id": s.id,
            "stage": s.name,
            "position": s.position,
            "kind": s.kind,
            "probability": s.probability,
        }
        for p in pipelines
        for s in p.stages
    ]
    columns = [
        ("pipeline", "Pipeline"),
        ("stage", "Stage"),
        ("kind", "Kind"),
        ("probability", "Default %"),
        ("rotten_days", "Rots after (days)"),
    ]
    render(records, columns, fmt, tz=rt.tz)


def _parse_stages(text: str) -> list[tuple[str, str, int]]:
    """`Lead:10, Proposal:50, Won:won, Lost:lost` as (name, kind, probability)."""
    out = []
    for part in [p.strip() for p in text.split(",") if p.strip()]:
        name, _, value = part.partition(":")
        value = value.strip().lower() or "0"
        if value in ("won", "lost"):
            out.append((name.strip(), value, 100 if value == "won" else 0))
        elif value.rstrip("%").isdigit():
            out.append((name.strip(), "open", int(value.rstrip("%"))))
        else:
            raise InvalidInput(f"'{part[:40]}' is not a stage: give NAME:PERCENT, NAME:won or NAME:lost (--stages)")
    kinds = {kind for _, kind, _ in out}
    if kinds != {"open", "won", "lost"}:
        raise InvalidInput("a pipeline needs open stages, a won stage and a lost stage (--stages)")
    return out


@pipeline_app.command("add")
def pipeline_add(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="The new pipeline's name."),
    stages: str | None = typer.Option(
        None, "--stages", help="Its stages in order: 'Call:20, Quote:50, Won:won, Lost:lost' (default: Sales' six)."
    ),
    rotten_days: int = typer.Option(30, "--rotten-days", help="Days without activity before an open deal rots."),
) -> None:
    """Add a pipeline.

    Example: crm pipeline add Retainers --stages "Talk:20, Offer:60, Signed:won, Declined:lost" --rotten-days 14
    """
    from crm_tui.services.money.pipelines import add_pipeline

    rt = runtime(ctx)
    parsed = _parse_stages(stages) if stages else None
    with rt.session() as session:
        pipeline_id = add_pipeline(session, name, actor=rt.user, now=rt.now(), stages=parsed, rotten_days=rotten_days)
    rt.done(f"Added pipeline #{pipeline_id} {name}", pipeline_id)


@pipeline_app.command("edit")
def pipeline_edit(
    ctx: typer.Context,
    ref: str = typer.Argument(..., metavar="PIPELINE"),
    name: str | None = typer.Option(None, "--name", help="New name."),
    rotten_days: int | None = typer.Option(None, "--rotten-days", help="Days without activity before a deal rots."),
) -> None:
    """Rename a pipeline or change when its deals rot.

    Example: crm pipeline edit sales --rotten-days 21
    """
    from crm_tui.services.money.pipelines import edit_pipeline, find_pipeline

    rt = runtime(ctx)
    with rt.session() as session:
        found = find_pipeline(session.connection(), ref)
        edit_pipeline(session, found.id, actor=rt.user, now=rt.now(), name=name, rotten_days=rotten_days)
    rt.done(f"Updated pipeline #{found.id}", found.id)


@stage_app.command("add")
def stage_add(
    ctx: typer.Context,
    ref: str = typer.Argument(..., metavar="PIPELINE"),
    name: str = typer.Argument(..., help="The new stage's name."),
    kind: str = typer.Option("open", "--kind", help="open, won or lost."),
    probability: int = typer.Option(0, "--probability", help="Its default probability in %."),
    before: str | None = typer.Option(None, "--before", help="Put it before this stage (default: before Won)."),
) -> None:
    """Add a stage to a pipeline.

    Example: crm pipeline stage add sales Demo --probability 35 --before proposal
    """
    from crm_tui.services.money.pipelines import add_stage, find_pipeline, find_stage

    rt = runtime(ctx)
    with rt.session() as session:
        found = find_pipeline(session.connection(), ref)
        before_id = find_stage(found, before).id if before else None
        stage_id = add_stage(
            session, found.id, name, actor=rt.user, now=rt.now(), kind=kind, probability=probability, before=before_id
        )
    rt.done(f"Added stage #{stage_id} {name} to {found.name}", stage_id)


@stage_app.command("edit")
def stage_edit(
    ctx: typer.Context,
    ref: str = typer.Argument(..., metavar="PIPELINE"),
    stage: str = typer.Argument(..., metavar="STAGE"),
    name: str | None = typer.Option(None, "--name", help="New name."),
    probability: int | None = typer.Option(None, "--probability", help="New default probability in %."),
    position: int | None = typer.Option(None, "--position", help="New place, 1 for the first."),
) -> None:
    """Rename a stage, change its default probability, or move it.

    Example: crm pipeline stage edit sales proposal --probability 40
    """
    from crm_tui.services.money.pipelines import edit_stage, find_pipeline, find_stage

    rt = runtime(ctx)
    with rt.session() as session:
        found = find_pipeline(session.connection(), ref)
        target = find_stage(found, stage)
        edit_stage(
            session,
            target.id,
            actor=rt.user,
            now=rt.now(),
            name=name,
            probability=probability,
            position=position - 1 if position is not None else None,
        )
    rt.done(f"Updated stage #{target.id}", target.id)


@stage_app.command("rm")
def stage_rm(
    ctx: typer.Context,
    ref: str = typer.Argument(..., metavar="PIPELINE"),
    stage: str = typer.Argument(..., metavar="STAGE"),
) -> None:
    """Remove a stage no deal is in.

    Example: crm pipeline stage rm sales demo
    """
    from crm_tui.services.money.pipelines import find_pipeline, find_stage, remove_stage

    rt = runtime(ctx)
    with rt.session() as session:
        target = find_stage(find_pipeline(session.connection(), ref), stage)
        remove_stage(session, target.id, actor=rt.user, now=rt.now())
    rt.done(f"Removed stage #{target.id} {target.name}", target.id)
