"""pynamodb items of the single case table. Nothing outside `throughgate.store` imports this module.

Keys (pk / sk), chosen from the access patterns:

| item | pk | sk |
|---|---|---|
| case | CASE#<id> | CASE |
| need (one per area) | CASE#<id> | NEED#<area> |
| task | CASE#<id> | TASK#<task key> |
| check-in | CASE#<id> | CHECKIN#<nn> |
| timeline event | CASE#<id> | EVENT#<iso time>#<sequence>#<random> |
| contact with the client | CASE#<id> | CONTACT#<iso time>#<contact id> |
| escalation (one per cause) | CASE#<id> | ESC#<cause> (the reason, and the task key for an overdue task) |
| outcome | CASE#<id> | OUTCOME |
| processed-event marker | CASE#<id> | DEDUP#<event id> |
| pending effect (the outbox) | CASE#<id> | EFFECT#<iso time>#<effect id> |
| prison number reference | PRISONNO#<HMAC-SHA256 of the number> | REF |
| mentor (profile, latest check of each kind) | MENTORS | MENTOR#<id> |
| a check on a mentor's record (history) | MENTOR#<id> | CHECK#<checked on>#<record id> |
| a mentor's training session | MENTOR#<id> | TRAINING#<date>#<record id> |
| search term (domain.search) | SEARCH#<HMAC-SHA256 of the term> | CASE#<id> |
| prison update not applied (domain.unapplied) | UNAPPLIED#<SQS message id> | UPDATE |
| a person's notification (in-app) | INBOX#<username> | NOTE#<iso time>#<effect id> |
| a notification's reference (erased with the case) | CASE#<id> | NOTEREF#<username>#NOTE#<iso time>#<effect id> |
| a person's notification settings | STAFF_SETTINGS | STAFF#<username> |
| a member of staff (domain.staff) | STAFF | STAFF#<username> |
| appointment (text reminders) | CASE#<id> | APPT#<appointment id> |
| mobile number reference (a STOP reply) | MOBILE#<HMAC-SHA256 of the number> | CASE#<id> |
| cohort counters (domain.outcomes) | COHORT | MONTH#<YYYY-MM of release> |
| a mentor's time entry (domain.volunteering) | MENTOR#<id> | TIME#<date>#<entry id> |
| a time entry's reference (its date, by its id) | MENTOR#<id> | TIMEREF#<entry id> |
| peer-mentor pathway (domain.pathway) | PATHWAYS | PATHWAY#<id> |
| a closed case's link to its pathway | CASE#<id> | PATHWAY |
| supervision session (domain.supervision) | MENTOR#<id> | SUPERVISION#<date>#<id> |
| a mentor's next supervision (sparse index) | MENTOR#<id> | SUPERVISION_DUE |
| the coordinators' weekly check, sent | WEEKLY | WEEK#<London date of the week's check day> |

Indexes: `by_stage` (stage, release_on), `by_mentor` (mentor_id, release_on), `by_release_month`
(release_month, release_on) on cases; `open_items` (open_kind, due_key), sparse: a task or check-in is in it
only while someone may still be chased for it, an escalation while it is open, an effect while it
is pending, a prison update not applied until a coordinator deals with it, a notification while
unread (for the daily digest), an appointment while a text reminder is still to go (keyed by when),
a mentor's next supervision (keyed by its due date: one Query lists every mentor's),
so the daily sweep, the reconciler, the coordinators' list, the digest and the reminders read just
what they may act on.
"""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
    VersionAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from throughgate.config import settings
from throughgate.domain.outcomes import COUNTERS
from throughgate.store import schema

PK = "pk"
SK = "sk"


class _Item(Model):
    class Meta:
        table_name = settings().table_name
        region = settings().region

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)


class ByStage(GlobalSecondaryIndex["CaseItem"]):
    class Meta:
        index_name = "by_stage"
        projection = AllProjection()

    stage = UnicodeAttribute(hash_key=True)
    release_on = UnicodeAttribute(range_key=True)


class ByMentor(GlobalSecondaryIndex["CaseItem"]):
    class Meta:
        index_name = "by_mentor"
        projection = AllProjection()

    mentor_id = UnicodeAttribute(hash_key=True)
    release_on = UnicodeAttribute(range_key=True)


class ByReleaseMonth(GlobalSecondaryIndex["CaseItem"]):
    class Meta:
        index_name = "by_release_month"
        projection = AllProjection()

    release_month = UnicodeAttribute(hash_key=True)
    release_on = UnicodeAttribute(range_key=True)


class OpenItems(GlobalSecondaryIndex["_Item"]):
    class Meta:
        index_name = "open_items"
        projection = AllProjection()

    open_kind = UnicodeAttribute(hash_key=True)
    due_key = UnicodeAttribute(range_key=True)


class ClientAttr(MapAttribute[str, object]):
    given_name = UnicodeAttribute()
    family_name = UnicodeAttribute()
    date_of_birth = UnicodeAttribute()
    prison_number = UnicodeAttribute()
    gender = UnicodeAttribute()
    borough = UnicodeAttribute()
    gender_preference = UnicodeAttribute(null=True)
    gang_risk = BooleanAttribute()
    excluded_areas = UnicodeSetAttribute(null=True)


class ReadinessAttr(MapAttribute[str, object]):
    accommodation_confirmed = BooleanAttribute()
    id_ready = BooleanAttribute()
    medication_ready = BooleanAttribute()
    probation_appointment_booked = BooleanAttribute()
    notes = UnicodeAttribute(default="")
    reviewed_at = UnicodeAttribute()


class ReleaseDayAttr(MapAttribute[str, object]):
    checks = MapAttribute[str, object]()  # question -> yes (true) or no (false), as answered
    not_met_reason = UnicodeAttribute(null=True)
    not_met_details = UnicodeAttribute(default="")
    notes = UnicodeAttribute(default="")
    recorded_at = UnicodeAttribute()


class TextsAttr(MapAttribute[str, object]):
    mobile = UnicodeAttribute()  # personal: E.164
    agreed_at = UnicodeAttribute()
    stopped_at = UnicodeAttribute(null=True)


class MentorHandoverAttr(MapAttribute[str, object]):
    previous_mentor_id = UnicodeAttribute()
    reason = UnicodeAttribute()  # personal
    note = UnicodeAttribute(default="")  # personal
    at = UnicodeAttribute()


class ConsentAttr(MapAttribute[str, object]):
    lawful_basis = UnicodeAttribute()
    data_sharing = BooleanAttribute()
    recorded_at = UnicodeAttribute()


class _OpenItem(_Item):
    """An item the daily sweep may chase: indexed by due time while open."""

    open_kind = UnicodeAttribute(null=True)
    due_key = UnicodeAttribute(null=True)
    open_items = OpenItems()


class CaseItem(_OpenItem):
    """In the sweep's index (kind RETENTION) once it has ended, until it is anonymised."""

    case_id = UnicodeAttribute()
    stage = UnicodeAttribute()
    release_on = UnicodeAttribute()
    release_month = UnicodeAttribute()
    prison = UnicodeAttribute()
    client = ClientAttr()
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    payload_hash = UnicodeAttribute()
    version = VersionAttribute()
    revision = NumberAttribute(default=0)
    first_released_on = UnicodeAttribute(null=True)
    mentor_id = UnicodeAttribute(null=True)
    consent = ConsentAttr(null=True)
    waiting_for = UnicodeAttribute(null=True)
    task_token = UnicodeAttribute(null=True)
    check_in_number = NumberAttribute(null=True)
    execution_arn = UnicodeAttribute(null=True)
    workflow_error = UnicodeAttribute(null=True)
    erasing = BooleanAttribute(null=True)
    circumstances_as_of = UnicodeAttribute(null=True)
    circumstances_sequence = NumberAttribute(null=True)
    exit_reason = UnicodeAttribute(null=True)
    housed_on_release_night = BooleanAttribute(null=True)
    in_work_at_handover = BooleanAttribute(null=True)
    gives_back = UnicodeAttribute(null=True)
    readiness = ReadinessAttr(null=True)
    release_day = ReleaseDayAttr(null=True)
    texts = TextsAttr(null=True)
    counted = UnicodeAttribute(null=True)  # the CohortFacts the counters hold for it, as JSON
    last_contact_on = UnicodeAttribute(null=True)  # the no-contact flag's dates (domain.case)
    paired_on = UnicodeAttribute(null=True)
    mentor_handover = MentorHandoverAttr(null=True)

    by_stage = ByStage()
    by_mentor = ByMentor()
    by_release_month = ByReleaseMonth()


class NeedItem(_Item):
    area = UnicodeAttribute()
    entry_level = UnicodeAttribute()
    current_level = UnicodeAttribute()
    status = UnicodeAttribute()
    notes = UnicodeAttribute(default="")
    exit_level = UnicodeAttribute(null=True)
    referral_service = UnicodeAttribute(null=True)
    referral_state = UnicodeAttribute(null=True)


class TaskUpdateAttr(MapAttribute[str, object]):
    at = UnicodeAttribute()
    actor = UnicodeAttribute()
    status = UnicodeAttribute()
    note = UnicodeAttribute(default="")


class TaskItem(_OpenItem):
    case_id = UnicodeAttribute()
    task_key = UnicodeAttribute()
    area = UnicodeAttribute()
    title = UnicodeAttribute()
    due_on = UnicodeAttribute()
    due_offset_days = NumberAttribute()
    owner_role = UnicodeAttribute()
    critical = BooleanAttribute()
    status = UnicodeAttribute()
    chase_level = UnicodeAttribute()
    updates = ListAttribute(of=TaskUpdateAttr, default=list)


class CheckInItem(_OpenItem):
    case_id = UnicodeAttribute()
    number = NumberAttribute()
    due_at = UnicodeAttribute()
    status = UnicodeAttribute()
    chase_level = UnicodeAttribute()
    contact_made = BooleanAttribute(null=True)
    notes = UnicodeAttribute(default="")


class ContactItem(_Item):
    case_id = UnicodeAttribute()
    contact_id = UnicodeAttribute()
    on = UnicodeAttribute()
    method = UnicodeAttribute()
    made = BooleanAttribute()
    minutes = NumberAttribute()
    areas = UnicodeSetAttribute(null=True)
    note = UnicodeAttribute(default="")  # personal: what was said
    by = UnicodeAttribute()
    logged_at = UnicodeAttribute()


class EscalationItem(_OpenItem):
    case_id = UnicodeAttribute()
    raised_at = UnicodeAttribute()
    reason = UnicodeAttribute()
    target_role = UnicodeAttribute()
    subject = UnicodeAttribute(default="")
    times_raised = NumberAttribute(default=1)
    last_raised_at = UnicodeAttribute(null=True)
    resolved_at = UnicodeAttribute(null=True)
    resolved_by = UnicodeAttribute(null=True)
    resolution = UnicodeAttribute(null=True)  # personal: a coordinator's note


class EventItem(_Item):
    at = UnicodeAttribute()
    kind = UnicodeAttribute()
    actor = UnicodeAttribute()
    detail = MapAttribute[str, str](default=dict)


class OutcomeItem(_Item):
    case_id = UnicodeAttribute()
    proven_reoffending = BooleanAttribute()
    housed = BooleanAttribute()
    in_work_or_training = BooleanAttribute()
    recorded_at = UnicodeAttribute()


class MarkerItem(_Item):
    """A key that may be written once: a processed event id, or a prison number's one open case."""

    case_id = UnicodeAttribute()
    # A processed submission's fingerprint (a SHA-256 of what was submitted, never the values), so
    # the same id arriving with different content is refused instead of silently ignored.
    payload_hash = UnicodeAttribute(null=True)


class _CohortCounters(_Item):
    """One month of releases' cohort counters (domain.outcomes.COUNTERS), each changed only by ADD
    in the transaction of the change that moves it."""

    month = UnicodeAttribute(null=True)


# One number attribute per counter: ADD works on top-level attributes only.
CohortItem: type[_CohortCounters] = type(
    "CohortItem",
    (_CohortCounters,),
    {"__module__": __name__, **{name: NumberAttribute(null=True) for name in COUNTERS}},
)


class EffectItem(_OpenItem):
    """What must follow a saved change, until it has been carried out (then deleted)."""

    case_id = UnicodeAttribute()
    effect_id = UnicodeAttribute()
    kind = UnicodeAttribute()
    created_at = UnicodeAttribute()
    detail = MapAttribute[str, str](default=dict)
    attempts = NumberAttribute(default=0)
    last_error = UnicodeAttribute(default="")


class AppointmentItem(_OpenItem):
    """In the sparse index (kind REMINDER) while a reminder is still to be sent, keyed by when."""

    case_id = UnicodeAttribute()
    appointment_id = UnicodeAttribute()
    kind = UnicodeAttribute()
    at = UnicodeAttribute()
    recorded_by = UnicodeAttribute()
    recorded_at = UnicodeAttribute()
    sent = UnicodeSetAttribute(null=True)
    skipped = UnicodeSetAttribute(null=True)  # fell due while the client was still in prison


class SearchItem(_Item):
    """A case filed under one search term: the key is a keyed hash, the item holds the case id only."""

    case_id = UnicodeAttribute()


class CheckMap(MapAttribute[str, object]):
    kind = UnicodeAttribute()
    checked_on = UnicodeAttribute()
    expires_on = UnicodeAttribute(null=True)
    outcome = UnicodeAttribute()
    level = UnicodeAttribute(null=True)
    conditions = UnicodeAttribute(null=True)
    avoid_areas = UnicodeSetAttribute(null=True)


class ClearanceMap(MapAttribute[str, object]):
    prison = UnicodeAttribute()
    expires_on = UnicodeAttribute()


class MentorItem(_Item):
    """The mentor's profile and, denormalised, the latest check of each kind: matching reads every
    mentor in one Query of the MENTORS partition."""

    mentor_id = UnicodeAttribute()
    display_name = UnicodeAttribute()
    gender = UnicodeAttribute()
    boroughs = UnicodeSetAttribute(null=True)
    borough = UnicodeAttribute(null=True)  # before a mentor had several: read as their one borough
    capacity = NumberAttribute()
    active_cases = NumberAttribute(default=0)
    lived_experience = UnicodeSetAttribute(null=True)
    linked_areas = UnicodeSetAttribute(null=True)
    avoid_areas = UnicodeSetAttribute(null=True)
    languages = ListAttribute[str](default=list)
    availability = UnicodeAttribute(default="active")
    on_leave_until = UnicodeAttribute(null=True)
    clearances = ListAttribute(of=ClearanceMap, default=list)
    checks = ListAttribute(of=CheckMap, default=list)
    version = VersionAttribute()


class TimeItem(_Item):
    """A mentor's time and expenses for one day's piece of work (domain.volunteering): the case id
    only, never anything about the client."""

    mentor_id = UnicodeAttribute()
    entry_id = UnicodeAttribute()
    on = UnicodeAttribute()
    minutes = NumberAttribute()
    activity = UnicodeAttribute()
    case_id = UnicodeAttribute(null=True)
    travel_mode = UnicodeAttribute()
    miles = NumberAttribute(default=0)
    fares_pence = NumberAttribute(default=0)
    expense_pence = NumberAttribute(default=0)
    expense_note = UnicodeAttribute(null=True)
    recorded_by = UnicodeAttribute()
    recorded_at = UnicodeAttribute()
    status = UnicodeAttribute()
    query_reason = UnicodeAttribute(null=True)
    decided_by = UnicodeAttribute(null=True)
    version = VersionAttribute()


class TimeRefItem(_Item):
    """A time entry's id, written once with its first save: finds the entry's date (its sort key),
    and tells a retried submission (same fingerprint) from an id reused for other answers."""

    on = UnicodeAttribute()
    payload_hash = UnicodeAttribute()


class MentorCheckItem(_Item):
    """One check as recorded, kept in the mentor's own partition (the record's history)."""

    mentor_id = UnicodeAttribute()
    check = CheckMap()
    recorded_by = UnicodeAttribute()
    recorded_at = UnicodeAttribute()


class TrainingItem(_Item):
    mentor_id = UnicodeAttribute()
    attended_on = UnicodeAttribute()
    title = UnicodeAttribute()
    hours = NumberAttribute()
    recorded_by = UnicodeAttribute()
    recorded_at = UnicodeAttribute()


class UnappliedItem(_OpenItem):
    """A prison update the feed gave up on (domain.unapplied), in the open-items index: deleted when
    a coordinator deals with it (the audit trail says who), or by TTL as the dead letter expires."""

    message_id = UnicodeAttribute()
    received_at = UnicodeAttribute()
    because = UnicodeAttribute()
    attempts = NumberAttribute()
    fields = ListAttribute[str](default=list)  # names of the fields at fault, never values
    occurred_at = UnicodeAttribute(null=True)
    change = UnicodeAttribute(null=True)
    case_id = UnicodeAttribute(null=True)
    prison_number = UnicodeAttribute(null=True)  # personal: the item is deleted when dealt with
    expires_at = TTLAttribute(attr_name=schema.TTL_ATTRIBUTE)


class NoteItem(_OpenItem):
    """One notification to one person: words and a link, no personal value (domain.notifications).
    In `open_items` (kind NOTE, by time sent) while unread; gone after `expires_at`."""

    username = UnicodeAttribute()
    case_id = UnicodeAttribute()
    kind = UnicodeAttribute()
    recipient_role = UnicodeAttribute()
    detail = MapAttribute[str, str](default=dict)  # ids and enum values, as the effect carried them
    subject = UnicodeAttribute()
    body = UnicodeAttribute()
    link = UnicodeAttribute()
    sent_at = UnicodeAttribute()
    read = BooleanAttribute(default=False)
    expires_at = TTLAttribute(attr_name=schema.TTL_ATTRIBUTE)


class NoteRefItem(_Item):
    """In the case's partition, one per note about the case: which note goes when the case is erased
    or anonymised (a staff id and a key, no personal value). Written with its note; gone by TTL a
    little after it."""

    username = UnicodeAttribute()
    note_sk = UnicodeAttribute()
    expires_at = TTLAttribute(attr_name=schema.TTL_ATTRIBUTE)


class StaffSettingsItem(_Item):
    username = UnicodeAttribute()
    email = UnicodeAttribute()  # an EmailChoice value


class StaffItem(_Item):
    """A member of staff (domain.staff): ids, a role and the name colleagues know them by; their
    e-mail address stays in the user pool."""

    username = UnicodeAttribute()
    role = UnicodeAttribute()
    display_name = UnicodeAttribute()
    status = UnicodeAttribute()
    changed_at = UnicodeAttribute()
    changed_by = UnicodeAttribute()
    sessions_valid_after = UnicodeAttribute(null=True)


class PathwayMoveAttr(MapAttribute[str, object]):
    stage = UnicodeAttribute()
    on = UnicodeAttribute()
    by = UnicodeAttribute()
    note = UnicodeAttribute(default="")  # personal: removed when the person withdraws
    checks = MapAttribute[str, object](null=True)  # criterion key -> met (true) or not (false)


class PathwayItem(_Item):
    """A peer-mentor pathway (domain.pathway): pk PATHWAYS, sk PATHWAY#<id>. One small partition
    the coordinators' list and the outcomes' counts each read with one Query."""

    pathway_id = UnicodeAttribute()
    case_id = UnicodeAttribute()
    display_name = UnicodeAttribute(default="")  # personal: coordinators only; gone on withdrawal
    consent_on = UnicodeAttribute()
    consent_how = UnicodeAttribute()
    released_on = UnicodeAttribute(null=True)
    opened_at = UnicodeAttribute()
    stage = UnicodeAttribute()
    became_mentor_on = UnicodeAttribute(null=True)  # the "once a client" fact, for the outcomes
    moves = ListAttribute(of=PathwayMoveAttr)
    version = VersionAttribute()


class PathwayLinkItem(_Item):
    """The closed case's link to its pathway, in the case's partition (pk CASE#<id>, sk PATHWAY): one
    pathway per case, and it goes with the case's anonymisation or erasure; the pathway stays."""

    pathway_id = UnicodeAttribute()


class SupervisionItem(_Item):
    """One supervision session of a mentor (domain.supervision): the note is personal."""

    mentor_id = UnicodeAttribute()
    supervision_id = UnicodeAttribute()
    held_on = UnicodeAttribute()
    supervisor = UnicodeAttribute()
    note = UnicodeAttribute()
    next_due_on = UnicodeAttribute()
    recorded_at = UnicodeAttribute()


class SupervisionDueItem(_OpenItem):
    """A mentor's next supervision, from their latest session: in `open_items` (kind SUPERVISION)
    by its due date, so the dashboard and the weekly digest find the overdue in one Query."""

    mentor_id = UnicodeAttribute()
