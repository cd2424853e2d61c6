"""One audit entry for every request that touches a case, a mentor's record (profile, checks,
training, supervision, time) or a peer-mentor pathway.

The entry says who (role and staff id), what (the method and the route template: ids and fixed
words only, so nothing typed into an address bar can carry a personal value into the trail), which
case, when, and the status the caller got — refusals and not-founds included, since a mentor
probing other cases is exactly what the trail is for. A request that saves a change has its entry
written in the change's own transaction, as the status its route answers for a saved change; any
other request's entry is written once the response is known (throughgate.store.audit). A request
whose handler raises (Lambda reports an error) has an entry only if it saved a change.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.utilities.data_classes.api_gateway_proxy_event import APIGatewayProxyEvent

from throughgate import caches
from throughgate.domain.case_steps import route_words
from throughgate.handlers.identity import Unauthenticated, actor_from

if TYPE_CHECKING:
    from throughgate.store.audit import AuditLog, PendingEntry

_CASE_PATH = re.compile(
    r"^/cases/(?P<case_id>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?P<rest>/.*)?$"
)
# A mentor's record: its trail is kept under "MENTOR#<id>" (a mentor id is never a case id).
_MENTOR_PATH = re.compile(r"^/mentors/(?P<mentor_id>[A-Za-z0-9][A-Za-z0-9_\-]{7,63})(?P<rest>/.*)?$")
MENTOR_ROUTE_WORDS = frozenset(
    {"profile", "checks", "training", "new", "supervision", "time", "approve", "query", "withdraw"}
)
# A peer-mentor pathway's pages and API (logic.pathways): audited under the pathway's own key, as a
# pathway outlives the case it came from.
_PATHWAY_PATH = re.compile(r"^/pathways/(?P<pathway_id>[0-9a-f]{32})(?P<rest>/.*)?$")
PATHWAY_WORDS = frozenset({"move", "moves", "withdraw"})
# Every fixed word after /cases/{case_id}/ in the API and web routes, from the case steps.
ROUTE_WORDS = route_words()


@caches.resettable
@cache
def _log() -> AuditLog:
    from throughgate.store.audit import AuditLog

    return AuditLog()


def route_template(rest: str) -> str:
    """`/tasks/health-gp` -> `/tasks/{task_key}`; anything unrecognised -> `/{other}`."""
    parts = [p for p in rest.split("/") if p]
    template = []
    for index, part in enumerate(parts):
        if index == 1 and parts[0] == "tasks":
            template.append("{task_key}")
        else:
            template.append(part if part in ROUTE_WORDS else "{other}")
    return "".join(f"/{p}" for p in template)


@contextmanager
def audit_request(raw_event: dict[str, Any], saved_status: int) -> Iterator[AuditedRequest]:
    """Around one request: its first commit writes the entry (as `saved_status`); call `answered`
    with the response's status to write it if nothing did."""
    pending = _pending_entry(raw_event, saved_status)
    if pending is None:
        yield AuditedRequest(None)
        return
    from throughgate.store.audit import pending_entry

    with pending_entry(pending):
        yield AuditedRequest(pending)


@dataclass(frozen=True)
class AuditedRequest:
    entry: PendingEntry | None  # None: the request is not about a case

    def answered(self, status: int) -> None:
        """Write the entry with the caller's status, unless it went with the request's change."""
        from throughgate import clock

        if self.entry is None or self.entry.written:
            return
        _log().record(self.entry.at(clock.now(), status))
        self.entry.written = True


def _mentor_route(rest: str) -> str:
    """`/time/3f1c...e9/approve` -> `/time/{entry_id}/approve`: ids never reach the action."""
    parts = [p for p in rest.split("/") if p]
    return "".join(
        f"/{p if p in MENTOR_ROUTE_WORDS else '{entry_id}' if index == 1 and parts[0] == 'time' else '{other}'}"
        for index, p in enumerate(parts)
    )


def _pending_entry(raw_event: dict[str, Any], saved_status: int) -> PendingEntry | None:
    event = APIGatewayProxyEvent(raw_event)
    match = _CASE_PATH.match(event.path or "")
    if match is None:
        return _mentor_or_pathway_entry(event, saved_status)
    from throughgate.store.audit import PendingEntry

    action = f"{event.http_method} /cases/{{case_id}}{route_template(match['rest'] or '')}"
    return PendingEntry(match["case_id"], _actor_label(event), action, saved_status)


def _mentor_or_pathway_entry(event: APIGatewayProxyEvent, saved_status: int) -> PendingEntry | None:
    from throughgate.store.audit import PendingEntry
    from throughgate.store.keys import mentor_pk

    if pathway := _PATHWAY_PATH.match(event.path or ""):
        rest = (pathway["rest"] or "").strip("/")
        words = f"/{rest}" if rest in PATHWAY_WORDS else "" if not rest else "/{other}"
        action = f"{event.http_method} /pathways/{{pathway_id}}{words}"
        return PendingEntry(
            pathway_audit_key(pathway["pathway_id"]), _actor_label(event), action, saved_status
        )
    match = _MENTOR_PATH.match(event.path or "")
    if match is None:
        return None
    action = f"{event.http_method} /mentors/{{mentor_id}}{_mentor_route(match['rest'] or '')}"
    return PendingEntry(mentor_pk(match["mentor_id"]), _actor_label(event), action, saved_status)


def pathway_audit_key(pathway_id: str) -> str:
    """A pathway's trail is kept under this key, beside (never among) the cases' trails."""
    return f"PATHWAY#{pathway_id}"


def _actor_label(event: APIGatewayProxyEvent) -> str:
    try:
        return actor_from(event).label
    except Unauthenticated:
        return "anonymous"
