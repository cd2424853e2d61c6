"""The peer-mentor pathways' store (domain.pathway): one small partition, `PATHWAYS`, that the
coordinators' list and the outcomes' counts each read with one Query, and each pathway's link in its
closed case's partition. Opening one writes the pathway, the link, the case's timeline event, the
submission marker and the request's audit entry in one transaction; a move writes the pathway
(version-checked) with the request's audit entry."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pynamodb.exceptions import DoesNotExist, PutError, TransactWriteError
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from throughgate.domain.case import Case, TimelineEvent
from throughgate.domain.errors import AlreadyApplied, Conflict, NotFound
from throughgate.domain.pathway import ConsentHow, Move, Pathway, PathwayStage
from throughgate.store import audit
from throughgate.store.changes import Once
from throughgate.store.keys import case_pk
from throughgate.store.mapping import event_item, from_iso, iso, marker_item
from throughgate.store.models import CaseItem, MarkerItem, PathwayItem, PathwayLinkItem, PathwayMoveAttr
from throughgate.store.transactions import connection, is_conditional

PATHWAYS_PK = "PATHWAYS"
LINK_SK = "PATHWAY"


def _sk(pathway_id: str) -> str:
    return f"PATHWAY#{pathway_id}"


class PathwayStore:
    def pathway(self, pathway_id: str) -> Pathway:
        try:
            return pathway_from(PathwayItem.get(PATHWAYS_PK, _sk(pathway_id), consistent_read=True))
        except DoesNotExist:
            raise NotFound(f"pathway {pathway_id} not found") from None

    def pathways(self) -> list[Pathway]:
        """Every pathway, newest first: one Query of one small partition."""
        items = PathwayItem.query(PATHWAYS_PK, PathwayItem.sk.startswith("PATHWAY#"), consistent_read=True)
        return sorted((pathway_from(i) for i in items), key=lambda p: p.opened_at, reverse=True)

    def pathway_stages(self) -> list[tuple[PathwayStage, bool]]:
        """Each pathway's stage and whether it reached active mentor: the same Query, reading just
        those two attributes (no name)."""
        items = PathwayItem.query(
            PATHWAYS_PK,
            PathwayItem.sk.startswith("PATHWAY#"),
            attributes_to_get=["stage", "became_mentor_on"],
        )
        return [(PathwayStage(i.stage), i.became_mentor_on is not None) for i in items]

    def open_pathway(self, pathway: Pathway, case: Case, event: TimelineEvent, once: Once | None) -> None:
        """The pathway and the case's link to it, once per case, while the case is as it was read."""
        items: list[tuple[Model, Any]] = [
            (pathway_item(pathway), PathwayItem.pk.does_not_exist()),
            (
                PathwayLinkItem(pk=case_pk(case.case_id), sk=LINK_SK, pathway_id=pathway.pathway_id),
                PathwayLinkItem.pk.does_not_exist(),
            ),
            (event_item(case.case_id, event), None),
        ]
        if once is not None:
            items.append((marker_item(case, once), MarkerItem.sk.does_not_exist()))
        items.extend(_request_entry(event.at))
        try:
            with TransactWrite(connection=connection()) as tx:
                for item, condition in items:
                    tx.save(item, condition=condition)
                tx.condition_check(
                    CaseItem, case_pk(case.case_id), "CASE", condition=CaseItem.version == case.version
                )
        except TransactWriteError as error:
            reasons = [r.code if r else None for r in (error.cancellation_reasons or [])]
            if once is not None and len(reasons) > 3 and reasons[3] == "ConditionalCheckFailed":
                raise AlreadyApplied("this submission was already saved") from None
            if len(reasons) > 1 and reasons[1] == "ConditionalCheckFailed":
                raise Conflict(f"case {case.case_id} already has a pathway") from None
            if is_conditional(error):
                raise Conflict("the case was changed by someone else; reload and try again") from None
            raise
        _entry_written()

    def pathway_of(self, case_id: str) -> str | None:
        try:
            return str(PathwayLinkItem.get(case_pk(case_id), LINK_SK, consistent_read=True).pathway_id)
        except DoesNotExist:
            return None

    def save_pathway(self, pathway: Pathway, now: datetime) -> None:
        """Save a move, unless someone else moved the pathway since it was read (Conflict)."""
        item = pathway_item(pathway)
        entries = _request_entry(now)
        try:
            if entries:
                with TransactWrite(connection=connection()) as tx:
                    tx.save(item)
                    for entry, condition in entries:
                        tx.save(entry, condition=condition)
            else:
                item.save()
        except (TransactWriteError, PutError) as error:
            if is_conditional(error):
                raise Conflict("the pathway was changed by someone else; reload and try again") from None
            raise
        _entry_written()


def _request_entry(now: datetime) -> list[tuple[Model, Any]]:
    """The request's audit entry, to go in the change's transaction (store.audit)."""
    entry = audit.unwritten()
    return [audit.new_entry_item(entry.at(now, entry.saved_status))] if entry is not None else []


def _entry_written() -> None:
    entry = audit.unwritten()
    if entry is not None:
        entry.written = True


def pathway_item(pathway: Pathway) -> PathwayItem:
    item = PathwayItem(
        pk=PATHWAYS_PK,
        sk=_sk(pathway.pathway_id),
        pathway_id=pathway.pathway_id,
        case_id=pathway.case_id,
        display_name=pathway.display_name,
        consent_on=pathway.consent_on.isoformat(),
        consent_how=pathway.consent_how.value,
        released_on=pathway.released_on.isoformat() if pathway.released_on else None,
        opened_at=iso(pathway.opened_at),
        stage=pathway.stage.value,
        became_mentor_on=pathway.became_mentor_on.isoformat() if pathway.became_mentor_on else None,
        moves=[
            PathwayMoveAttr(
                stage=m.stage.value, on=m.on.isoformat(), by=m.by, note=m.note, checks=dict(m.checks) or None
            )
            for m in pathway.moves
        ],
    )
    if pathway.version is not None:
        item.version = pathway.version
    return item


def pathway_from(item: PathwayItem) -> Pathway:
    return Pathway(
        pathway_id=item.pathway_id,
        case_id=item.case_id,
        display_name=item.display_name or "",
        consent_on=date.fromisoformat(item.consent_on),
        consent_how=ConsentHow(item.consent_how),
        released_on=date.fromisoformat(item.released_on) if item.released_on else None,
        opened_at=from_iso(item.opened_at),
        moves=tuple(
            Move(
                PathwayStage(m.stage),
                date.fromisoformat(m.on),
                m.by,
                m.note or "",
                tuple((str(k), bool(v)) for k, v in (m.checks.as_dict() if m.checks else {}).items()),
            )
            for m in item.moves
        ),
        version=item.version,
    )
