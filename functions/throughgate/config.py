"""Environment configuration, validated once at cold start: a missing setting fails the first call
with a clear message instead of a KeyError deep inside a request."""

import os
from functools import cache
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from throughgate import caches

_M = TypeVar("_M", bound=BaseModel)


class ConfigError(RuntimeError):
    """The function was deployed without a setting it needs."""


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True)

    table_name: str = Field(min_length=3)
    audit_table_name: str = Field(min_length=3)
    region: str = Field(min_length=3)
    release_state_machine_arn: str = Field(pattern=r"^arn:aws:states:")
    outcome_due_function_arn: str = Field(pattern=r"^arn:aws:lambda:")
    start_workflow_function_arn: str = Field(pattern=r"^arn:aws:lambda:")
    scheduler_role_arn: str = Field(pattern=r"^arn:aws:iam:")
    schedule_group: str = Field(min_length=1)
    # The key of the prison-number reference's and the search terms' keyed hash (a secret, from
    # Secrets Manager on AWS). Only the functions that file, find or release a case by its client's
    # details get it (the infra's REFERENCE_KEY_READERS); `keyed_hash_key` refuses to work without it.
    reference_key: str | None = Field(default=None, min_length=32)
    # The programme's own number texts are sent from (AWS End User Messaging SMS, two-way, so that a
    # reply of STOP reaches the InboundTexts function); empty: the account's default sender.
    sms_origination_number: str = Field(default="", pattern=r"^(|\+[1-9][0-9]{6,14})$")

    def keyed_hash_key(self) -> bytes:
        if self.reference_key is None:
            raise ConfigError("missing or invalid environment settings: REFERENCE_KEY")
        return self.reference_key.encode()


_ENV = {
    "table_name": "TABLE_NAME",
    "audit_table_name": "AUDIT_TABLE_NAME",
    "region": "AWS_REGION",
    "release_state_machine_arn": "RELEASE_STATE_MACHINE_ARN",
    "outcome_due_function_arn": "OUTCOME_DUE_FUNCTION_ARN",
    "start_workflow_function_arn": "START_WORKFLOW_FUNCTION_ARN",
    "scheduler_role_arn": "SCHEDULER_ROLE_ARN",
    "schedule_group": "SCHEDULE_GROUP",
    "reference_key": "REFERENCE_KEY",
    "sms_origination_number": "SMS_ORIGINATION_NUMBER",
}


def _load(model: type[_M], names: dict[str, str], raw: dict[str, str | None]) -> _M:
    try:
        return model.model_validate({k: v for k, v in raw.items() if v is not None})
    except ValidationError as error:
        missing = ", ".join(names[str(e["loc"][0])] for e in error.errors())
        raise ConfigError(f"missing or invalid environment settings: {missing}") from None


def _region() -> str | None:
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")


@caches.resettable
@cache
def settings() -> Settings:
    raw = {field: os.environ.get(var) for field, var in _ENV.items()}
    raw["region"] = _region()
    return _load(Settings, _ENV, raw)


class FeedSettings(BaseModel):
    """What the PrisonEvents function needs beyond `Settings`: the queue's maxReceiveCount, so it
    can tell a message's last delivery (set by the CDK app from the queue's own setting)."""

    model_config = ConfigDict(frozen=True)

    max_receive_count: int = Field(ge=1, le=1000)


_FEED_ENV = {"max_receive_count": "MAX_RECEIVE_COUNT"}


@caches.resettable
@cache
def feed_settings() -> FeedSettings:
    return _load(FeedSettings, _FEED_ENV, {field: os.environ.get(var) for field, var in _FEED_ENV.items()})


class AuthSettings(BaseModel):
    """What the SignIn and Authorizer functions need (and nothing else reads): the user pool, the
    app client, where its public keys are, and the session cookie's name."""

    model_config = ConfigDict(frozen=True)

    region: str = Field(min_length=3)
    user_pool_id: str = Field(pattern=r"^[\w-]+_[0-9a-zA-Z]+$")
    app_client_id: str = Field(pattern=r"^[\w+]+$")
    # On AWS the pool's own key set (the default); locally moto's, as a file:// URL.
    jwks_url: str = Field(default="", pattern=r"^(|https://.+|file:///.+)$")
    # __Host-: the browser accepts it only with Secure and Path=/ and from this very host.
    session_cookie: str = Field(default="__Host-tg_session", pattern=r"^[\w-]+$")

    @property
    def issuer(self) -> str:
        return f"https://cognito-idp.{self.region}.amazonaws.com/{self.user_pool_id}"

    @property
    def key_set_url(self) -> str:
        return self.jwks_url or f"{self.issuer}/.well-known/jwks.json"


_AUTH_ENV = {
    "region": "AWS_REGION",
    "user_pool_id": "USER_POOL_ID",
    "app_client_id": "USER_POOL_CLIENT_ID",
    "jwks_url": "JWKS_URL",
    "session_cookie": "SESSION_COOKIE",
}


@caches.resettable
@cache
def auth_settings() -> AuthSettings:
    raw = {field: os.environ.get(var) for field, var in _AUTH_ENV.items()}
    raw["region"] = _region()
    return _load(AuthSettings, _AUTH_ENV, raw)


class DeliverySettings(BaseModel):
    """What the functions that deliver notifications need (and nothing else reads): the user pool
    (the staff directory), the verified address e-mails come from, and the app's address for links."""

    model_config = ConfigDict(frozen=True)

    user_pool_id: str = Field(pattern=r"^[\w-]+_[0-9a-zA-Z]+$")
    email_from: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    web_base_url: str = Field(pattern=r"^https?://[^/\s]+$")


_DELIVERY_ENV = {
    "user_pool_id": "USER_POOL_ID",
    "email_from": "EMAIL_FROM",
    "web_base_url": "WEB_BASE_URL",
}


@caches.resettable
@cache
def delivery_settings() -> DeliverySettings:
    raw = {field: os.environ.get(var) for field, var in _DELIVERY_ENV.items()}
    return _load(DeliverySettings, _DELIVERY_ENV, raw)


class PoolSettings(BaseModel):
    """What the functions that manage staff accounts need: the one user pool they may change."""

    model_config = ConfigDict(frozen=True)

    user_pool_id: str = Field(pattern=r"^[\w-]+_[0-9a-zA-Z]+$")


_POOL_ENV = {"user_pool_id": "USER_POOL_ID"}


@caches.resettable
@cache
def pool_settings() -> PoolSettings:
    return _load(PoolSettings, _POOL_ENV, {field: os.environ.get(var) for field, var in _POOL_ENV.items()})
