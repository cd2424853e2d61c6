"""The "Find a case" form: what was posted to `/cases`, read into the API's own input model
(schemas.CaseSearchIn), with each mistake on its field in the programme's words. The search text
is posted, never put in an address: it may be a name."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from throughgate.domain.lifecycle import Stage
from throughgate.handlers.identity import field_errors

if TYPE_CHECKING:
    from throughgate.schemas import CaseSearchIn

ENTER_TEXT = "Enter a name, prison number or case reference"
DATE_FIELDS = {"released_from": "Released from", "released_to": "Released to"}
MESSAGES = {
    "text": ENTER_TEXT + " (up to 60 characters)",
    "stage": "Choose a stage from the list",
    "mentor_id": "Choose a mentor from the list",
    "released_from": "Enter a real date for 'Released from', for example 4 6 2027",
    "released_to": "Enter a 'Released to' date on or after 'Released from'",
    "page": "Choose a page of the results",
}
STAGE_OPTIONS = tuple((stage.value, stage.value.replace("_", " ").capitalize()) for stage in Stage)


@dataclass
class SearchForm:
    values: dict[str, Any]  # what was typed, to show again
    errors: dict[str, str] = field(default_factory=dict)  # field id -> message
    query: CaseSearchIn | None = None


def _date(raw: dict[str, Any], name: str) -> str | None:
    parts = [str(raw.get(f"{name}-{part}") or "").strip() for part in ("day", "month", "year")]
    if not any(parts):
        return None
    try:
        day, month, year = (int(p) for p in parts)
        return date(year, month, day).isoformat()
    except ValueError:
        raise _BadDate(name) from None


class _BadDate(Exception):
    pass


def read(raw: dict[str, Any]) -> SearchForm:
    """`raw` is the posted form, its CSRF token already checked."""
    from throughgate.schemas import CaseSearchIn

    values = {k: v for k, v in raw.items() if isinstance(v, str)}
    form = SearchForm(values)
    body: dict[str, Any] = {}
    for name in ("text", "stage", "mentor_id"):
        if values.get(name, "").strip():
            body[name] = values[name]
    for name in DATE_FIELDS:
        try:
            body[name] = _date(values, name)
        except _BadDate:
            form.errors[name] = MESSAGES["released_from" if name == "released_from" else "released_to"]
    body = {k: v for k, v in body.items() if v is not None}
    body["needs_attention"] = values.get("needs_attention") == "yes"
    page = values.get("page", "1")
    body["page"] = int(page) if page.isdigit() and len(page) < 5 else 0
    if form.errors:
        return form
    try:
        form.query = CaseSearchIn.model_validate_json(json.dumps(body))
    except ValidationError as error:
        for name, _message in field_errors(error):
            top = name.split(".")[0]
            form.errors[top if top in MESSAGES else "text"] = MESSAGES.get(top, ENTER_TEXT)
    return form
