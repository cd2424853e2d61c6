"""The table's keys that more than one item shares: partition keys, the sparse `open_items` index's
kinds, release months and the prison-number reference's key (the key design is in models.py)."""

from __future__ import annotations

import hashlib
import hmac
from datetime import date

# The kinds in the sparse `open_items` index: what the sweep may still act on, and retention.
OPEN_TASK = "TASK"
OPEN_CHECK_IN = "CHECKIN"
OPEN_ESCALATION = "ESCALATION"
OPEN_RETENTION = "RETENTION"
OPEN_EFFECT = "EFFECT"  # an effect not yet carried out (the outbox)
OPEN_UNAPPLIED = "UNAPPLIED"  # a prison update not applied, until a coordinator deals with it
OPEN_NOTE = "NOTE"  # a notification its reader has not read yet


OPEN_REMINDER = "REMINDER"  # an appointment with a text reminder still to send
OPEN_SUPERVISION = "SUPERVISION"  # each supervised mentor's next supervision, by its due date
WEEKLY_PK = "WEEKLY"  # a marker per week the coordinators' weekly check was sent
MENTORS_PK = "MENTORS"
STAFF_SETTINGS_PK = "STAFF_SETTINGS"
STAFF_PK = "STAFF"  # the staff records (domain.staff), one partition: a programme has tens of staff


def staff_sk(username: str) -> str:
    return f"STAFF#{username}"


def staff_audit_key(username: str) -> str:
    """A staff record's audit trail, in the audit table beside the cases' (never a case id: those
    are UUIDs)."""
    return f"STAFF#{username}"


def mentor_pk(mentor_id: str) -> str:
    """A mentor's own partition (checks, training, supervision, time): a staff id, never a personal value."""
    return f"MENTOR#{mentor_id}"


def inbox_pk(username: str) -> str:
    """A person's notifications: their username is a staff id, never a personal value."""
    return f"INBOX#{username}"


COHORT_PK = "COHORT"  # the cohort counters, one item per month of release


def case_pk(case_id: str) -> str:
    return f"CASE#{case_id}"


def months_between(first: date, last: date) -> set[str]:
    """The `by_release_month` index keys (YYYY-MM) from `first` to `last`."""
    months = set()
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        months.add(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _keyed_hash(value: str) -> str:
    from throughgate.config import settings

    return hmac.new(settings().keyed_hash_key(), value.encode(), hashlib.sha256).hexdigest()


def search_key(term: str) -> str:
    """A search term's partition (domain.search): a keyed hash of the tagged prefix, so a name or
    a prison number is never in a key, and the short prefixes cannot be guessed back without it."""
    return f"SEARCH#{_keyed_hash(term)}"


def prison_number_key(prison_number: str) -> str:
    """The one-open-case reference is keyed by a keyed hash: a prison number never sits in a key
    (keys show up in metrics, traces and consoles), and without the key it cannot be guessed back
    from the small space of prison numbers."""
    return f"PRISONNO#{_keyed_hash(prison_number.upper())}"


def unapplied_pk(message_id: str) -> str:
    """One partition per message: the SQS message id (a UUID, nothing of the message's content)."""
    return f"UNAPPLIED#{message_id}"


def mobile_key(e164: str) -> str:
    """A client's mobile number, to find the case a reply (STOP) comes from: keyed-hashed like the
    prison number, so the number is never in a key."""
    return f"MOBILE#{_keyed_hash(e164)}"
