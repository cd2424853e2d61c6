"""Privacy of the peer-mentor pathway, by the sentinel approach of test_privacy.py: the name a
person chose and the pathway's notes live in the pathway's item and on the coordinators' pathway
pages only. Not in the closed case's records (its timeline, its link), the audit trail, a log line,
an API error, the outcomes (page or JSON), a manager's or a mentor's page; and once the person
withdraws, nowhere at all."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from tests.journey import Journey
from tests.trust.conftest import StaffSession
from throughgate_local.stack import AUDIT_TABLE, TABLE, LocalStack

pytestmark = pytest.mark.trust

NAME = "Zqxpathname Quorvel"
NOTE = "Zqxpathnote: wants to mentor young men from the estate"
NEEDLES = ("zqxpathname", "quorvel", "zqxpathnote")


def _found(text: str) -> list[str]:
    lowered = text.lower()
    return [needle for needle in NEEDLES if needle in lowered]


def _items(stack: LocalStack, table: str) -> list[dict[str, Any]]:
    """Every item of a table: a test may scan; the product never does."""
    client, items, start = stack.client("dynamodb"), [], None
    while True:
        page = client.scan(TableName=table, **({"ExclusiveStartKey": start} if start else {}))
        items += page["Items"]
        start = page.get("LastEvaluatedKey")
        if not start:
            return items


def test_the_chosen_name_and_notes_stay_on_the_coordinators_pathway_pages(
    journey: Journey, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)  # libraries from WARNING (their DEBUG holds request bodies)
    caplog.set_level(logging.DEBUG, logger="throughgate")  # the product at any level
    j = journey
    j.released()
    j.check_ins()
    j.handover(gives_back="yes")
    consent = {
        "consent_given": True,
        "consent_on": j.stack.clock.now().date().isoformat(),
        "consent_how": "in_writing",
        "display_name": NAME,
        "note": NOTE,
    }
    pathway_id = j.ok(j.coordinator.post(f"/cases/{j.case_id}/pathway", consent)).body["pathway_id"]
    coordinator = StaffSession(j.stack, "coordinator-0001", "coordinator")
    manager = StaffSession(j.stack, "manager-0001", "manager")
    mentor = StaffSession(j.stack, "mentor-0001", "mentor")

    # It really went in, and coordinators see it where they manage the pathway.
    assert _found(coordinator.web("GET", f"/pathways/{pathway_id}").body) == list(NEEDLES)
    assert "zqxpathname" in _found(coordinator.web("GET", "/pathways").body)
    assert _found(json.dumps(j.coordinator.get(f"/pathways/{pathway_id}").body)) == list(NEEDLES)

    # Nowhere else: other roles' pages, the outcomes, the closed case, API errors.
    elsewhere = [
        manager.web("GET", "/pathways").body,
        manager.web("GET", f"/pathways/{pathway_id}").body,
        mentor.web("GET", "/pathways").body,
        coordinator.web("GET", "/outcomes").body,
        manager.web("GET", "/outcomes").body,
        coordinator.web("GET", f"/cases/{j.case_id}").body,
        json.dumps(j.coordinator.get("/outcomes?from=2027-01-01&to=2027-12-31").body),
        json.dumps(j.coordinator.get(f"/cases/{j.case_id}").body),
        json.dumps(j.mentor.get(f"/pathways/{pathway_id}").body),
        json.dumps(j.coordinator.post(f"/cases/{j.case_id}/pathway", consent).body),  # one per case
        json.dumps(
            j.coordinator.post(
                f"/pathways/{pathway_id}/moves", {"to": "shadowing", "on": "2027-01-01", "note": NOTE}
            ).body
        ),
        json.dumps(
            j.coordinator.post(f"/cases/{j.case_id}/pathway", {**consent, "display_name": NAME * 5}).body
        ),
    ]
    for text in elsewhere:
        assert _found(text) == [], text[:300]
    outside_pathway = [i for i in _items(j.stack, TABLE) if i["pk"]["S"] != "PATHWAYS"]
    assert _found(json.dumps(outside_pathway)) == [], "the case's records hold none of it"
    assert _found(json.dumps(_items(j.stack, AUDIT_TABLE))) == []

    # The person withdraws: the name and the notes go from the table too.
    j.ok(
        j.coordinator.post(f"/pathways/{pathway_id}/moves", {"to": "withdrawn", "on": consent["consent_on"]})
    )
    assert _found(json.dumps(_items(j.stack, TABLE))) == []
    assert _found(coordinator.web("GET", f"/pathways/{pathway_id}").body) == []

    logs = capsys.readouterr()
    assert _found(logs.out + logs.err) == [], "no log line"
    assert _found(" ".join(r.getMessage() for r in caplog.records)) == []
