"""The Justice Data Lab pack on the local stack: refused under 60 people, made only after the
confirmation, in the Lab's columns, each person's case audited, coordinators and managers only."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest

from tests.journey import START
from throughgate.domain.case import Case, ClientDetails, Consent, TimelineEvent
from throughgate.domain.case_steps import Role
from throughgate.domain.errors import Forbidden, InvalidInput
from throughgate.domain.lifecycle import Stage
from throughgate.domain.outcomes import ReleasePeriod
from throughgate.logic.ports import Actor
from throughgate_local.stack import LocalStack

Q1 = ReleasePeriod.named("2026-Q1")
MANAGER = Actor("manager-0001", Role.MANAGER)


def _released_clients(count: int) -> list[str]:
    """`count` synthetic clients who consented and were released in the first quarter of 2026."""
    from throughgate.adapters.aws import aws_deps

    store, ids = aws_deps().store, []
    for n in range(count):
        released = date(2026, 1, 5) + timedelta(days=n % 80)
        case = Case(
            case_id=f"00000000-0000-4000-a000-{n:012d}",
            stage=Stage.CLOSED,
            release_on=released,
            prison="BXI",
            client=ClientDetails(
                "Jay", f"Example{n:03d}", date(1985, 2, 3), f"J{n:04d}JC", "male", "Lambeth"
            ),
            created_at=START - timedelta(days=500),
            payload_hash=f"jdl-{n}",
            first_released_on=released,
            consent=Consent("public_task", True, START - timedelta(days=480)),
        )
        store.create_case(case, TimelineEvent(START, "referred", "coordinator:coordinator-0001"))
        ids.append(case.case_id)
    return ids


def test_under_60_people_the_pack_is_refused(stack: LocalStack) -> None:
    from throughgate.adapters.aws import aws_deps
    from throughgate.logic.justice_data_lab import justice_data_lab_pack

    _released_clients(59)
    with pytest.raises(InvalidInput, match="at least 60 people; 59 consented"):
        justice_data_lab_pack(aws_deps(), MANAGER, Q1)


def test_the_pack_after_confirmation_in_the_labs_columns_each_case_audited(stack: LocalStack) -> None:
    from throughgate.adapters.aws import aws_deps
    from throughgate.logic.justice_data_lab import COLUMNS, EXPORT_ACTION, share_with_justice_data_lab
    from throughgate.store.audit import AuditLog

    ids = _released_clients(61)
    log = AuditLog()
    with pytest.raises(InvalidInput, match="Confirm that this is a lawful share"):
        share_with_justice_data_lab(aws_deps(), MANAGER, log, Q1, confirmed=False)
    assert log.trail(ids[0]) == [], "nothing shared, nothing recorded"

    pack = share_with_justice_data_lab(aws_deps(), MANAGER, log, Q1, confirmed=True)
    out = io.StringIO()
    csv.writer(out).writerows(pack.rows())
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows[0] == list(COLUMNS)
    assert len(rows) == 62
    assert rows[1][:4] == ["Example000", "Jay", "03/02/1985", "male"]
    assert all(
        entry.action == EXPORT_ACTION and entry.actor == "manager:manager-0001" for entry in log.trail(ids[0])
    )
    assert all(len(log.trail(case_id)) == 1 for case_id in ids)
    from throughgate.logic.records import audit_lines

    (line,) = audit_lines(aws_deps(), log, Actor("coordinator-0001", Role.COORDINATOR), ids[5])
    assert line.what == "Shared with the Justice Data Lab (in its cohort file)"


def test_only_coordinators_and_managers_make_the_pack(stack: LocalStack) -> None:
    from throughgate.adapters.aws import aws_deps
    from throughgate.logic.justice_data_lab import justice_data_lab_pack

    with pytest.raises(Forbidden):
        justice_data_lab_pack(aws_deps(), Actor("mentor-0001", Role.MENTOR), Q1)
