"""Forms as data: each field's label, control and error wording, and the mapping from posted
fields to the typed input model the logic takes. One template renders any of them.

Errors follow the GOV.UK pattern: an error summary plus a message on the field, in plain words
that say what to do; the value a person typed is always shown back, never lost. A choice must be one
of the options offered and a date part plain digits; the model is then validated from JSON, as the
API validates its bodies, so both boundaries apply the same strict rules.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from throughgate.domain.needs import NEED_AREA_NAMES, Level, NeedArea, TaskStatus

if TYPE_CHECKING:
    # Importing BaseModel loads pydantic's model machinery; each form imports its own model (from
    # throughgate.schemas) when it is built, so pages without a form never pay for it.
    from pydantic import BaseModel

YES_NO = (("yes", "Yes"), ("no", "No"))
LEVELS = tuple((level.value, level.value.capitalize()) for level in Level)
GENDERS = (("female", "Female"), ("male", "Male"), ("non_binary", "Non-binary"), ("other", "Other"))
CHOICES = frozenset({"radios", "yesno", "select"})
_DATE_PARTS = (
    ("day", re.compile(r"[0-9]{1,2}")),
    ("month", re.compile(r"[0-9]{1,2}")),
    ("year", re.compile(r"[0-9]{4}")),
)


@dataclass(frozen=True)
class Field:
    name: str  # dotted path into the input model, e.g. "client.given_name"
    label: str
    kind: str = "text"  # text, textarea, date, radios, yesno, select, hidden
    options: tuple[tuple[str, str], ...] = ()
    hint: str = ""
    required: bool = True
    missing: str = ""  # what to say when it is left empty
    invalid: str = ""  # what to say when it is in the wrong form
    width: str = ""
    legend_size: str = "s"

    @property
    def id(self) -> str:
        return self.name.replace(".", "-")

    def message_for_missing(self) -> str:
        if self.missing:
            return self.missing
        if self.kind == "yesno":
            return f"Select yes or no: {self.label[0].lower()}{self.label[1:]}"
        verb = "Select" if self.kind in {"radios", "select"} else "Enter"
        return f"{verb} {self.label[0].lower()}{self.label[1:].rstrip('?')}"


@dataclass(frozen=True)
class Form:
    key: str
    title: str
    fields: tuple[Field, ...]
    model: type[BaseModel]
    submit: str = "Continue"
    check_answers: bool = False  # a gate form: confirm on a check-your-answers page first
    caption: str = ""
    # (form fields, the whole post) -> model shape
    prepare: Callable[[dict[str, Any], Mapping[str, Any]], dict[str, Any]] | None = None


@dataclass
class Submission:
    """What was posted, the model if it was valid, and errors keyed by field id otherwise."""

    raw: dict[str, str | list[str]]
    model: BaseModel | None = None
    errors: dict[str, str] = field(default_factory=dict)


def _date_value(raw: Mapping[str, Any], name: str) -> str | None:
    parts = [raw.get(f"{name}-{part}", "") for part, _shape in _DATE_PARTS]
    parts = [p.strip() if isinstance(p, str) else p for p in parts]
    if not any(parts):
        return None
    # int() would also take "1_0", "+5" or another script's digits: a date part is plain digits.
    if not all(
        isinstance(p, str) and shape.fullmatch(p)
        for p, (_part, shape) in zip(parts, _DATE_PARTS, strict=True)
    ):
        return "invalid"
    day, month, year = (int(p) for p in parts)
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return "invalid"


def _field_value(spec: Field, raw: Mapping[str, Any]) -> Any:
    if spec.kind == "date":
        return _date_value(raw, spec.name)
    value = raw.get(spec.name)
    value = value.strip() if isinstance(value, str) else value
    return None if value == "" else value


def _assign(target: dict[str, Any], dotted: str, value: Any) -> None:
    *parents, leaf = dotted.split(".")
    for part in parents:
        target = target.setdefault(part, {})
    target[leaf] = value


def parse(form: Form, raw: Mapping[str, Any], extra: Mapping[str, Any] | None = None) -> Submission:
    submission = Submission(raw={k: v for k, v in raw.items() if isinstance(v, str | list)})
    data: dict[str, Any] = dict(extra or {})
    for f in form.fields:
        value = _field_value(f, raw)
        if value == "invalid":
            submission.errors[f.id] = f.invalid or f"{f.label} must be a real date"
            continue
        if value is None:
            if f.required:
                submission.errors[f.id] = f.message_for_missing()
            continue
        if f.kind in CHOICES and value not in tuple(option for option, _text in f.options):
            # Only a forged post sends a choice that was not offered (or the same field twice).
            submission.errors[f.id] = f.message_for_missing()
            continue
        if f.kind == "yesno":
            value = value == "yes"
        _assign(data, f.name, value)
    answered = not submission.errors  # every field could be read, so rules across fields apply too
    if form.prepare:
        data = form.prepare(data, raw)
    try:
        model = form.model.model_validate_json(json.dumps(data))
    except ValidationError as error:
        _add_model_errors(form, error, submission.errors, across_fields=answered)
        return submission
    if answered:
        submission.model = model
    return submission


def _add_model_errors(
    form: Form, error: ValidationError, errors: dict[str, str], *, across_fields: bool
) -> None:
    """Each problem on its field, unless the field has one already, so that every mistake shows at
    once. A rule across fields (e.g. "assess every area") goes on the first field."""
    by_id = {f.id: f for f in form.fields}
    by_name = {f.name: f for f in form.fields}
    for problem in error.errors(include_input=False, include_url=False):
        loc = [str(part) for part in problem["loc"]]
        # A prepared model may nest a field deeper (change.transferred.prison): its last part names it.
        spec = by_id.get("-".join(loc)) or (by_name.get(loc[-1]) if loc else None)
        if spec is not None:
            errors.setdefault(spec.id, spec.invalid or _plain_message(spec, problem))
        elif across_fields:
            errors.setdefault(form.fields[0].id, str(problem["msg"]).removeprefix("Value error, "))


def _plain_message(spec: Field, problem: Mapping[str, Any]) -> str:
    kind = problem["type"]
    context = problem.get("ctx") or {}
    if kind == "string_too_long":
        return f"{spec.label} must be {context.get('max_length')} characters or fewer"
    if kind in {"enum", "literal_error", "bool_parsing", "missing"}:
        return spec.message_for_missing()
    if kind == "value_error":
        return str(problem["msg"]).removeprefix("Value error, ")
    return f"Enter {spec.label[0].lower()}{spec.label[1:]} in the right format"


# -- the forms -------------------------------------------------------------------------------------
def _referral() -> Form:
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
                "Prison code",
                hint="3 capital letters, for example BXI",
                width="govuk-input--width-4",
                invalid="Enter the prison's 3-letter code, like BXI",
            ),
            Field("release_on", "Release date", "date", hint="For example, 18 4 2027"),
            Field("client.gender", "Gender", "radios", GENDERS),
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


def _consent() -> Form:
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
        ),
    )


def _assessment() -> Form:
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
                missing=f"Select the level of need for {name.lower()}",
            )
        )
        fields.append(Field(f"needs.{area.value}.notes", f"{name}: notes", "textarea", required=False))
    return Form("assessment", "Pre-release assessment", tuple(fields), AssessmentIn, check_answers=True)


def _readiness() -> Form:
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


def _release_day() -> Form:
    from throughgate.schemas import ReleaseDayIn

    questions = (
        ("met_at_gate", "Was the client met at the gate?"),
        ("address_confirmed", "Is the release-night address confirmed?"),
        ("id_and_bank_card", "Are ID and a bank card in their personal items?"),
        ("phone", "Do they have a phone?"),
        ("medication", "Do they have their prescription and medication?"),
        ("probation_attended", "Did they get to the first probation appointment?"),
        ("universal_credit_booked", "Is the Universal Credit appointment booked?"),
        ("weekend_food_and_money", "Do they have food and money until services reopen?"),
    )
    fields = tuple(Field(name, label, "yesno", YES_NO) for name, label in questions)
    route = Field(
        "route_safety_checked",
        "Was the route safety-checked?",
        "yesno",
        YES_NO,
        required=False,
        hint="Needed for a client with a gang or peer safety risk",
    )
    return Form(
        "release_day", "Release day: meet at the gate", (*fields, route), ReleaseDayIn, check_answers=True
    )


def _new_need(data: dict[str, Any], _raw: Mapping[str, Any]) -> dict[str, Any]:
    area, level = data.pop("new_need_area", None), data.pop("new_need_level", None)
    if area:
        data["new_needs"] = {area: level or "medium"}
    return data


def _check_in() -> Form:
    from throughgate.schemas import CheckInIn

    return Form(
        key="check_in",
        title="Check-in",
        model=CheckInIn,
        check_answers=True,
        prepare=_new_need,
        fields=(
            Field("contact_made", "Did you make contact with the client?", "yesno", YES_NO),
            Field(
                "new_need_area",
                "Has a new need come up?",
                "select",
                (("", "No new need"), *((a.value, NEED_AREA_NAMES[a]) for a in NeedArea)),
                required=False,
            ),
            Field("new_need_level", "Level of the new need", "radios", LEVELS[1:], required=False),
            Field("notes", "Notes", "textarea", required=False),
        ),
    )


def _seen_updates(data: dict[str, Any], _raw: Mapping[str, Any]) -> dict[str, Any]:
    """The count of updates the form was opened with comes back as text; the model counts in
    integers (anything but plain digits is left for the model to refuse)."""
    seen = data.get("seen_updates")
    if isinstance(seen, str) and re.fullmatch(r"[0-9]{1,6}", seen):
        data["seen_updates"] = int(seen)
    return data


def _task() -> Form:
    from throughgate.schemas import TaskUpdateIn

    return Form(
        key="task",
        title="Update task",
        model=TaskUpdateIn,
        submit="Save",
        prepare=_seen_updates,
        fields=(
            Field(
                "status",
                "Status",
                "radios",
                tuple((s.value, s.value.replace("_", " ").capitalize()) for s in TaskStatus),
            ),
            Field("note", "Note", "textarea", required=False),
        ),
    )


def _outcome() -> Form:
    from throughgate.schemas import OutcomeIn

    return Form(
        key="outcome",
        title="12-month outcome",
        model=OutcomeIn,
        check_answers=True,
        caption="Proven re-offending within 12 months of release, with 6 months for court outcomes",
        fields=(
            Field("proven_reoffending", "Was there a proven re-offence?", "yesno", YES_NO),
            Field("housed", "Is the client in settled accommodation?", "yesno", YES_NO),
            Field("in_work_or_training", "Is the client in work or training?", "yesno", YES_NO),
        ),
    )


def mentor_match(options: tuple[tuple[str, str], ...]) -> Form:
    from throughgate.schemas import MentorMatchIn

    return Form(
        key="mentor_match",
        title="Match a mentor",
        model=MentorMatchIn,
        check_answers=True,
        caption="Suggestions are ranked by the matching rules; the first is the best match",
        fields=(
            Field("mentor_id", "Mentor", "radios", options, missing="Select a mentor"),
            Field(
                "override_reason",
                "Reason for choosing someone other than the first suggestion",
                "textarea",
                required=False,
                hint="Needed only when you override the suggestion",
            ),
        ),
    )


def _circumstance(data: dict[str, Any], raw: Mapping[str, Any]) -> dict[str, Any]:
    """The form's submission id is the change's event id, so a resubmitted change applies once."""
    change = {"type": data.pop("type", None), "event_id": raw.get("submission_id")}
    if change["type"] in {"release_date_changed", "new_sentence"} and data.get("new_release_on"):
        change["new_release_on"] = data.pop("new_release_on")
    if change["type"] == "transferred":
        change["prison"] = data.pop("prison", None)
    return {"change": change}


def circumstances() -> Form:
    from throughgate.schemas import CircumstanceIn

    kinds = (
        ("release_date_changed", "Release date changed"),
        ("new_sentence", "New sentence"),
        ("recalled", "Recalled to prison"),
        ("transferred", "Transferred to another prison"),
        ("disengaged", "Disengaged"),
        ("consent_withdrawn", "Consent withdrawn"),
        ("died", "Died"),
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
                required=False,
                hint="For a changed release date or a new sentence before release",
            ),
            Field(
                "prison",
                "New prison code",
                required=False,
                width="govuk-input--width-4",
                hint="For a transfer: 3 capital letters",
                invalid="Enter the prison's 3-letter code, like BXI",
            ),
        ),
    )


def _handover_shape(data: dict[str, Any], _raw: Mapping[str, Any]) -> dict[str, Any]:
    for need in (data.get("needs") or {}).values():
        if need.get("outcome") != "referred":
            need.pop("service", None)
            need.pop("referral_state", None)
    return data


def handover(open_areas: tuple[NeedArea, ...]) -> Form:
    from throughgate.schemas import HandoverIn

    outcomes = (("done", "Done"), ("declined", "Declined"), ("referred", "Referred to a community service"))
    states = (("sent", "Sent"), ("accepted", "Accepted"), ("rejected", "Rejected"), ("done", "Done"))
    fields: list[Field] = []
    for area in open_areas:
        name = NEED_AREA_NAMES[area]
        fields += [
            Field(f"needs.{area.value}.outcome", f"{name}: what happened to this need?", "radios", outcomes),
            Field(f"needs.{area.value}.service", f"{name}: community service", required=False),
            Field(
                f"needs.{area.value}.referral_state",
                f"{name}: referral state",
                "radios",
                states,
                required=False,
            ),
        ]
    fields += [
        Field(f"exit_levels.{a.value}", f"{NEED_AREA_NAMES[a]}: level of need now", "radios", LEVELS)
        for a in NeedArea
    ]
    fields.append(Field("in_work_or_training", "Is the client in work or training?", "yesno", YES_NO))
    return Form(
        "handover",
        "Handover and exit assessment",
        tuple(fields),
        HandoverIn,
        check_answers=True,
        prepare=_handover_shape,
    )


def _erasure() -> Form:
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
            ),
            Field(
                "confirm_case_id",
                "Type the case id to confirm",
                hint="The full case id, as shown on the case page",
                invalid="Enter the case id exactly as shown on the case page",
            ),
        ),
    )


FORMS = {
    "erasure": _erasure,
    "referral": _referral,
    "consent": _consent,
    "assessment": _assessment,
    "readiness": _readiness,
    "release_day": _release_day,
    "check_in": _check_in,
    "task": _task,
    "outcome": _outcome,
}


def form(key: str) -> Form:
    return FORMS[key]()
