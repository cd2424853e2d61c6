"""The peer-mentor pathway (domain.pathway): opened with the person's own consent on their closed
case, moved along its stages by coordinators against the readiness criteria, withdrawn when the
person withdraws consent. The API and the web pages call these same functions."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from throughgate.domain.errors import InvalidInput, NotFound
from throughgate.domain.pathway import (
    ON_THE_WAY,
    Check,
    Pathway,
    PathwayStage,
    check_not_future,
    load_pathway_criteria,
)
from throughgate.domain.schedule import london_date
from throughgate.logic.access import Act, authorised_case, may, require
from throughgate.logic.common import event, fingerprint
from throughgate.logic.ports import Actor, Deps
from throughgate.schemas import PathwayMoveIn, PathwayOpenIn
from throughgate.store.changes import Once

_PATHWAY_ID = re.compile(r"[0-9a-f]{32}")


def require_pathway_id(pathway_id: str) -> None:
    """A malformed id is answered before any read, without repeating what was sent."""
    if not _PATHWAY_ID.fullmatch(pathway_id):
        raise NotFound("no such pathway")


def open_pathway(
    deps: Deps, actor: Actor, case_id: str, form: PathwayOpenIn, submission_id: str | None = None
) -> Pathway:
    """Open the pathway on a closed case, with the person's own consent (recorded here, apart from
    the case's): the pathway and the case's link to it are saved together, once per case."""
    case = authorised_case(deps, actor, case_id, Act.OPEN_PATHWAY)
    refused = case.pathway_refused()
    if refused is not None:
        raise InvalidInput(refused)
    if not form.consent_given:
        raise InvalidInput(
            "A pathway can only be opened with the person's own consent", field="consent_given"
        )
    check_not_future(form.consent_on, london_date(deps.now()), "they agreed", "consent_on")
    pathway = Pathway.opened(
        pathway_id=uuid.uuid4().hex,
        case_id=case_id,
        display_name=form.display_name,
        consent_on=form.consent_on,
        consent_how=form.consent_how,
        released_on=case.first_released_on,
        now=deps.now(),
        by=actor.label,
        note=form.note,
    )
    once = Once(submission_id, fingerprint(form)) if submission_id else None
    deps.store.open_pathway(
        pathway, case, event(deps, "pathway_opened", actor, pathway_id=pathway.pathway_id), once
    )
    return pathway


def move_pathway(deps: Deps, actor: Actor, pathway_id: str, form: PathwayMoveIn) -> Pathway:
    """One stage on (or withdrawn). A retry of the move just saved (same stage, same date) is
    answered with the pathway as it is: the move is idempotent by its own content."""
    pathway = _pathway(deps, actor, pathway_id)
    last = pathway.moves[-1]
    if last.stage is form.to and last.on == form.on and len(pathway.moves) > 1:
        return pathway
    check_not_future(form.on, london_date(deps.now()), "of the move")
    moved = pathway.moved(
        form.to, form.on, form.checks, by=actor.label, note=form.note, criteria=load_pathway_criteria()
    )
    deps.store.save_pathway(moved, deps.now())
    return moved


@dataclass(frozen=True)
class PathwayPage:
    pathway: Pathway
    case_state: str  # "kept", "anonymised" or "erased": what became of the closed case
    next_stage: PathwayStage | None
    checks: tuple[Check, ...]  # the next stage's criteria, as they stand today


def pathway_page(deps: Deps, actor: Actor, pathway_id: str) -> PathwayPage:
    pathway = _pathway(deps, actor, pathway_id)
    try:
        case_state = "anonymised" if deps.store.get_case(pathway.case_id).client.is_anonymised else "kept"
    except NotFound:
        case_state = "erased"  # the link was erased with the case; the id now reads as gone
    upcoming = pathway.stage.next
    today = london_date(deps.now())
    checks = pathway.checks_for(upcoming, today, {}, load_pathway_criteria()) if upcoming else ()
    return PathwayPage(pathway, case_state, upcoming, checks)


@dataclass(frozen=True)
class PathwayCounts:
    """How many became mentors, and how many are on the pathway now, by stage: nobody's name."""

    became_mentors: int
    by_stage: tuple[tuple[PathwayStage, int], ...]  # interested, training, shadowing

    @property
    def on_the_way(self) -> int:
        return sum(n for _stage, n in self.by_stage)


def pathway_counts(deps: Deps) -> PathwayCounts:
    """One Query of the pathways' partition, reading each one's stage only."""
    return _counted(deps.store.pathway_stages())


def _counted(stages: list[tuple[PathwayStage, bool]]) -> PathwayCounts:
    """From each pathway's stage and whether it reached active mentor."""
    return PathwayCounts(
        became_mentors=sum(1 for _stage, reached in stages if reached),
        by_stage=tuple((stage, sum(1 for s, _reached in stages if s is stage)) for stage in ON_THE_WAY),
    )


@dataclass(frozen=True)
class PathwayList:
    counts: PathwayCounts
    pathways: tuple[Pathway, ...]  # with the names they chose: coordinators only (empty for others)


def pathway_list(deps: Deps, actor: Actor) -> PathwayList:
    require(actor, Act.COUNT_PATHWAYS)
    if not may(actor, Act.MANAGE_PATHWAYS):  # a manager: the counts, no names
        return PathwayList(pathway_counts(deps), ())
    pathways = tuple(deps.store.pathways())
    return PathwayList(_counted([(p.stage, p.became_mentor_on is not None) for p in pathways]), pathways)


def new_mentor_answers(deps: Deps, actor: Actor, pathway_id: str) -> dict[str, str]:
    """The staff form's first answers for a person whose pathway is complete: the name they chose,
    as a mentor. Nothing for a pathway not there yet (the form starts empty)."""
    pathway = _pathway(deps, actor, pathway_id)
    if pathway.stage is not PathwayStage.ACTIVE_MENTOR:
        return {}
    return {"display_name": pathway.display_name, "role": "mentor"}


def _pathway(deps: Deps, actor: Actor, pathway_id: str) -> Pathway:
    require(actor, Act.MANAGE_PATHWAYS)
    require_pathway_id(pathway_id)
    return deps.store.pathway(pathway_id)
