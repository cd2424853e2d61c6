"""The Justice Data Lab pack: the people of a release period, in the columns the Ministry of
Justice's Justice Data Lab matches on, so it can compare the cohort's proven re-offending with a
matched comparison group. Personal data: coordinators and managers only, after a confirmation that
the share is lawful, each person's case audited, and refused under the Lab's minimum of 60 people."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from throughgate.domain.case import Case
from throughgate.domain.case_steps import Act
from throughgate.domain.errors import InvalidInput
from throughgate.domain.outcomes import ReleasePeriod
from throughgate.logic.access import require
from throughgate.logic.ports import Actor, Deps

if TYPE_CHECKING:
    from throughgate.store.audit import AuditLog

MINIMUM_PEOPLE = 60  # the Justice Data Lab analyses a cohort of at least 60 people
COLUMNS = (
    "Surname",
    "Forename",
    "Date of birth",
    "Gender",
    "Intervention start date",
    "Release date",
    "Prison number",
)
EXPORT_ACTION = "POST /outcomes/justice-data-lab"  # the audit trail's words for the share
GUIDE = (
    "One row per person who consented and was released in the period (intention to treat), in the "
    "Justice Data Lab's matching fields: surname, forename, date of birth, gender, and the date the "
    "intervention started (consent to the programme); the release date and prison number help the "
    "Lab match. Dates are DD/MM/YYYY. Send it only to the Justice Data Lab, by the secure route its "
    "data sharing agreement names, and delete your copy once it has been received."
)


@dataclass(frozen=True)
class JusticeDataLabPack:
    period: ReleasePeriod
    people: list[Case]
    left_out: int  # released and consented, but anonymised after the retention period

    def rows(self) -> list[list[str]]:
        rows = [list(COLUMNS)]
        for case in self.people:
            client, consent = case.client, case.consent
            assert consent is not None and case.first_released_on is not None
            rows.append(
                [
                    client.family_name,
                    client.given_name,
                    f"{client.date_of_birth:%d/%m/%Y}",
                    client.gender,
                    f"{consent.recorded_at:%d/%m/%Y}",
                    f"{case.first_released_on:%d/%m/%Y}",
                    client.prison_number,
                ]
            )
        return rows


def justice_data_lab_pack(deps: Deps, actor: Actor, period: ReleasePeriod) -> JusticeDataLabPack:
    """Who the pack would hold, refused when fewer than the Lab's minimum (nothing is shared yet)."""
    require(actor, Act.EXPORT_JUSTICE_DATA_LAB)
    cohort = [
        case
        for case in deps.store.releases_between(period.first, period.last)
        if case.consent is not None
        and case.first_released_on is not None
        and period.first <= case.first_released_on <= period.last
        and not case.erasing
    ]
    people = [case for case in cohort if not case.client.is_anonymised]
    if len(people) < MINIMUM_PEOPLE:
        raise InvalidInput(
            f"The Justice Data Lab needs at least {MINIMUM_PEOPLE} people; {len(people)} consented and "
            "were released in this period. The pack can be made for a year once 60 of its clients "
            "have been released.",
            field="period",
        )
    people.sort(key=lambda case: (case.client.family_name, case.client.given_name, case.case_id))
    return JusticeDataLabPack(period, people, left_out=len(cohort) - len(people))


def share_with_justice_data_lab(
    deps: Deps, actor: Actor, log: AuditLog, period: ReleasePeriod, confirmed: bool
) -> JusticeDataLabPack:
    """The pack itself, once the person has confirmed the share is lawful: each person's case
    records who shared it and when."""
    if not confirmed:
        raise InvalidInput(
            "Confirm that this is a lawful share with the Justice Data Lab under your agreement",
            field="confirm",
        )
    from throughgate.store.audit import AuditEntry

    pack = justice_data_lab_pack(deps, actor, period)
    for case in pack.people:
        log.record(AuditEntry(case.case_id, deps.now(), actor.label, EXPORT_ACTION, 200))
    return pack
