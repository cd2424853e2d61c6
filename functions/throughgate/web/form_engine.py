"""The form engine: a form as data (each field's label, control and error wording) and the mapping
from posted fields to the typed input model the logic takes. One template renders any form; the
forms themselves are in throughgate.web.forms.

Errors follow the GOV.UK pattern: an error summary plus a message on the field, in plain words
that say what to do; the value a person typed is always shown back, never lost. A choice must be one
of the options offered and a date part plain digits; the model is then validated from JSON, as the
API validates its bodies, so both boundaries apply the same strict rules.

A follow-up question is asked only when it applies (GOV.UK's conditional reveal): a field with
`reveal_under=("type", ("transferred",))` is drawn inside that option of the "type" radios, read only
when that option is chosen (its `required` then applies) and otherwise ignored: not checked, not
kept, not shown on the check-your-answers page. A field under several options (a reason for any
mentor but the first suggestion) is drawn once, after its question, with the same rules.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from throughgate.domain.schedule import long_date

if TYPE_CHECKING:
    # Importing BaseModel loads pydantic's model machinery; each form imports its own model (from
    # throughgate.schemas) when it is built, so pages without a form never pay for it.
    from pydantic import BaseModel

    from throughgate.domain.case import Case

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
    kind: str = "text"  # text, textarea, date, radios, yesno, select, checkboxes, hidden
    options: tuple[tuple[str, str], ...] = ()
    hint: str = ""
    required: bool = True
    missing: str = ""  # what to say when it is left empty
    invalid: str = ""  # what to say when it is in the wrong form
    width: str = ""
    legend_size: str = "s"
    # Asked only when the radios or yes/no field named first is answered with one of these options.
    reveal_under: tuple[str, tuple[str, ...]] | None = None
    # The model field this answers when its name differs (two questions under two options that fill
    # the same field): where a logic error about that model field is shown.
    answers: str = ""

    @property
    def id(self) -> str:
        return self.name.replace(".", "-")

    @property
    def shown_label(self) -> str:
        """GOV.UK's pattern: mark the questions a person may leave out, not the ones they must answer."""
        return self.label if self.required else f"{self.label} (optional)"

    @property
    def posted_names(self) -> tuple[str, ...]:
        if self.kind == "date":
            return tuple(f"{self.name}-{part}" for part, _shape in _DATE_PARTS)
        return (self.name,)

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
    # Values the form takes from the case rather than the person (e.g. which check-in is due)
    from_case: Callable[[Case], dict[str, Any]] | None = None

    def __post_init__(self) -> None:
        by_name = {f.name: f for f in self.fields}
        for f in self.fields:
            if f.reveal_under is None:
                continue
            parent = by_name.get(f.reveal_under[0])
            offered = {option for option, _text in parent.options} if parent else set()
            if (
                parent is None
                or parent.kind not in {"radios", "yesno"}
                or not set(f.reveal_under[1]) <= offered
            ):
                raise ValueError(f"{self.key}: {f.name} is revealed under an option its form does not offer")

    def asked(self, spec: Field, raw: Mapping[str, Any]) -> bool:
        """Whether this question applies to these answers: always, or its option is chosen (and
        that option's own question applies)."""
        if spec.reveal_under is None:
            return True
        parent_name, options = spec.reveal_under
        chosen = raw.get(parent_name)
        if not isinstance(chosen, str) or chosen.strip() not in options:
            return False
        return self.asked(next(f for f in self.fields if f.name == parent_name), raw)

    def revealed(self, parent: Field, option: str) -> tuple[Field, ...]:
        """The questions drawn inside this option of `parent` (those revealed under it alone)."""
        return tuple(f for f in self.fields if f.reveal_under == (parent.name, (option,)))

    def drawn_after(self, parent: Field) -> tuple[Field, ...]:
        """Questions that apply under several of `parent`'s options: drawn once, after it."""
        return tuple(
            f
            for f in self.fields
            if f.reveal_under and f.reveal_under[0] == parent.name and len(f.reveal_under[1]) > 1
        )

    def has_follow_ups(self, parent: Field) -> bool:
        """Some question is asked only under one of its options (so its radios are stacked, as
        GOV.UK's conditional reveals must be)."""
        return any(f.reveal_under and f.reveal_under[0] == parent.name for f in self.fields)

    @property
    def top_level(self) -> tuple[Field, ...]:
        """The questions drawn in the form's own order (each revealed one comes with its parent)."""
        return tuple(f for f in self.fields if f.reveal_under is None)

    def field_id_for(self, model_field: str, raw: Mapping[str, Any]) -> str:
        """Where a logic error about a model field (e.g. "change.prison") goes: the question asked
        for it in these answers, else the field of that name."""
        for f in self.fields:
            if model_field in {f.answers, f.name} and self.asked(f, raw):
                return f.id
        return model_field.replace(".", "-")


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


def answered_date(raw: Mapping[str, Any], name: str) -> str:
    """A date question's answer as a person reads it ("1 May 2027"), or as typed if not a date."""
    value = _date_value(raw, name)
    if value is None or value == "invalid":
        return "/".join(str(raw.get(f"{name}-{part}", "")) for part, _shape in _DATE_PARTS).strip("/")
    return long_date(date.fromisoformat(value))


def _field_value(spec: Field, raw: Mapping[str, Any]) -> Any:
    if spec.kind == "date":
        return _date_value(raw, spec.name)
    if spec.kind == "checkboxes":  # none, one (a string) or several (a list) ticked
        ticked = raw.get(spec.name)
        ticked = [ticked] if isinstance(ticked, str) else list(ticked or [])
        return [v.strip() for v in ticked if isinstance(v, str) and v.strip()] or None
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
        if not form.asked(f, raw):  # its option is not chosen: whatever was typed there goes
            for name in f.posted_names:
                submission.raw.pop(name, None)
            continue
        value = _field_value(f, raw)
        if value == "invalid":
            submission.errors[f.id] = f.invalid or f"{f.label} must be a real date"
            continue
        if value is None:
            if f.required:
                submission.errors[f.id] = f.message_for_missing()
            continue
        offered = tuple(option for option, _text in f.options)
        if f.kind == "checkboxes" and (len(set(value)) != len(value) or not set(value) <= set(offered)):
            submission.errors[f.id] = f.invalid or f"Select only the options given for {f.label.lower()}"
            continue
        if f.kind in CHOICES and value not in offered:
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
        # An item of a list typed as one text ("Southwark, Lambeth"): the list's field.
        spec = (
            by_id.get("-".join(loc))
            or (by_name.get(loc[-1]) if loc else None)
            or (by_name.get(loc[-2]) if len(loc) > 1 and loc[-1].isdigit() else None)
        )
        if spec is not None:
            errors.setdefault(spec.id, spec.invalid or _plain_message(spec, problem))
        elif across_fields:
            # A rule across one part's fields (a referred need's service and state) goes on the
            # part's first field; a rule across the whole form on the form's first field.
            part = "-".join(loc) + "-"
            first = next((f for f in form.fields if loc and f.id.startswith(part)), form.fields[0])
            errors.setdefault(first.id, _our_sentence(problem))


def _plain_message(spec: Field, problem: Mapping[str, Any]) -> str:
    kind = problem["type"]
    context = problem.get("ctx") or {}
    # A question ("Why is the mentor changing?") cannot be the subject of a sentence; a label can.
    subject = "Your answer" if spec.label.endswith("?") else spec.label
    if kind == "string_too_long":
        return f"{subject} must be {context.get('max_length', 0):,} characters or fewer"
    if kind in {"enum", "literal_error", "bool_parsing", "missing"}:
        return spec.message_for_missing()
    if kind == "value_error":
        # Our rules on one field say what it must be ("must only include letters, ..."), as the API
        # puts it after the field's name; here it follows the field's label.
        sentence = _our_sentence(problem)
        return f"{subject} {sentence}" if sentence.startswith("must ") else sentence
    return f"Enter {spec.label[0].lower()}{spec.label[1:]} in the right format"


def _our_sentence(problem: Mapping[str, Any]) -> str:
    """A rule of ours (schemas.py) as pydantic reports it, without the library's prefix; any other
    problem with no field of the form to name (only a forged post has one) is said plainly."""
    if problem["type"] != "value_error":
        return "Check your answers and send the form again"
    return str(problem["msg"]).removeprefix("Value error, ")
