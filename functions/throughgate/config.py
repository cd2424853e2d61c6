"""Environment configuration, validated once at cold start: a missing setting fails the first call
with a clear message instead of a KeyError deep inside a request."""

import os
from functools import cache

from pydantic import BaseModel, ConfigDict, Field, ValidationError


class ConfigError(RuntimeError):
    """The function was deployed without a setting it needs."""


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True)

    table_name: str = Field(min_length=3)
    region: str = Field(min_length=3)
    release_state_machine_arn: str = Field(pattern=r"^arn:aws:states:")
    outcome_due_function_arn: str = Field(pattern=r"^arn:aws:lambda:")
    notifications_topic_arn: str = Field(pattern=r"^arn:aws:sns:")
    scheduler_role_arn: str = Field(pattern=r"^arn:aws:iam:")
    schedule_group: str = Field(min_length=1)


_ENV = {
    "table_name": "TABLE_NAME",
    "region": "AWS_REGION",
    "release_state_machine_arn": "RELEASE_STATE_MACHINE_ARN",
    "outcome_due_function_arn": "OUTCOME_DUE_FUNCTION_ARN",
    "notifications_topic_arn": "NOTIFICATIONS_TOPIC_ARN",
    "scheduler_role_arn": "SCHEDULER_ROLE_ARN",
    "schedule_group": "SCHEDULE_GROUP",
}


@cache
def settings() -> Settings:
    raw = {field: os.environ.get(var) for field, var in _ENV.items()}
    raw["region"] = raw["region"] or os.environ.get("AWS_DEFAULT_REGION")
    try:
        return Settings.model_validate(raw)
    except ValidationError as error:
        names = ", ".join(_ENV[str(e["loc"][0])] for e in error.errors())
        raise ConfigError(f"missing or invalid environment settings: {names}") from None
