"""Synthetic mentors for the local stack, the simulation and the tests: a profile, and the checks and
prison clearances matching needs, all in date on the stack's day (synthetic values only)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from throughgate.domain.catalogue import load_mentor_checks, load_prisons
from throughgate.domain.schedule import london_date
from throughgate_local.api_client import ApiClient

VALID_DAYS = 3 * 365  # long enough for any journey's match: checks lapse only where a test says so


def profile(
    display_name: str,
    *,
    gender: str = "male",
    boroughs: tuple[str, ...] = ("Southwark",),
    capacity: int = 5,
    lived_experience: tuple[str, ...] = (),
    linked_areas: tuple[str, ...] = (),
    **more: Any,
) -> dict[str, Any]:
    """A profile body for `PUT /mentors/{mentor_id}` (clearances are added by `enrol`)."""
    return {
        "display_name": display_name,
        "gender": gender,
        "boroughs": list(boroughs),
        "capacity": capacity,
        "lived_experience": list(lived_experience),
        "linked_areas": list(linked_areas),
        **more,
    }


def enrol(coordinator: ApiClient, mentor_id: str, body: dict[str, Any]) -> list[int]:
    """The profile, cleared for every prison the catalogue names, and each required check recorded
    today: what a mentor needs to be matched. The statuses of the requests, in order."""
    today = london_date(coordinator.stack.clock.now())
    expires = (today + timedelta(days=VALID_DAYS)).isoformat()
    clearances = [{"prison": code, "expires_on": expires} for code in load_prisons()]
    statuses = [coordinator.put(f"/mentors/{mentor_id}", {"clearances": clearances, **body}).status]
    for kind in load_mentor_checks().required:
        check: dict[str, Any] = {"kind": kind.key, "checked_on": today.isoformat(), "expires_on": expires}
        if kind.levels:
            check["level"] = kind.levels[-1][0]  # the highest level
        statuses.append(coordinator.post(f"/mentors/{mentor_id}/checks", check).status)
    return statuses


def enrolled(coordinator: ApiClient, body: dict[str, Any]) -> bool:
    """`enrol` for a body that names its mentor (`mentor_id` beside the profile): all saved?"""
    profile_body = {k: v for k, v in body.items() if k != "mentor_id"}
    return all(status in {200, 201} for status in enrol(coordinator, body["mentor_id"], profile_body))
