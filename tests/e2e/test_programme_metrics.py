"""The programme's events as CloudWatch metrics (issue 19 item 2), on the local stack: each path
emits its metric exactly once, as an embedded-metric-format line on standard output (what Lambda
sends to CloudWatch), with one fixed dimension and no case id or personal value; a replayed form or
a retried workflow step, which saves nothing, emits nothing."""

from __future__ import annotations

import json

import pytest

from tests.journey import Journey, referral
from throughgate.domain.programme_metrics import NAMESPACE, load_programme_metrics

pytestmark = pytest.mark.e2e

PROGRAMME = {m.metric for m in load_programme_metrics()}


class Emitted:
    """The programme's metrics printed since the last look (powertools' EMF lines)."""

    def __init__(self, capsys: pytest.CaptureFixture[str]) -> None:
        self.capsys = capsys
        self.lines: list[str] = []

    def since_last(self) -> list[str]:
        names = []
        for line in self.capsys.readouterr().out.splitlines():
            if '"_aws"' not in line:
                continue
            blob = json.loads(line)
            for directive in blob["_aws"]["CloudWatchMetrics"]:
                counted = [m["Name"] for m in directive["Metrics"] if m["Name"] in PROGRAMME]
                if counted:
                    assert directive["Namespace"] == NAMESPACE
                    assert directive["Dimensions"] == [["service"]] and blob["service"] == "throughgate"
                    self.lines.append(line)
                    for name in counted:  # powertools writes a metric's values as a list
                        values = blob[name] if isinstance(blob[name], list) else [blob[name]]
                        names += [name] * int(sum(values))
        return sorted(names)


@pytest.fixture
def emitted(capsys: pytest.CaptureFixture[str]) -> Emitted:
    capsys.readouterr()  # what the stack printed while it started
    return Emitted(capsys)


def test_a_referral_is_counted_once_and_its_replay_not_at_all(journey: Journey, emitted: Emitted) -> None:
    j = journey
    j.refer_and_consent()
    assert emitted.since_last() == ["Referrals"]
    replay = j.coordinator.post("/referrals", referral())  # the same submission: nothing new
    assert replay.status in (200, 201) and replay.body["case_id"] == j.case_id
    assert emitted.since_last() == []
    assert not [line for line in emitted.lines if j.case_id in line or "Testy" in line or "A0001AA" in line]


def _readiness_reviewed(j: Journey, emitted: Emitted) -> Journey:
    """A case at the gate, what it emitted on the way there looked at."""
    j.refer_and_consent(days=10)
    j.assess_and_match(accommodation="medium")
    j.to_readiness()
    j.readiness()
    emitted.since_last()
    return j


def test_a_release_met_at_the_gate_is_counted_once_through_the_workflow_s_following_steps(
    journey: Journey, emitted: Emitted
) -> None:
    j = _readiness_reviewed(journey, emitted)
    j.release_day(met=True)
    j.advance(days=2)  # the workflow moves on past the gate (OnReleased, the first check-in's plan)
    assert emitted.since_last() == ["ReleasesMetAtTheGate"]


def test_not_met_at_the_gate_is_one_escalation_and_no_release_met(journey: Journey, emitted: Emitted) -> None:
    """The form raises the escalation; the workflow's RaiseEscalation finds it open and saves nothing."""
    j = _readiness_reviewed(journey, emitted)
    j.release_day(met=False)
    j.advance(days=1)
    assert emitted.since_last() == ["Escalations"]


def test_an_escalation_step_retried_is_counted_once(journey: Journey, emitted: Emitted) -> None:
    j = journey
    j.refer_and_consent(days=10)
    j.assess_and_match(accommodation="medium")
    j.to_readiness()
    emitted.since_last()
    j.readiness(accommodation=False)  # the workflow raises "no accommodation"
    assert emitted.since_last() == ["Escalations"]
    from throughgate.store.repository import CaseStore

    revision = CaseStore().get_case(j.case_id).revision
    step = {"case_id": j.case_id, "revision": revision, "reason": "no_accommodation"}
    j.stack.invoke("RaiseEscalation", step)  # Lambda's retry of the same step
    j.stack.settle()
    assert emitted.since_last() == []
    assert [e["reason"] for e in j.view()["escalations"]].count("no_accommodation") == 1
