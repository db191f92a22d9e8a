"""Pipelines and their stages: read, found by name, added and edited.

A pipeline is an ordered list of stages; each stage has a kind (open, won or lost) and a
default probability. The first pipeline (by position) is the default one; the migration
creates it as Sales: Lead, Qualified, Proposal, Negotiation, Won, Lost.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from crm_tui.errors import Conflict, InvalidInput, NotFound, shown
from crm_tui.keys import clean_name, name_key
from crm_tui.models import tables as t

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

p, st = t.pipelines.c, t.stages.c

STAGE_KINDS = ("open", "won", "lost")
DEFAULT_ROTTEN_DAYS = 30


@dataclass(frozen=True)
class StageInfo:
    id: int
    pipeline_id: int
    name: str
    position: int
    kind: str
    probability: int


@dataclass(frozen=True)
class PipelineInfo:
    id: int
    name: str
    position: int
    rotten_days: int
    stages: tuple[StageInfo, ...] = ()

    @property
    def open_stages(self) -> list[StageInfo]:
        return [s for s in self.stages if s.kind == "open"]

    def stage_named(self, kind: str) -> StageInfo | None:
        """The first stage of a kind (`won`, `lost`)."""
        return next((s for s in self.stages if s.kind == kind), None)

    def neighbour(self, stage_id: int, step: int) -> StageInfo | None:
        """The stage `step` places from `stage_id` in pipeline order, or None past either end."""
        ids = [s.id for s in self.stages]
        if stage_id not in ids:
            return None
        index = ids.index(stage_id) + step
        return self.stages[index] if 0 <= index < len(self.stages) else None


_STAGE_COLUMNS = (st.id, st.pipeline_id, st.name, st.position, st.kind, st.probability)


def all_pipelines(conn: Connection) -> list[PipelineInfo]:
    """Every pipeline with its stages, the default (first) one first."""
    stages: dict[int, list[StageInfo]] = {}
    for row in conn.execute(select(*_STAGE_COLUMNS).order_by(st.pipeline_id, st.position, st.id)):
        stages.setdefault(row.pipeline_id, []).append(StageInfo(*row))
    query = select(p.id, p.name, p.position, p.rotten_days).order_by(p.position, p.id)
    return [PipelineInfo(*row, stages=tuple(stages.get(row.id, []))) for row in conn.execute(query)]


def stages_by_id(conn: Connection) -> dict[int, StageInfo]:
    """Every stage of every pipeline, by id."""
    return {row.id: StageInfo(*row) for row in conn.execute(select(*_STAGE_COLUMNS))}


def find_pipeline(conn: Connection, ref: str | None) -> PipelineInfo:
    """The pipeline named `ref` (its name, a part of it, or its id), or the default one for None."""
    pipelines = all_pipelines(conn)
    if not pipelines:
        raise NotFound("there is no pipeline: add one with `crm pipeline add NAME`")
    if ref is None or not ref.strip():
        return pipelines[0]
    text = ref.strip().lstrip("#")
    if text.isdigit():
        found = [pl for pl in pipelines if pl.id == int(text)]
    else:
        key = name_key(text)
        found = [pl for pl in pipelines if name_key(pl.name) == key] or [
            pl for pl in pipelines if key in name_key(pl.name)
        ]
    if len(found) == 1:
        return found[0]
    names = ", ".join(pl.name for pl in pipelines)
    if not found:
        raise NotFound(f"no pipeline matches '{ref}' (pipelines: {names})")
    raise InvalidInput(f"'{ref}' matches several pipelines: {', '.join(pl.name for pl in found)}")


def find_stage(pipeline: PipelineInfo, ref: str) -> StageInfo:
    """The stage of `pipeline` named `ref` (exactly, else as the start of one name), case-insensitive."""
    key = name_key(ref)
    found = [s for s in pipeline.stages if name_key(s.name) == key] or [
        s for s in pipeline.stages if name_key(s.name).startswith(key)
    ]
    if len(found) == 1 and key:
        return found[0]
    names = ", ".join(s.name for s in pipeline.stages)
    if not found or not key:
        raise NotFound(f"no stage '{ref}' in the {pipeline.name} pipeline (stages: {names})")
    raise InvalidInput(f"'{ref}' matches several stages: {', '.join(s.name for s in found)}")


def pipeline_of(conn: Connection, pipeline_id: int) -> PipelineInfo:
    """The pipeline with this id."""
    for pipeline in all_pipelines(conn):
        if pipeline.id == pipeline_id:
            return pipeline
    raise NotFound(f"no pipeline with id {pipeline_id}")


# ---------------------------------------------------------------- changes


def _check_probability(value: int) -> int:
    if not 0 <= value <= 100:
        raise InvalidInput(f"a probability is a percentage from 0 to 100, not {value}")
    return value


def _check_kind(kind: str) -> str:
    value = kind.strip().lower()
    if value not in STAGE_KINDS:
        raise InvalidInput(f"unknown stage kind '{kind[:20]}' (use {', '.join(STAGE_KINDS)})")
    return value


def _check_rotten_days(days: int) -> int:
    if not 1 <= days <= 3650:
        raise InvalidInput(f"rotten days is from 1 to 3650, not {days}")
    return days


# A new pipeline's stages when none are given: those of the Sales pipeline the migration creates.
DEFAULT_STAGES = (
    ("Lead", "open", 10),
    ("Qualified", "open", 20),
    ("Proposal", "open", 50),
    ("Negotiation", "open", 80),
    ("Won", "won", 100),
    ("Lost", "lost", 0),
)


def _checked_stages(stages: Sequence[tuple[str, str, int]]) -> list[tuple[str, str, int]]:
    """The stages of a new pipeline, cleaned and checked before anything is written.

    Stage names are unique in a pipeline as their keys are (case and spacing aside): a name
    given twice is refused here, by name, rather than by the database's constraint.
    """
    out: list[tuple[str, str, int]] = []
    seen: set[str] = set()
    for stage_name, kind, probability in stages:
        stage_clean = clean_name(stage_name, field="the stage name")
        key = name_key(stage_clean)
        if key in seen:
            raise InvalidInput(f"stage '{shown(stage_clean)}' is given twice (--stages)")
        seen.add(key)
        out.append((stage_clean, _check_kind(kind), _check_probability(probability)))
    return out


def add_pipeline(
    session: Session,
    name: str,
    *,
    actor: str,
    now: datetime,
    stages: list[tuple[str, str, int]] | None = None,
    rotten_days: int = DEFAULT_ROTTEN_DAYS,
) -> int:
    """A new pipeline after the others, with `stages` (name, kind, probability) or the default ones."""
    from crm_tui.models import Pipeline, Stage
    from crm_tui.services.history import record

    clean = clean_name(name, field="the pipeline name")
    key = name_key(clean)
    if session.execute(select(Pipeline.id).where(Pipeline.name_key == key)).first() is not None:
        raise Conflict(f"a pipeline called '{clean}' exists already")
    chosen = _checked_stages(stages or DEFAULT_STAGES)
    position = session.execute(select(func.coalesce(func.max(Pipeline.position), -1))).scalar_one() + 1
    pipeline = Pipeline(
        name=clean, name_key=key, position=position, rotten_days=_check_rotten_days(rotten_days), created_at=now
    )
    session.add(pipeline)
    session.flush()
    assert pipeline.id is not None
    for index, (stage_name, kind, probability) in enumerate(chosen):
        session.add(
            Stage(
                pipeline_id=pipeline.id,
                name=stage_name,
                name_key=name_key(stage_name),
                position=index,
                kind=kind,
                probability=probability,
            )
        )
    session.flush()
    record(session, entity="pipeline", entity_id=pipeline.id, action="create", actor=actor, at=now, note=clean)
    return pipeline.id


def edit_pipeline(
    session: Session,
    pipeline_id: int,
    *,
    actor: str,
    now: datetime,
    name: str | None = None,
    rotten_days: int | None = None,
) -> None:
    """Rename a pipeline or change how many days without activity make its deals rot."""
    from crm_tui.models import Pipeline
    from crm_tui.services.history import diff, record

    pipeline = session.get(Pipeline, pipeline_id)
    if pipeline is None:
        raise NotFound(f"no pipeline with id {pipeline_id}")
    before = {"name": pipeline.name, "rotten_days": pipeline.rotten_days}
    if name is not None:
        clean = clean_name(name, field="the pipeline name")
        key = name_key(clean)
        # Checked before the pipeline changes: a refused rename leaves nothing for a flush to write.
        clash = session.execute(select(Pipeline.id).where(Pipeline.name_key == key, Pipeline.id != pipeline_id))
        if clash.first() is not None:
            raise Conflict(f"a pipeline called '{clean}' exists already")
        pipeline.name, pipeline.name_key = clean, key
    if rotten_days is not None:
        pipeline.rotten_days = _check_rotten_days(rotten_days)
    changes = diff(before, {"name": pipeline.name, "rotten_days": pipeline.rotten_days})
    session.add(pipeline)
    session.flush()
    if changes:
        record(session, entity="pipeline", entity_id=pipeline_id, action="update", actor=actor, at=now, changes=changes)


def add_stage(
    session: Session,
    pipeline_id: int,
    name: str,
    *,
    actor: str,
    now: datetime,
    kind: str = "open",
    probability: int = 0,
    before: int | None = None,
) -> int:
    """A new stage, placed before the stage `before` (default: before the first closed stage)."""
    from crm_tui.models import Stage
    from crm_tui.services.history import record

    clean = clean_name(name, field="the stage name")
    key = name_key(clean)
    stages = list(
        session.execute(
            select(Stage).where(Stage.pipeline_id == pipeline_id).order_by(Stage.position, Stage.id)
        ).scalars()
    )
    if any(s.name_key == key for s in stages):
        raise Conflict(f"the pipeline has a stage called '{clean}' already")
    kind = _check_kind(kind)
    if before is not None:
        index = next((i for i, s in enumerate(stages) if s.id == before), len(stages))
    elif kind == "open":
        index = next((i for i, s in enumerate(stages) if s.kind != "open"), len(stages))
    else:
        index = len(stages)
    stage = Stage(
        pipeline_id=pipeline_id,
        name=clean,
        name_key=key,
        position=index,
        kind=kind,
        probability=_check_probability(probability),
    )
    stages.insert(index, stage)
    session.add(stage)
    for position, each in enumerate(stages):
        each.position = position
        session.add(each)
    session.flush()
    assert stage.id is not None
    record(session, entity="stage", entity_id=stage.id, action="create", actor=actor, at=now, note=clean)
    return stage.id


def edit_stage(
    session: Session,
    stage_id: int,
    *,
    actor: str,
    now: datetime,
    name: str | None = None,
    probability: int | None = None,
    position: int | None = None,
) -> None:
    """Rename a stage, change its default probability, or move it to `position` (0 is first)."""
    from crm_tui.models import Stage
    from crm_tui.services.history import diff, record

    stage = session.get(Stage, stage_id)
    if stage is None:
        raise NotFound(f"no stage with id {stage_id}")
    before = {"name": stage.name, "probability": stage.probability, "position": stage.position}
    if name is not None:
        clean = clean_name(name, field="the stage name")
        key = name_key(clean)
        # Checked before the stage changes: a refused rename leaves nothing for a flush to write.
        clash = session.execute(
            select(Stage.id).where(Stage.pipeline_id == stage.pipeline_id, Stage.name_key == key, Stage.id != stage_id)
        )
        if clash.first() is not None:
            raise Conflict(f"the pipeline has a stage called '{clean}' already")
        stage.name, stage.name_key = clean, key
    if probability is not None:
        stage.probability = _check_probability(probability)
    if position is not None:
        siblings = [
            s
            for s in session.execute(
                select(Stage).where(Stage.pipeline_id == stage.pipeline_id).order_by(Stage.position, Stage.id)
            ).scalars()
            if s.id != stage_id
        ]
        siblings.insert(max(0, min(position, len(siblings))), stage)
        for index, each in enumerate(siblings):
            each.position = index
            session.add(each)
    session.add(stage)
    session.flush()
    changes = diff(before, {"name": stage.name, "probability": stage.probability, "position": stage.position})
    if changes:
        record(session, entity="stage", entity_id=stage_id, action="update", actor=actor, at=now, changes=changes)


def remove_stage(session: Session, stage_id: int, *, actor: str, now: datetime) -> None:
    """Delete a stage no deal is in (a pipeline keeps at least one open, one won and one lost stage)."""
    from crm_tui.models import Deal, Stage
    from crm_tui.services.history import record

    stage = session.get(Stage, stage_id)
    if stage is None:
        raise NotFound(f"no stage with id {stage_id}")
    used = session.execute(select(func.count()).select_from(Deal).where(Deal.stage_id == stage_id)).scalar_one()
    if used:
        raise Conflict(f"{used:,} deals are in the stage {stage.name}: move them first (`crm deal move ID STAGE`)")
    same_kind = session.execute(
        select(func.count()).select_from(Stage).where(Stage.pipeline_id == stage.pipeline_id, Stage.kind == stage.kind)
    ).scalar_one()
    if same_kind <= 1:
        raise Conflict(f"{stage.name} is the pipeline's only {stage.kind} stage; a pipeline needs one of each kind")
    record(
        session,
        entity="stage",
        entity_id=stage_id,
        action="delete",
        actor=actor,
        at=now,
        changes={
            "name": (stage.name, None),
            "kind": (stage.kind, None),
            "probability": (stage.probability, None),
            "position": (stage.position, None),
            "pipeline_id": (stage.pipeline_id, None),
        },
    )
    session.delete(stage)
    session.flush()
