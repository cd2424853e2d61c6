"""AWS implementations of the logic's ports. boto3 clients are created on first use and reused for
the life of the container."""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime
from functools import cache
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger

from throughgate import caches
from throughgate.config import delivery_settings, pool_settings, settings
from throughgate.domain.case_steps import Role
from throughgate.domain.staff import UsernameTaken
from throughgate.logic.ports import Delivery, Deps, StaffMember

if TYPE_CHECKING:
    from botocore.client import BaseClient

logger = Logger(child=True)


@caches.resettable
@cache
def _client(service: str) -> BaseClient:
    import boto3

    return boto3.client(service, region_name=settings().region)


def execution_name(case_id: str, revision: int) -> str:
    """Deterministic: a retried start of the same revision is a no-op on Step Functions."""
    return f"{case_id}-r{revision}"


class StepFunctionsWorkflow:
    def execution_arn(self, case_id: str, revision: int) -> str:
        machine = settings().release_state_machine_arn
        return f"{machine.replace(':stateMachine:', ':execution:')}:{execution_name(case_id, revision)}"

    def start(self, case_id: str, revision: int, entry: str) -> str:
        """Idempotent: the revision's execution already started (and perhaps ended) counts as done."""
        payload = {"case_id": case_id, "revision": revision, "entry": entry}
        client = _client("stepfunctions")
        with contextlib.suppress(client.exceptions.ExecutionAlreadyExists):
            client.start_execution(
                stateMachineArn=settings().release_state_machine_arn,
                name=execution_name(case_id, revision),
                input=json.dumps(payload),
            )
        return self.execution_arn(case_id, revision)

    def stop(self, execution_arn: str, reason: str) -> None:
        client = _client("stepfunctions")
        try:
            client.stop_execution(executionArn=execution_arn, error="PlanChanged", cause=reason)
        except client.exceptions.ExecutionDoesNotExist:
            return

    def resume(self, task_token: str, output: dict[str, Any]) -> None:
        """Idempotent: a token already answered (the first answer's reply was lost), or whose
        execution has ended, has nothing left to resume."""
        client = _client("stepfunctions")
        try:
            client.send_task_success(taskToken=task_token, output=json.dumps(output))
        except (
            client.exceptions.TaskTimedOut,
            client.exceptions.TaskDoesNotExist,
            client.exceptions.InvalidToken,
        ) as error:
            logger.info(
                "the gate was already answered or has ended", extra={"error_type": type(error).__name__}
            )


class CognitoStaffDirectory:
    """The user pool is the staff directory: a person's group is their role in the app and their
    `email` attribute is where their e-mail goes, both set by whoever adds them (README). Reading
    it, not a copy in the table, means a person removed from the pool or the group stops receiving
    notifications at once, and there is no second list of coordinators to keep in step."""

    def coordinators(self) -> list[StaffMember]:
        paginator = _client("cognito-idp").get_paginator("list_users_in_group")
        pages = paginator.paginate(UserPoolId=delivery_settings().user_pool_id, GroupName="coordinator")
        return [
            _member(user["Username"], user.get("Attributes", [])) for page in pages for user in page["Users"]
        ]

    def member(self, username: str) -> StaffMember | None:
        client = _client("cognito-idp")
        try:
            user = client.admin_get_user(UserPoolId=delivery_settings().user_pool_id, Username=username)
        except client.exceptions.UserNotFoundException:
            return None
        return _member(user["Username"], user.get("UserAttributes", []))


class CognitoStaffAccounts:
    """Staff accounts on the user pool, with Cognito's admin operations (the functions' roles allow
    exactly these, on this pool). Cognito sends the invitation e-mail itself, with a temporary
    password; the person sets their own at first sign-in."""

    def _call(self, operation: str, username: str, **more: Any) -> dict[str, Any]:
        client = _client("cognito-idp")
        result: dict[str, Any] = getattr(client, operation)(
            UserPoolId=pool_settings().user_pool_id, Username=username, **more
        )
        return result

    def create(self, username: str, email: str, role: Role) -> None:
        client = _client("cognito-idp")
        try:
            self._call(
                "admin_create_user",
                username,
                UserAttributes=[
                    {"Name": "email", "Value": email},
                    {"Name": "email_verified", "Value": "true"},
                ],
                DesiredDeliveryMediums=["EMAIL"],
            )
        except client.exceptions.UsernameExistsException:
            existing = self._call("admin_get_user", username)
            found = {a["Name"]: a["Value"] for a in existing.get("UserAttributes", [])}.get("email", "")
            if found.lower() != email.lower():
                raise UsernameTaken("that username is taken") from None
            # The same person: an earlier attempt made the account, then failed before its record.
        self._call("admin_add_user_to_group", username, GroupName=role.value)

    def change_group(self, username: str, old: Role, new: Role) -> None:
        """Into the new group first: a failure in between leaves the person with both roles' groups
        for a retry to finish, never with none (and the app reads the first programme group)."""
        self._call("admin_add_user_to_group", username, GroupName=new.value)
        self._call("admin_remove_user_from_group", username, GroupName=old.value)

    def reset_password(self, username: str) -> None:
        """A new invitation: a temporary password only Cognito knows (so the old one stops working),
        then the invitation e-mail again with a fresh one; their next sign-in asks them to choose
        their own. One path for everyone: Cognito's own reset (AdminResetUserPassword) e-mails a code
        that only a forgotten-password page could take, and the app has none."""
        self._call("admin_set_user_password", username, Password=_unguessable_password(), Permanent=False)
        self._call("admin_create_user", username, MessageAction="RESEND", DesiredDeliveryMediums=["EMAIL"])

    def reset_authenticator(self, username: str) -> None:
        """The person's authenticator forgotten: the pool requires MFA, so their next sign-in asks
        them to set one up again (MFA_SETUP). Turning TOTP off instead is refused while MFA is
        required."""
        self._call("admin_delete_software_token", username)

    def sign_out_everywhere(self, username: str) -> None:
        self._call("admin_user_global_sign_out", username)

    def disable(self, username: str) -> None:
        self._call("admin_disable_user", username)


def _unguessable_password() -> str:
    """Thrown away at once (the invitation brings another): upper- and lower-case letters, digits
    and a symbol, as the pool's policy asks."""
    import secrets

    return f"Tg{secrets.token_urlsafe(24)}7!"


def _member(username: str, attributes: list[dict[str, str]]) -> StaffMember:
    values = {a["Name"]: a["Value"] for a in attributes}
    return StaffMember(username, values.get("email"))


class SesMailer:
    """Plain-text e-mail through Amazon SES (v2), from the programme's verified identity."""

    def send(self, to: str, subject: str, body: str) -> None:
        _client("sesv2").send_email(
            FromEmailAddress=delivery_settings().email_from,
            Destination={"ToAddresses": [to]},
            Content={
                "Simple": {
                    "Subject": {"Data": subject, "Charset": "UTF-8"},
                    "Body": {"Text": {"Data": body, "Charset": "UTF-8"}},
                }
            },
        )


class SnsTexts:
    """Text messages through SNS's SMS (AWS End User Messaging SMS underneath): transactional, from
    the programme's own number when one is configured (needed for replies, and so for STOP)."""

    def send(self, to: str, body: str) -> None:
        attributes = {"AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"}}
        if settings().sms_origination_number:
            attributes["AWS.MM.SMS.OriginationNumber"] = {
                "DataType": "String",
                "StringValue": settings().sms_origination_number,
            }
        _client("sns").publish(PhoneNumber=to, Message=body, MessageAttributes=attributes)


def outcome_schedule_name(case_id: str) -> str:
    return f"outcome-{case_id}"


def start_schedule_name(case_id: str) -> str:
    return f"start-{case_id}"


class EventBridgeScheduler:
    """One-time schedules: the outcome follow-up lies 18 months out, beyond a workflow's one year;
    the release workflow starts when the pre-release window opens, so no execution runs near a year
    (docs/adr/0007). One schedule of each kind per case: making it again moves it."""

    def _put(self, name: str, at: datetime, target_arn: str, payload: dict[str, Any]) -> None:
        client = _client("scheduler")
        request = {
            "Name": name,
            "GroupName": settings().schedule_group,
            "ScheduleExpression": f"at({at.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%S')})",
            "ScheduleExpressionTimezone": "UTC",
            "FlexibleTimeWindow": {"Mode": "OFF"},
            "ActionAfterCompletion": "DELETE",
            "Target": {
                "Arn": target_arn,
                "RoleArn": settings().scheduler_role_arn,
                "Input": json.dumps(payload),
            },
        }
        try:
            client.create_schedule(**request)
        except client.exceptions.ConflictException:
            client.update_schedule(**request)

    def _delete(self, name: str) -> None:
        client = _client("scheduler")
        try:
            client.delete_schedule(Name=name, GroupName=settings().schedule_group)
        except client.exceptions.ResourceNotFoundException:
            return

    def schedule_outcome_follow_up(self, case_id: str, at: datetime) -> None:
        self._put(
            outcome_schedule_name(case_id), at, settings().outcome_due_function_arn, {"case_id": case_id}
        )

    def cancel_outcome_follow_up(self, case_id: str) -> None:
        self._delete(outcome_schedule_name(case_id))

    def schedule_start(self, case_id: str, at: datetime, revision: int, entry: str) -> None:
        payload = {"case_id": case_id, "revision": revision, "entry": entry}
        self._put(start_schedule_name(case_id), at, settings().start_workflow_function_arn, payload)

    def cancel_start(self, case_id: str) -> None:
        self._delete(start_schedule_name(case_id))


def aws_deps(*, delivering: bool = False, managing_staff: bool = False) -> Deps:
    """`delivering`: the function delivers notifications (the outbox's carriers and the daily
    digest); every other function saves them as effects and leaves them to those. `managing_staff`:
    the function changes staff accounts (the Api and Web functions)."""
    from throughgate import clock
    from throughgate.adapters.programme_metrics import CountingCaseStore

    delivery = None
    if delivering:
        delivery = Delivery(CognitoStaffDirectory(), SesMailer(), delivery_settings().web_base_url)
    return Deps(
        store=CountingCaseStore(),  # counts the programme's events as it saves them
        workflow=StepFunctionsWorkflow(),
        scheduler=EventBridgeScheduler(),
        now=clock.now,
        delivery=delivery,
        accounts=CognitoStaffAccounts() if managing_staff else None,
    )
