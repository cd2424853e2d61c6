"""A long assessment reaches the handler and is saved (issue 19, item 1): the firewall's managed common
rule set would block any body over 8 KB, so on AWS it only counts that rule and our own rule blocks
bodies over the handlers' limit (infra/throughgate_infra/api.py, BODY_LIMIT_BYTES). Here the same
22 KB form goes through the real web handler on the local stack, and one over the limit does not."""

from __future__ import annotations

import json
from collections.abc import Iterator
from urllib.parse import urlencode

import pytest

from tests.journey import AREAS, START, referral
from tests.trust.conftest import StaffSession
from throughgate.handlers import web
from throughgate_local.stack import LocalStack

pytestmark = pytest.mark.trust

MANAGED_RULE_BODY_LIMIT = 8 * 1024  # AWSManagedRulesCommonRuleSet's SizeRestrictions_BODY
NOTE = "Hostel bed held to Friday; rent £95 a week, deposit £200 (council), move-on flat next. " * 23
"""2,000 characters (the notes' limit), about 2,460 bytes once form-encoded: ten of them are 24 KB."""


@pytest.fixture(scope="module")
def at_assessment() -> Iterator[tuple[StaffSession, str]]:
    with LocalStack(START) as stack:
        coordinator = StaffSession(stack, "coordinator-0001", "coordinator")
        made = coordinator.api("POST", "/referrals", json.dumps(referral(days=30)))
        assert made.status == 201, made
        case_id = made.json()["case_id"]
        consent = {"consent_given": True, "lawful_basis": "public_task", "data_sharing": True}
        assert coordinator.api("POST", f"/cases/{case_id}/consent", json.dumps(consent)).status == 200
        yield coordinator, case_id


def assessment(notes: str) -> dict[str, str]:
    return {
        "submission_id": "sub-web-long-notes-01",
        "step": "confirm",
        **{f"needs.{area}.level": "medium" for area in AREAS},
        **{f"needs.{area}.notes": notes for area in AREAS},
    }


def test_a_22_kb_assessment_is_accepted_by_the_web_handler_and_saved(
    at_assessment: tuple[StaffSession, str],
) -> None:
    coordinator, case_id = at_assessment
    form = assessment(NOTE.strip())
    size = len(urlencode({"csrf_token": coordinator.csrf_token(), **form}).encode())
    assert 22 * 1024 <= size <= web.MAX_BODY_BYTES
    assert size > MANAGED_RULE_BODY_LIMIT

    saved = coordinator.web("POST", f"/cases/{case_id}/assessment", form)

    assert saved.status == 303, saved.body[:500]
    needs = coordinator.api("GET", f"/cases/{case_id}").json()["needs"]
    assert {n["area"]: n["notes"] for n in needs} == dict.fromkeys(AREAS, NOTE.strip())


def test_a_body_over_the_handler_s_limit_is_refused_with_a_page_saying_so(
    at_assessment: tuple[StaffSession, str],
) -> None:
    coordinator, case_id = at_assessment
    form = {**assessment("n" * 2_000), "padding": "p" * web.MAX_BODY_BYTES}

    refused = coordinator.web("POST", f"/cases/{case_id}/assessment", form)

    assert refused.status == 413
    assert "shorten the notes" in refused.body
