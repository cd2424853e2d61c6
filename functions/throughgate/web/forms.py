"""The forms, as data: each case step's form (keyed as in throughgate.domain.case_steps) and the
referral. Each imports its input model when it is built, so pages without a form never pay for
pydantic's model machinery."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from throughgate.domain.case import CHANGE_WORDS, CONTACT_METHOD_WORDS
from throughgate.domain.case_steps import StepOptions
from throughgate.domain.catalogue import load_programme
from throughgate.domain.escalation import NOT_MET_WORDS
from throughgate.domain.needs import NEED_AREA_NAMES, Level, NeedArea, TaskStatus
from throughgate.domain.pathway import GIVE_BACK_WORDS, PathwayStage
from throughgate.domain.reminders import APPOINTMENT_WORDS
from throughgate.web.form_engine import Field, Form

if TYPE_CHECKING:
    from throughgate.domain.volunteering import TimeEntry

YES_NO = (("yes", "Yes"), ("no", "No"))
LEVELS = tuple((level.value, level.value.capitalize()) for level in Level)
# What each level asks of the programme (the same words on the assessment and the handover).
LEVEL_HINT = (
    "None: no help needed. Low: advice or a referral. Medium: regular help from the mentor. "
    "High: intensive help, before and after release. Urgent: must be in place before release day."
)
GENDERS = (("female", "Female"), ("male", "Male"), ("non_binary", "Non-binary"), ("other", "Other"))


def _prison_options() -> tuple[tuple[str, str], ...]:
    """The establishments the programme works with, by name (catalogue/prisons.json); the code is
    what is stored."""
    from throughgate.domain.catalogue import prisons_by_name

    return (("", "Choose a prison"), *prisons_by_name())


def _referral(_options: StepOptions) -> Form:
    from throughgate.schemas import ReferralIn

    return Form(
        key="referral",
        title="Refer a client",
        model=ReferralIn,
        submit="Save referral",
        fields=(
            Field("client.given_name", "First name", width="govuk-input--width-20"),
            Field("client.family_name", "Last name", width="govuk-input--width-20"),
            Field("client.date_of_birth", "Date of birth", "date", hint="For example, 27 3 1990"),
            Field(
                "client.prison_number",
                "Prison number",
                hint="A letter, 4 numbers and 2 letters, for example A1234BC",
                invalid="Enter a prison number in the right format, like A1234BC",
                width="govuk-input--width-10",
            ),
            Field(
                "prison",
                "Prison",
                "select",
                _prison_options(),
                missing="Select the prison the client is in",
                invalid="Select the prison from the list",
            ),
            Field("release_on", "Release date", "date", hint="For example, 18 4 2027"),
            Field("client.gender", "Gender", "radios", GENDERS, missing="Select the client's gender"),
            Field("client.borough", "Home borough", width="govuk-input--width-20"),
            Field(
                "client.gender_preference",
                "Mentor gender preference",
                "radios",
                (("", "No preference"), *GENDERS),
                required=False,
            ),
            Field("client.gang_risk", "Is there a gang or peer safety risk?", "yesno", YES_NO),
        ),
    )


def _consent(_options: StepOptions) -> Form:
    from throughgate.schemas import ConsentIn

    return Form(
        key="consent",
        title="Record consent",
        model=ConsentIn,
        submit="Save consent",
        fields=(
            Field("consent_given", "Has the client agreed to take part?", "yesno", YES_NO),
            Field(
                "lawful_basis",
                "Lawful basis for processing",
                "radios",
                (
                    ("consent", "Consent"),
                    ("public_task", "Public task"),
                    ("legitimate_interests", "Legitimate interests"),
                ),
                hint="Criminal offence data also needs an Article 10 condition: see the programme's data protection policy",
            ),
            Field(
                "data_sharing",
                "Has the client agreed to data sharing with partner services?",
                "yesno",
                YES_NO,
            ),
            Field(
                "text_reminders",
                "Has the client agreed to text reminders of appointments?",
                "yesno",
                YES_NO,
                required=False,  # unanswered: no texts, as before this question was asked
                hint="A text the evening before and the morning of each appointment recorded on the "
                "case. It says the time, and the mentor's first name for a meeting with them: never "
                "what the appointment is for. Replying STOP ends them.",
            ),
            Field(
                "mobile",
                "Mobile number for the reminders",
                hint="A UK mobile number, for example 07700 900123",
                invalid="Enter a UK mobile number, like 07700 900123",
                missing="Enter the mobile number to send the reminders to",
                width="govuk-input--width-20",
                reveal_under=("text_reminders", ("yes",)),
            ),
        ),
    )


def _assessment(_options: StepOptions) -> Form:
    from throughgate.schemas import AssessmentIn

    fields: list[Field] = []
    for area in NeedArea:
        name = NEED_AREA_NAMES[area]
        fields.append(
            Field(
                f"needs.{area.value}.level",
                f"{name}: level of need",
                "radios",
                LEVELS,
                hint=LEVEL_HINT,
                missing=f"Select the level of need for {name[0].lower()}{name[1:]}",
            )
        )
        fields.append(Field(f"needs.{area.value}.notes", f"{name}: notes", "textarea", required=False))
    return Form("assessment", "Pre-release assessment", tuple(fields), AssessmentIn, check_answers=True)


def _readiness(_options: StepOptions) -> Form:
    from throughgate.schemas import ReadinessIn

    return Form(
        key="readiness",
        title="Readiness review",
        model=ReadinessIn,
        check_answers=True,
        fields=(
            Field("accommodation_confirmed", "Is the release-night address confirmed?", "yesno", YES_NO),
            Field("id_ready", "Are ID and a bank card ready?", "yesno", YES_NO),
            Field("medication_ready", "Is medication and a prescription ready?", "yesno", YES_NO),
            Field(
                "probation_appointment_booked", "Is the first probation appointment booked?", "yesno", YES_NO
            ),
            Field("notes", "Notes", "textarea", required=False),
        ),
    )


def _release_day(options: StepOptions) -> Form:
    """The checklist at the gate, asked under "Yes" (a mentor left waiting cannot know what the
    client came out with); what happened, under "No". The route safety check is asked only of a
    client who needs it, and then it must be answered."""
    from throughgate.schemas import ReleaseDayIn

    questions = (
        ("address_confirmed", "Is the release-night address confirmed?"),
        ("id_and_bank_card", "Are ID and a bank card in their personal items?"),
        ("phone", "Do they have a phone?"),
        ("medication", "Do they have their prescription and medication?"),
        ("probation_attended", "Did they get to the first probation appointment?"),
        ("universal_credit_booked", "Is the Universal Credit appointment booked?"),
        ("weekend_food_and_money", "Do they have food and money until services reopen?"),
    )
    met = (
        Field("met_at_gate", "Was the client met at the gate?", "yesno", YES_NO),
        Field(
            "not_met_reason",
            "What happened?",
            "radios",
            tuple((reason.value, words) for reason, words in NOT_MET_WORDS.items()),
            missing="Select what happened when the client was not met at the gate",
            invalid="Select what happened when the client was not met at the gate",
            reveal_under=("met_at_gate", ("no",)),
        ),
        Field(
            "not_met_details",
            "Details of what happened",
            "textarea",
            hint="What you know about where they are: who you spoke to, what they said. Needed if "
            "you chose something else",
            required=False,
            reveal_under=("met_at_gate", ("no",)),
        ),
    )
    met_only = ("met_at_gate", ("yes",))
    checks = tuple(Field(name, label, "yesno", YES_NO, reveal_under=met_only) for name, label in questions)
    route: tuple[Field, ...] = ()
    if options.route_check:
        route = (
            Field(
                "route_safety_checked",
                "Was the route from the gate safety-checked?",
                "yesno",
                YES_NO,
                hint=f"This client needs a route safety check: {options.route_check}.",
                reveal_under=met_only,
            ),
        )
    notes = Field(
        "notes",
        "Notes",
        "textarea",
        required=False,
        hint="Anything the coordinator should know about the day",
    )
    return Form(
        "release_day",
        "Release day: meet at the gate",
        (*met, *checks, *route, notes),
        ReleaseDayIn,
        check_answers=True,
    )


def _new_need(data: dict[str, Any], _raw: Mapping[str, Any]) -> dict[str, Any]:
    """Yes, a new need, with its area and level (asked only after a yes) -> the model's `new_needs`."""
    data.pop("new_need", None)
    area, level = data.pop("new_need_area", None), data.pop("new_need_level", None)
    if area:
        data["new_needs"] = {area: level}
    return data


def _check_in(_options: StepOptions) -> Form:
    from throughgate.schemas import CheckInIn

    under_yes = ("new_need", ("yes",))
    return Form(
        key="check_in",
        title="Check-in",
        model=CheckInIn,
        check_answers=True,
        prepare=_new_need,
        from_case=lambda case: {"number": case.check_in_number or 0},  # the one the workflow waits for
        fields=(
            Field("contact_made", "Did you make contact with the client?", "yesno", YES_NO),
            Field("new_need", "Has a new need come up?", "yesno", YES_NO),
            Field(
                "new_need_area",
                "Which area is the new need in?",
                "select",
                (("", "Choose an area"), *((a.value, NEED_AREA_NAMES[a]) for a in NeedArea)),
                missing="Select the area of the new need",
                reveal_under=under_yes,
            ),
            Field(
                "new_need_level",
                "Level of the new need",
                "radios",
                LEVELS[1:],
                hint=LEVEL_HINT.removeprefix("None: no help needed. "),
                missing="Select the level of the new need",
                reveal_under=under_yes,
            ),
            Field("notes", "Notes", "textarea", required=False),
        ),
    )


def _whole_number(name: str, digits: int) -> Callable[[dict[str, Any], Mapping[str, Any]], dict[str, Any]]:
    """A number comes back from a form as text; the model counts in integers. Plain digits (up to
    `digits` of them) become one; anything else is left for the model to refuse in its words."""
    shape = re.compile(rf"[0-9]{{1,{digits}}}")

    def prepare(data: dict[str, Any], _raw: Mapping[str, Any]) -> dict[str, Any]:
        value = data.get(name)
        if isinstance(value, str) and shape.fullmatch(value):
            data[name] = int(value)
        return data

    return prepare


def _task(_options: StepOptions) -> Form:
    from throughgate.schemas import TaskUpdateIn

    return Form(
        key="task",
        title="Update task",
        model=TaskUpdateIn,
        submit="Save",
        prepare=_whole_number("seen_updates", 6),  # the count of updates the form was opened with
        fields=(
            Field(
                "status",
                "Status",
                "radios",
                tuple((s.value, s.value.replace("_", " ").capitalize()) for s in TaskStatus),
                missing="Select the task's status",
            ),
            Field("note", "Note", "textarea", required=False),
        ),
    )


def _outcome(_options: StepOptions) -> Form:
    from throughgate.schemas import OutcomeIn

    return Form(
        key="outcome",
        title="12-month outcome",
        model=OutcomeIn,
        check_answers=True,
        caption="Proven re-offending within 12 months of release, with 6 months for court outcomes",
        fields=(
            Field(
                "proven_reoffending",
                "Was there a proven re-offence?",
                "yesno",
                YES_NO,
                hint="An offence in the 12 months after release, proven by a conviction or caution in those"
                " 12 months or the 6 after. A recall to prison is not a re-offence: answer no for a recall alone.",
            ),
            Field("housed", "Is the client in settled accommodation?", "yesno", YES_NO),
            Field("in_work_or_training", "Is the client in work or training?", "yesno", YES_NO),
        ),
    )


def _mentor_match(options: StepOptions) -> Form:
    """The suggestions, best first. A reason is asked for choosing anyone but the first suggestion
    and, on a case that has a mentor already, for any change of mentor (the rule is
    domain.matching.reason_needed's; the form asks for it up front)."""
    from throughgate.domain.matching import reason_needed
    from throughgate.schemas import MentorMatchIn

    first = options.mentors[0].mentor_id if options.mentors else None
    current = options.current_mentor
    needing = tuple(
        m.mentor_id
        for m in options.mentors
        if reason_needed(m.mentor_id, first, current.mentor_id if current else None)
    )
    if current:
        label = "Why is the mentor changing?"
        hint = f"{current.display_name} is the mentor now. Say why the case should move to someone else" + (
            ", or why not to the first suggestion" if current.mentor_id != first else ""
        )
        missing = "Enter why the mentor is changing"
    else:
        label = "Why not the first suggestion?"
        hint = "Needed only when you choose someone other than the first suggestion"
        missing = "Enter why you chose this mentor rather than the first suggestion"
    reason = Field(
        "override_reason",
        label,
        "textarea",
        hint=hint,
        missing=missing,
        reveal_under=("mentor_id", needing) if needing else None,
        required=bool(needing),
    )
    return Form(
        key="mentor_match",
        title="Change the mentor" if current else "Match a mentor",
        model=MentorMatchIn,
        check_answers=True,
        caption=(f"The mentor now is {current.display_name}. " if current else "")
        + "Suggestions are ranked by the matching rules; the first is the best match",
        fields=(
            Field(
                "mentor_id",
                "Mentor",
                "radios",
                tuple(
                    (
                        m.mentor_id,
                        f"{m.display_name}{' (the mentor now)' if current and m.mentor_id == current.mentor_id else ''}"
                        f" — {'; '.join(m.reasons)}",
                    )
                    for m in options.mentors
                ),
                missing="Select a mentor",
            ),
            *((reason,) if needing else ()),
        ),
    )


def _reassign(options: StepOptions) -> Form:
    """The matching's suggestions (those who pass the hard rules), best first, without the mentor
    the case has now."""
    from throughgate.schemas import ReassignIn

    current = options.current_mentor
    return Form(
        key="reassign",
        title="Reassign the case",
        model=ReassignIn,
        submit="Reassign the case",
        caption=(f"The mentor now is {current.display_name}. " if current else "")
        + "Mentors are listed best match first; only those who meet the matching rules are shown",
        fields=(
            Field(
                "mentor_id",
                "New mentor",
                "radios",
                tuple(
                    (m.mentor_id, f"{m.display_name} — {'; '.join(m.reasons)}")
                    for m in options.mentors
                    if current is None or m.mentor_id != current.mentor_id
                ),
                missing="Select the new mentor",
            ),
            Field(
                "reason",
                "Why is the case moving?",
                "textarea",
                missing="Enter why the case is moving to another mentor",
                hint="For example, the mentor is leaving or on long leave. Kept on the case for those who work it",
            ),
            Field(
                "handover_note",
                "Handover note to the new mentor",
                "textarea",
                required=False,
                hint="What they need to know to pick up the work: shown on the case to those who work it",
            ),
        ),
    )


def _circumstance(data: dict[str, Any], raw: Mapping[str, Any]) -> dict[str, Any]:
    """The form's submission id is the change's event id, so a resubmitted change applies once.
    Only the questions under the chosen change were read (the form engine drops the others)."""
    change = {"type": data.pop("type", None), "event_id": raw.get("submission_id")}
    new_release_on = data.pop("new_release_on", None) or data.pop("sentence_release_on", None)
    if new_release_on:
        change["new_release_on"] = new_release_on
    if "prison" in data:
        change["prison"] = data.pop("prison")
    return {"change": change}


def _circumstances(options: StepOptions) -> Form:
    from throughgate.schemas import CircumstanceIn

    kinds = tuple(CHANGE_WORDS.items())
    # A new sentence before release moves the release date; after release it is a return to custody.
    sentence_date = (
        Field(
            "sentence_release_on",
            "Release date for the new sentence",
            "date",
            hint="For example, 18 4 2027",
            missing="Enter the release date for the new sentence",
            invalid="The release date for the new sentence must be a real date",
            reveal_under=("type", ("new_sentence",)),
            answers="new_release_on",
        ),
    )
    return Form(
        key="circumstances",
        title="Change of circumstances",
        model=CircumstanceIn,
        check_answers=True,
        prepare=_circumstance,
        fields=(
            Field("type", "What has changed?", "radios", kinds),
            Field(
                "new_release_on",
                "New release date",
                "date",
                hint="For example, 18 4 2027",
                missing="Enter the new release date",
                invalid="The new release date must be a real date",
                reveal_under=("type", ("release_date_changed",)),
            ),
            *(sentence_date if options.before_release else ()),
            Field(
                "prison",
                "New prison",
                "select",
                _prison_options(),
                missing="Select the prison the client was moved to",
                invalid="Select the prison from the list",
                reveal_under=("type", ("transferred",)),
            ),
        ),
    )


def _handover(options: StepOptions) -> Form:
    from throughgate.schemas import HandoverIn

    outcomes = (("done", "Done"), ("declined", "Declined"), ("referred", "Referred to a community service"))
    states = (("sent", "Sent"), ("accepted", "Accepted"), ("rejected", "Rejected"), ("done", "Done"))
    fields: list[Field] = []
    for area in options.open_areas:
        name = NEED_AREA_NAMES[area]
        outcome = f"needs.{area.value}.outcome"
        fields += [
            Field(
                outcome,
                f"{name}: what happened to this need?",
                "radios",
                outcomes,
                missing=f"Select what happened to the need for {name[0].lower()}{name[1:]}",
            ),
            Field(
                f"needs.{area.value}.service",
                f"{name}: community service",
                hint="The service the client was referred to",
                missing=f"Enter the community service for {name[0].lower()}{name[1:]}",
                reveal_under=(outcome, ("referred",)),
            ),
            Field(
                f"needs.{area.value}.referral_state",
                f"{name}: where is the referral?",
                "radios",
                states,
                missing=f"Select where the referral is for {name[0].lower()}{name[1:]}",
                reveal_under=(outcome, ("referred",)),
            ),
        ]
    entry = dict(options.entry_levels)
    fields += [
        Field(
            f"exit_levels.{a.value}",
            f"{NEED_AREA_NAMES[a]}: level of need now",
            "radios",
            LEVELS,
            hint=(f"At the assessment: {entry[a].value.capitalize()}. " if a in entry else "") + LEVEL_HINT,
            missing=f"Select the level of need now for {NEED_AREA_NAMES[a][0].lower()}{NEED_AREA_NAMES[a][1:]}",
        )
        for a in NeedArea
    ]
    fields.append(Field("in_work_or_training", "Is the client in work or training?", "yesno", YES_NO))
    fields.append(
        Field(
            "gives_back",
            "Does the client want to give back, for example as a peer mentor?",
            "radios",
            tuple((answer.value, words) for answer, words in GIVE_BACK_WORDS.items()),
            required=False,  # unanswered: not asked
            missing="Select yes, no or not asked",
            hint="A note only: a peer-mentor pathway opens later, with their own consent, from the case page",
        )
    )
    return Form("handover", "Handover and exit assessment", tuple(fields), HandoverIn, check_answers=True)


def _restart(_options: StepOptions) -> Form:
    from throughgate.schemas import RestartIn

    return Form(
        key="restart",
        title="Restart the workflow",
        model=RestartIn,
        caption="The case's workflow has stopped, so nobody is being asked for its next step. "
        "Restarted, it picks up from the step the case is at: nothing recorded is lost, and the "
        "mentor and coordinators are told again what is due.",
        fields=(
            Field(
                "restart",
                "Restart the workflow now?",
                "yesno",
                YES_NO,
                missing="Select yes to restart the workflow, or no to leave it stopped",
            ),
        ),
    )


def _appointment(_options: StepOptions) -> Form:
    from throughgate.schemas import AppointmentIn

    return Form(
        key="appointment",
        title="Record an appointment",
        model=AppointmentIn,
        submit="Save appointment",
        fields=(
            Field(
                "kind",
                "What is the appointment?",
                "radios",
                tuple((kind.value, words) for kind, words in APPOINTMENT_WORDS.items()),
                hint="Record a check-in as a meeting with the mentor, once its time is arranged",
                missing="Select what the appointment is",
            ),
            Field(
                "on",
                "Date",
                "date",
                hint="For example, 27 3 2027",
                missing="Enter the date of the appointment",
                invalid="The date of the appointment must be a real date",
            ),
            Field(
                "at",
                "Time",
                hint="24-hour clock, for example 14:30",
                missing="Enter the time of the appointment",
                invalid="Enter the time like 09:30 or 14:30",
                width="govuk-input--width-5",
            ),
        ),
    )


def _erasure(_options: StepOptions) -> Form:
    from throughgate.schemas import ErasureIn

    return Form(
        key="erasure",
        title="Erase this case",
        model=ErasureIn,
        check_answers=True,
        caption="Erasure deletes everything held about the client and stops the plan. It cannot be "
        "undone; the audit trail of who accessed the case stays, without personal details.",
        fields=(
            Field(
                "reason",
                "Why is the case being erased?",
                "radios",
                (
                    ("subject_request", "The client asked for their data to be erased"),
                    ("consent_withdrawn", "The client withdrew consent and the data must go"),
                    ("recorded_in_error", "The referral was made in error"),
                ),
                missing="Select why the case is being erased",
            ),
            Field(
                "confirm_case_id",
                "Type the case id to confirm",
                hint="The full case id, as shown on the case page",
                missing="Enter the case id to confirm",
                invalid="Enter the case id exactly as shown on the case page",
            ),
        ),
    )


def _contact(_options: StepOptions) -> Form:
    from throughgate.schemas import ContactIn

    return Form(
        key="contact",
        title="Log a contact",
        model=ContactIn,
        submit="Save contact",
        prepare=_whole_number("minutes", 4),
        fields=(
            Field(
                "on",
                "When was it?",
                "date",
                hint="For example, 27 3 2027",
                missing="Enter the date of the contact",
                invalid="The date of the contact must be a real date",
            ),
            Field(
                "method",
                "How?",
                "radios",
                tuple((m.value, w) for m, w in CONTACT_METHOD_WORDS.items()),
                missing="Select how the contact was made",
            ),
            Field(
                "made",
                "Did you speak with the client?",
                "yesno",
                YES_NO,
                hint="Choose no for a missed call or a visit they did not come to",
            ),
            Field(
                "minutes",
                "How long, in minutes?",
                width="govuk-input--width-3",
                missing="Enter how long the contact took, in minutes",
                invalid="Enter how long it took as a number of minutes, from 1 to 600",
            ),
            Field(
                "areas",
                "Need areas talked about",
                "checkboxes",
                tuple((a.value, NEED_AREA_NAMES[a]) for a in NeedArea),
                required=False,
            ),
            Field("note", "Notes", "textarea", required=False, hint="What was said and agreed"),
        ),
    )


def _resolve(options: StepOptions) -> Form:
    from throughgate.schemas import ResolveEscalationIn

    return Form(
        key="resolve",
        title="Resolve an escalation",
        model=ResolveEscalationIn,
        submit="Resolve",
        caption="It stays on the case's timeline with your note. It resolves itself when its cause goes "
        "(a task done, a check-in recorded).",
        fields=(
            Field(
                "cause", "Which escalation?", "radios", options.escalations, missing="Select an escalation"
            ),
            Field(
                "note",
                "What was done about it",
                "textarea",
                missing="Enter what was done about it",
                hint="For example, who you spoke to and what was agreed",
            ),
        ),
    )


STAFF_ROLE_OPTIONS = (
    ("coordinator", "Coordinator: takes referrals, matches mentors, manages staff"),
    ("mentor", "Mentor: works the cases assigned to them"),
    ("manager", "Manager: reads everything, changes nothing"),
)
USERNAME_WORDS = (
    "Enter a username of 8 to 60 lower-case letters, numbers, hyphens or underscores, like mentor-0012"
)


def _staff(_options: StepOptions) -> Form:
    from throughgate.schemas import StaffIn

    return Form(
        key="staff",
        title="Add a person",
        model=StaffIn,
        submit="Add and send the invitation",
        caption="They get an e-mail with a temporary password and set their own when they first sign in.",
        fields=(
            Field(
                "display_name",
                "Name",
                hint="As colleagues know them. Shown to staff only.",
                missing="Enter their name",
                width="govuk-input--width-20",
            ),
            Field(
                "username",
                "Username",
                hint="A staff id, not their name: it appears in addresses and records. For example, mentor-0012",
                missing="Enter a username",
                invalid=USERNAME_WORDS,
                width="govuk-input--width-20",
            ),
            Field(
                "email",
                "E-mail address",
                hint="Their invitation goes here",
                missing="Enter their e-mail address",
                invalid="Enter an e-mail address in the correct format, like name@example.org",
            ),
            Field("role", "Role", "radios", STAFF_ROLE_OPTIONS, missing="Select their role"),
        ),
    )


def _pathway(_options: StepOptions) -> Form:
    from throughgate.domain.pathway import CONSENT_HOW_WORDS
    from throughgate.schemas import PathwayOpenIn

    return Form(
        key="pathway",
        title="Open a peer-mentor pathway",
        model=PathwayOpenIn,
        submit="Open the pathway",
        caption="The pathway is the person's own record, kept with their own consent, apart from "
        "this case: it stays when the case is anonymised or erased. They can withdraw at any time; "
        "the name they chose and every note are then deleted.",
        fields=(
            Field(
                "consent_given",
                "Has the person agreed to a peer-mentor pathway record being kept about them?",
                "yesno",
                YES_NO,
                missing="Select yes if the person agreed to a pathway record, or no if they did not",
                hint="Ask them yourself: a wish to give back, recorded when the case closed, is not consent",
            ),
            Field(
                "consent_on",
                "When did they agree?",
                "date",
                hint="For example, 27 3 2027",
                missing="Enter the date they agreed",
                invalid="The date they agreed must be a real date",
            ),
            Field(
                "consent_how",
                "How did they agree?",
                "radios",
                tuple((how.value, words) for how, words in CONSENT_HOW_WORDS.items()),
                missing="Select how they agreed",
            ),
            Field(
                "display_name",
                "What name do they want to be known by on the pathway?",
                hint="The name they chose. Only coordinators see it",
                missing="Enter the name they want to be known by",
                invalid="Enter the name in 60 characters or fewer, on one line",
                width="govuk-input--width-20",
            ),
            Field("note", "Notes", "textarea", required=False, hint="For example, what they hope to do"),
        ),
    )


def pathway_move_form(to: PathwayStage) -> Form:
    """The move to `to`, asking the coordinator each criterion the programme does not record
    (catalogue/pathway.json); the date of the move decides the others."""
    from throughgate.domain.pathway import CriterionKind, load_pathway_criteria
    from throughgate.schemas import PathwayMoveIn

    confirmed = [c for c in load_pathway_criteria().get(to, ()) if c.kind is CriterionKind.CONFIRMED]
    return Form(
        key="pathway_move",
        title=to.move_words,
        model=PathwayMoveIn,
        submit=to.move_words,
        fields=(
            Field(
                "on",
                "Date of the move",
                "date",
                hint="For example, 27 3 2027. The criteria are measured on this date",
                missing="Enter the date of the move",
                invalid="The date of the move must be a real date",
            ),
            *(
                Field(
                    f"checks.{c.key}",
                    c.question,
                    "yesno",
                    YES_NO,
                    required=c.hard,
                    hint="Needed for the move: answering no stops it"
                    if c.hard
                    else "Advisory: the move can go ahead without it",
                )
                for c in confirmed
            ),
            Field("note", "Notes", "textarea", required=False, hint="For example, how the training went"),
        ),
    )


def pathway_withdraw_form() -> Form:
    from throughgate.schemas import PathwayMoveIn

    return Form(
        key="pathway_withdraw",
        title="Withdraw from the pathway",
        model=PathwayMoveIn,
        submit="Withdraw from the pathway",
        caption="Use this when the person withdraws their consent. The pathway ends, and the name they "
        "chose and every note are deleted; the stages and their dates stay, without a name, for the "
        "programme's counts.",
        fields=(
            Field(
                "on",
                "When did they withdraw their consent?",
                "date",
                hint="For example, 27 3 2027",
                missing="Enter the date they withdrew their consent",
                invalid="The date they withdrew their consent must be a real date",
            ),
        ),
    )


# -- mentors' records (logic.mentors) ------------------------------------------------------------------
def _listed(*names: str) -> Callable[[dict[str, Any], Mapping[str, Any]], dict[str, Any]]:
    """Text typed as a list ("Southwark, Lambeth") -> the model's list, each item trimmed."""

    def prepare(data: dict[str, Any], _raw: Mapping[str, Any]) -> dict[str, Any]:
        for name in names:
            if isinstance(data.get(name), str):
                data[name] = [item.strip() for item in data[name].split(",") if item.strip()]
            elif name in data:  # the field posted twice: no browser of ours sends that
                data[name] = None
        return data

    return prepare


def _mentor_profile_data(data: dict[str, Any], raw: Mapping[str, Any]) -> dict[str, Any]:
    data = _whole_number("capacity", 2)(
        _listed("boroughs", "linked_areas", "avoid_areas", "languages")(data, raw), raw
    )
    data["clearances"] = [
        {"prison": code, "expires_on": expires} for code, expires in sorted(data.pop("clearance", {}).items())
    ]
    return data


AVAILABILITY_OPTIONS = (("active", "Active"), ("paused", "Paused"), ("on_leave", "On leave"))
LIST_HINT = "Separate each with a comma"


def _mentor_profile(_options: StepOptions) -> Form:
    from throughgate.domain.catalogue import prisons_by_name
    from throughgate.schemas import MentorProfileIn

    return Form(
        key="mentor_profile",
        title="Mentor profile",
        model=MentorProfileIn,
        submit="Save profile",
        prepare=_mentor_profile_data,
        fields=(
            Field("display_name", "Name shown to staff", width="govuk-input--width-20"),
            Field("gender", "Gender", "radios", GENDERS, missing="Select the mentor's gender"),
            Field("boroughs", "Boroughs they work in", hint=LIST_HINT, missing="Enter at least one borough"),
            Field(
                "capacity",
                "Most cases at a time",
                hint="A whole number from 1 to 30",
                width="govuk-input--width-3",
                invalid="Enter the most cases at a time as a whole number from 1 to 30",
            ),
            Field(
                "lived_experience",
                "Lived experience",
                "checkboxes",
                tuple((a.value, NEED_AREA_NAMES[a]) for a in NeedArea),
                hint="The areas the mentor has been through themselves",
                required=False,
            ),
            Field(
                "linked_areas",
                "Areas the mentor is linked to",
                hint=f"A client who must avoid one of these is not matched with them. {LIST_HINT}",
                required=False,
            ),
            Field(
                "avoid_areas",
                "Areas they must not be linked to",
                hint=f"A client from one of these is not matched with them. {LIST_HINT}",
                required=False,
            ),
            Field("languages", "Languages", hint=LIST_HINT, required=False),
            Field(
                "availability",
                "Availability",
                "radios",
                AVAILABILITY_OPTIONS,
                hint="Paused or on leave: not offered for new cases",
                missing="Select the mentor's availability",
            ),
            Field(
                "on_leave_until",
                "Last day of the leave",
                "date",
                hint="For example, 12 1 2027. They are offered for new cases again the day after",
                missing="Enter the last day of the leave",
                reveal_under=("availability", ("on_leave",)),
            ),
            *(
                Field(
                    f"clearance.{code}",
                    f"{name}: clearance expires",
                    "date",
                    hint="Leave blank if the mentor has no clearance for this prison",
                    required=False,
                )
                for code, name in prisons_by_name()
            ),
        ),
    )


def _supervision(_options: StepOptions) -> Form:
    from throughgate.schemas import SupervisionIn

    every = load_programme().supervision_every_days
    return Form(
        key="supervision",
        title="Record a supervision",
        model=SupervisionIn,
        submit="Save supervision",
        fields=(
            Field(
                "held_on",
                "When was it?",
                "date",
                hint="For example, 27 3 2027",
                missing="Enter the date of the supervision",
                invalid="The date of the supervision must be a real date",
            ),
            Field(
                "note",
                "Notes",
                "textarea",
                missing="Enter notes of the supervision",
                hint="What was discussed and agreed. Only coordinators and the mentor can read them",
            ),
            Field(
                "next_due_on",
                "When is the next one due?",
                "date",
                required=False,
                hint=f"Leave it empty for {every} days after this one",
                invalid="The next supervision date must be a real date",
            ),
        ),
    )


def _mentor_check(_options: StepOptions) -> Form:
    from throughgate.domain.catalogue import load_mentor_checks
    from throughgate.domain.mentors import OUTCOME_WORDS
    from throughgate.schemas import MentorCheckIn

    catalogue = load_mentor_checks()
    levels = tuple(level for kind in catalogue.kinds for level in kind.levels)
    return Form(
        key="mentor_check",
        title="Record a check",
        model=MentorCheckIn,
        submit="Save check",
        prepare=_listed("avoid_areas"),
        fields=(
            Field(
                "kind",
                "Check",
                "radios",
                tuple((k.key, k.name) for k in catalogue.kinds),
                missing="Select the check",
            ),
            Field(
                "level",
                "Level of the criminal records check",
                "radios",
                levels,
                reveal_under=("kind", tuple(k.key for k in catalogue.kinds if k.levels)),
                missing="Select the level of the criminal records check",
            ),
            Field(
                "checked_on",
                "Date of the check",
                "date",
                hint="For example, 3 11 2026",
                missing="Enter the date of the check",
            ),
            Field(
                "expires_on",
                "Expiry date",
                "date",
                hint="Leave blank to use the usual validity for this check",
                required=False,
            ),
            Field(
                "outcome",
                "Outcome",
                "radios",
                tuple((o.value, words) for o, words in OUTCOME_WORDS.items()),
                missing="Select the outcome",
            ),
            Field(
                "conditions",
                "Conditions",
                "textarea",
                hint="What the mentor was cleared on condition of, for example areas or people to avoid",
                reveal_under=("outcome", ("cleared_with_conditions",)),
                missing="Enter the conditions the mentor was cleared with",
            ),
            Field(
                "avoid_areas",
                "Areas the conditions keep them from",
                hint=f"A client from one of these is not matched with them. {LIST_HINT}",
                reveal_under=("outcome", ("cleared_with_conditions",)),
                required=False,
            ),
        ),
    )


def _mentor_training(_options: StepOptions) -> Form:
    from throughgate.domain.catalogue import load_mentor_checks
    from throughgate.schemas import TrainingIn

    return Form(
        key="mentor_training",
        title="Record training",
        model=TrainingIn,
        submit="Save training",
        prepare=_hours,
        fields=(
            Field(
                "attended_on",
                "Date of the session",
                "date",
                hint="For example, 3 11 2026",
                missing="Enter the date of the session",
            ),
            Field(
                "title",
                "Title",
                hint=f"The programme's sessions: {'; '.join(load_mentor_checks().training_titles)}. Or another title",
                width="govuk-input--width-30",
                missing="Enter the title of the session",
            ),
            Field(
                "hours",
                "Hours",
                hint="In hours and quarters, for example 2.5",
                width="govuk-input--width-4",
                missing="Enter the hours of the session",
                invalid="Enter the hours as a number from 0.25 to 40, in quarters of an hour",
            ),
        ),
    )


_HOURS = re.compile(r"[0-9]{1,2}(\.[0-9]{1,2})?")


def _hours(data: dict[str, Any], _raw: Mapping[str, Any]) -> dict[str, Any]:
    value = data.get("hours")
    if isinstance(value, str) and _HOURS.fullmatch(value):
        data["hours"] = float(value)
    return data


FORMS: dict[str, Callable[[StepOptions], Form]] = {
    "referral": _referral,
    "consent": _consent,
    "assessment": _assessment,
    "mentor_match": _mentor_match,
    "task": _task,
    "readiness": _readiness,
    "release_day": _release_day,
    "check_in": _check_in,
    "handover": _handover,
    "outcome": _outcome,
    "circumstances": _circumstances,
    "resolve": _resolve,
    "reassign": _reassign,
    "supervision": _supervision,
    "contact": _contact,
    "restart": _restart,
    "appointment": _appointment,
    "erasure": _erasure,
    "staff": _staff,
    "pathway": _pathway,
    "mentor_profile": _mentor_profile,
    "mentor_check": _mentor_check,
    "mentor_training": _mentor_training,
}


def form(key: str, options: StepOptions | None = None) -> Form:
    """The referral, or a case step's form by its key; `options` as the step's case offers them."""
    return FORMS[key](options or StepOptions())


# -- volunteer hours and expenses (not case steps: each mentor's own pages) -------------------------
def _time_numbers(data: dict[str, Any], _raw: Mapping[str, Any]) -> dict[str, Any]:
    """Hours, miles and pounds as people type them, into the model's minutes, miles and pence; a
    value that is not one (or would need rounding) is left for the model to refuse in its words."""
    from throughgate.domain.volunteering import minutes_from_hours, pence_from_pounds

    converters: dict[str, Callable[[str], int | None]] = {
        "minutes": minutes_from_hours,
        "miles": lambda text: int(text) if re.fullmatch(r"[0-9]{1,5}", text) else None,
        "fares_pence": pence_from_pounds,
        "expense_pence": pence_from_pounds,
    }
    for name, convert in converters.items():
        value = data.get(name)
        if isinstance(value, str) and (number := convert(value)) is not None:
            data[name] = number
    return data


def time_entry_form(cases: list[tuple[str, str]], *, change: bool = False) -> Form:
    """A mentor's time: what for (one of their cases, chosen from a list, or a catalogue activity),
    how long, how they travelled, and any other expense."""
    from throughgate.domain.volunteering import CASE_WORK, CASE_WORK_WORDS, volunteering_rules
    from throughgate.schemas import TimeEntryIn

    rules = volunteering_rules()
    by_mile = tuple(mode.key for mode in rules.travel_modes if mode.mileage)
    by_fare = tuple(mode.key for mode in rules.travel_modes if mode.fares)
    activities = ((CASE_WORK, CASE_WORK_WORDS),) if cases else ()
    case_question = (
        Field(
            "case_id",
            "Which client?",
            "radios",
            tuple(cases),
            reveal_under=("activity", (CASE_WORK,)),
            missing="Choose one of your cases",
        ),
    )
    return Form(
        key="time",
        title="Change this time" if change else "Record time and expenses",
        model=TimeEntryIn,
        submit="Save changes" if change else "Save time",
        prepare=_time_numbers,
        caption="Keep your tickets and receipts for the coordinator: they are not uploaded here.",
        fields=(
            Field(
                "on",
                "Date",
                "date",
                hint="For example, 3 11 2026",
                missing="Enter the date of the work",
                invalid="The date must be a real date",
            ),
            Field(
                "activity",
                "What was it for?",
                "radios",
                activities + rules.activities,
                missing="Choose one of your cases, or training" if cases else "Choose what the time was for",
            ),
            *(case_question if cases else ()),
            Field(
                "minutes",
                "Hours",
                hint="In quarter hours, like 0.25, 1.5 or 2",
                width="govuk-input--width-4",
                missing="Enter the hours, like 1.5",
                invalid="Enter the hours, like 1.5",
            ),
            Field(
                "travel_mode",
                "How did you travel?",
                "radios",
                tuple((mode.key, mode.name) for mode in rules.travel_modes),
                missing="Choose how you travelled",
            ),
            Field(
                "miles",
                "Miles there and back",
                hint=f"Paid at {rules.mileage_pence_per_mile}p a mile. Whole miles, like 12",
                width="govuk-input--width-4",
                reveal_under=("travel_mode", by_mile),
                missing="Enter the miles, like 12",
                invalid="Enter the miles as a whole number, like 12",
            ),
            Field(
                "fares_pence",
                "Fares, in pounds",
                hint="For example, 4.80",
                width="govuk-input--width-5",
                required=False,
                reveal_under=("travel_mode", by_fare),
                invalid="Enter the fares in pounds, like 4.80",
            ),
            Field(
                "expense_pence",
                "Other expenses, in pounds",
                hint="For example, 6.50 for lunch on a training day",
                width="govuk-input--width-5",
                required=False,
                invalid="Enter the expense in pounds, like 6.50",
            ),
            Field(
                "expense_note",
                "What was the expense for?",
                required=False,
                hint="A few words. Do not write the client's name",
            ),
        ),
    )


def time_answers(entry: TimeEntry) -> dict[str, str | list[str]]:
    """A saved entry as its form's answers, to change it: hours and pounds as people type them."""
    from throughgate.domain.volunteering import hours_words, pence_as_pounds

    answers: dict[str, str | list[str]] = {
        "on-day": str(entry.on.day),
        "on-month": str(entry.on.month),
        "on-year": str(entry.on.year),
        "activity": entry.activity,
        "minutes": hours_words(entry.minutes),
        "travel_mode": entry.travel_mode,
        "expense_note": entry.expense_note,
    }
    if entry.case_id:
        answers["case_id"] = entry.case_id
    for name, pence in (("fares_pence", entry.fares_pence), ("expense_pence", entry.expense_pence)):
        if pence:
            answers[name] = pence_as_pounds(pence)
    if entry.miles:
        answers["miles"] = str(entry.miles)
    return answers


def time_query_form() -> Form:
    from throughgate.schemas import TimeQueryIn

    return Form(
        key="time_query",
        title="Query this time",
        model=TimeQueryIn,
        submit="Send the query",
        caption="The mentor sees your question on their time sheet, and answers by changing or "
        "withdrawing the entry.",
        fields=(
            Field(
                "reason",
                "What needs checking?",
                "textarea",
                hint="For example, the fares look high for this journey: is there a receipt?",
                missing="Enter what needs checking",
            ),
        ),
    )
