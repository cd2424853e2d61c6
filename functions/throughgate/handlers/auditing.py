"""One audit entry for every request that touches a case, written after the response is known.

The entry says who (role and staff id), what (the method and the route template: ids and fixed
words only, so nothing typed into an address bar can carry a personal value into the trail), which
case, when, and the status the caller got — refusals and not-founds included, since a mentor
probing other cases is exactly what the trail is for.
"""

from __future__ import annotations

import re
from functools import cache
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.utilities.data_classes.api_gateway_proxy_event import APIGatewayProxyEvent

from throughgate.handlers.identity import Unauthenticated, actor_from

if TYPE_CHECKING:
    from throughgate.store.audit import AuditLog

_CASE_PATH = re.compile(
    r"^/cases/(?P<case_id>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?P<rest>/.*)?$"
)
# Every fixed word after /cases/{case_id}/ in the API and web routes (a test keeps this complete).
ROUTE_WORDS = frozenset(
    {
        "consent",
        "assessment",
        "mentor",
        "mentor-suggestions",
        "readiness",
        "release-day",
        "check-in",
        "check-ins",
        "handover",
        "outcome",
        "circumstances",
        "tasks",
        "audit",
        "export",
        "erasure",
    }
)


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


def audit_request(raw_event: dict[str, Any], status: int) -> None:
    from throughgate import clock
    from throughgate.store.audit import AuditEntry

    event = APIGatewayProxyEvent(raw_event)
    match = _CASE_PATH.match(event.path or "")
    if match is None:
        return
    try:
        actor = actor_from(event).label
    except Unauthenticated:
        actor = "anonymous"
    action = f"{event.http_method} /cases/{{case_id}}{route_template(match['rest'] or '')}"
    _log().record(AuditEntry(match["case_id"], clock.now(), actor, action, status))
