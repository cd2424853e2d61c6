"""One Jinja environment per container: autoescaping on, GOV.UK Frontend macros from the
govuk-frontend-jinja package, the programme's own templates beside them."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING, Any

from throughgate.domain.catalogue import prison_name
from throughgate.domain.lifecycle import STAGE_VALUES, Stage
from throughgate.domain.mentors import kind_name
from throughgate.domain.needs import NEED_AREA_NAMES
from throughgate.domain.schedule import long_date, long_date_and_time
from throughgate.domain.volunteering import hours_phrase, hours_words, pounds

if TYPE_CHECKING:
    import jinja2

# Set only by the local dev server (throughgate_local.devserver): the simulated date banner and its
# clock controls. Nothing sets it in a deployed build, so they cannot appear there.
local_clock_banner: Callable[[], datetime] | None = None


@cache
def environment() -> jinja2.Environment:
    """Built on the first render, not at import: Jinja2 is a large part of a cold start that a
    redirect or a file download never needs."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(
            [
                jinja2.PackageLoader("throughgate.web", "templates"),
                jinja2.PrefixLoader({"govuk_frontend_jinja": jinja2.PackageLoader("govuk_frontend_jinja")}),
            ]
        ),
        autoescape=True,
        undefined=jinja2.ChainableUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,  # templates ship with the function: never stat them again per render
    )
    env.filters["day"] = lambda value: long_date(value) if value else ""
    env.filters["daytime"] = lambda value: long_date_and_time(value) if value else ""
    env.filters["answered_date"] = _answered_date
    env.filters["label"] = _label
    env.filters["hours"] = hours_words  # minutes as hours, "1.5"
    env.filters["hours_phrase"] = hours_phrase  # "1 hour", "1.5 hours"
    env.filters["pounds"] = pounds  # pence as "£12.50"
    env.filters["check_kind"] = kind_name  # "criminal_records" -> "Criminal records check"
    env.filters["prison"] = prison_name  # a code as people read it: "BXI" -> "HMP Brixton"
    # Locally the dev server serves web/static at /static; on AWS the same files come from S3
    # behind the same origin (so the Content-Security-Policy's 'self' holds).
    env.globals["static"] = os.environ.get("STATIC_BASE_PATH", "/static").rstrip("/")
    env.globals["area_names"] = {area.value: name for area, name in NEED_AREA_NAMES.items()}
    return env


def _label(value: object) -> str:
    """An enum value in words: a stage as the programme says it ("Pre-release support"), any other
    with its underscores gone."""
    text = str(value or "")
    return Stage(text).words.capitalize() if text in STAGE_VALUES else text.replace("_", " ").capitalize()


def _answered_date(values: Mapping[str, Any], name: str) -> str:
    from throughgate.web.form_engine import answered_date

    return answered_date(values, name)


def render(template: str, **context: Any) -> str:
    simulated = local_clock_banner() if local_clock_banner else None
    return environment().get_template(template).render(simulated_now=simulated, **context)
