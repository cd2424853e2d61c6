"""One Lambda function per entry of `throughgate.manifest.FUNCTIONS`, each with its own role.

Code: `functions/` as it is in the repository. Dependencies: one layer, the project's runtime
`dependencies` from pyproject.toml installed by pip for Lambda's platform (no Docker): see
`PipLayerBundling`. A function gets the environment its settings model validates (CONFIG: the case
functions `throughgate.config.Settings`, which they check at the first call, with REFERENCE_KEY only
in REFERENCE_KEY_READERS; the sign-in functions `AuthSettings` only), and a role with only what its
handler's logic uses (ACCESS).
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
import tomllib
from collections.abc import Callable
from enum import Enum
from typing import Any, NamedTuple

import jsii
from aws_cdk import (
    ArnFormat,
    AssetHashType,
    BundlingOptions,
    DockerImage,
    Duration,
    ILocalBundling,
    RemovalPolicy,
    Stack,
)
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from throughgate.manifest import FUNCTIONS
from throughgate.store import schema
from throughgate.store.keys import STAFF_PK
from throughgate_infra import ROOT, naming

RUNTIME = lambda_.Runtime.PYTHON_3_13
ARCHITECTURE = lambda_.Architecture.ARM_64
PIP_PLATFORM = "manylinux2014_aarch64"
PIP_PYTHON_VERSION = "3.13"
LOG_RETENTION = logs.RetentionDays.THREE_MONTHS
CODE_EXCLUDES = ["**/__pycache__", "**/*.pyc", "*.egg-info"]
OUTCOME_SCHEDULES = "outcome-*"
"""`throughgate.adapters.aws.outcome_schedule_name` for any case (that module reads the settings on
import, so it is not imported here; a test checks the two agree)."""
START_SCHEDULES = "start-*"
"""`throughgate.adapters.aws.start_schedule_name` for any case: the release workflow's start at the
pre-release window (docs/adr/0007), in the same schedule group."""


class Sizing(NamedTuple):
    timeout_seconds: int
    memory_mb: int


_STEP = Sizing(30, 512)
_WEB = Sizing(20, 1024)  # API Gateway gives up after 29 s
SIZING: dict[str, Sizing] = {name: _STEP for name in FUNCTIONS} | {
    "DailySweep": Sizing(300, 1024),
    "PrisonEvents": Sizing(60, 512),
    # The outbox's carriers: a few calls per case in a stream batch of ten; the reconciler works
    # through every pending effect, oldest first, and must end well before its next run (5 minutes).
    "CarryOutEffects": Sizing(60, 512),
    "ReconcileEffects": Sizing(120, 512),
    "Api": _WEB,
    "Web": _WEB,
    "SignIn": Sizing(10, 512),  # a Cognito call or two per page
    "Authorizer": Sizing(5, 512),  # before every page: a signature check, the key set cached
}


class Config(Enum):
    """Which settings model of `throughgate.config` a handler reads: its environment holds exactly that."""

    CASES = "Settings: the tables, the workflow, the schedules (the reference key: REFERENCE_KEY_READERS)"
    SIGN_IN = "AuthSettings: the user pool and its app client (nothing of the case data)"
    SESSIONS = "AuthSettings, and the case table's Settings to read staff records (domain.staff)"


CONFIG: dict[str, Config] = dict.fromkeys(FUNCTIONS, Config.CASES) | {
    "SignIn": Config.SIGN_IN,
    "Authorizer": Config.SESSIONS,
}
REFERENCE_KEY_READERS = frozenset({"Api", "Web", "PrisonEvents", "DailySweep", "InboundTexts"})
"""The case functions whose logic computes a keyed hash (throughgate.store.keys): filing and finding
a case by its client's details (referral, search, a prison event), releasing the prison-number
reference (closing, exits, consent refused), erasure and retention anonymisation, and finding the
case a text reply (STOP) comes from by its mobile number. Only they get
REFERENCE_KEY; in any other function `Settings.keyed_hash_key` fails with a ConfigError."""


class Access(Enum):
    """What a handler's logic does outside its own process (see throughgate.logic and adapters.aws)."""

    READ = "read cases by key (GetItem; Query within a partition)"
    WRITE = "read cases, save items and delete the effects they carried out (the outbox)"
    DELETE = "delete the prison-number reference of a case that ends (in its transaction)"
    ERASE = "delete a case's records in batches: erasure on request, retention anonymisation"
    READ_MANY = "read several cases at once (BatchGetItem): the dashboards, a search, the updates not applied"
    LIST = "query every index: the dashboards' lists"
    LIST_OPEN_ITEMS = "query the open_items index: what the daily sweep may still act on"
    AUDIT = "add to the audit trail and read it (never change or delete an entry)"
    AUDIT_ADD = "add to the audit trail without reading it"
    NOTIFY = "deliver notifications: read the staff directory (Cognito) and send e-mail (SES)"
    START_STOP = "start and stop release workflow executions"
    START = "start release workflow executions (never stop one)"
    RESUME = "resume a waiting workflow (SendTaskSuccess)"
    SCHEDULE = "create or update the outcome follow-up schedule"
    UNSCHEDULE = "delete the outcome follow-up schedule"
    SCHEDULE_START = "create, move or delete the schedule that starts the release workflow at the window"
    TEXT = "send text messages to phone numbers (SNS SMS: reminders to clients who agreed)"
    MANAGE_STAFF = "manage staff accounts: Cognito's admin operations on the one user pool (logic.staff)"
    STAFF_SESSIONS = "read staff records only (GetItem in the STAFF partition): whether a session stands"


_A = Access
# A change of circumstances restarts or stops the workflow (or moves or cancels its scheduled start),
# may cancel the outcome schedule, and an exit releases the case's prison-number reference. Consent
# (staff) schedules the workflow's start when the pre-release window opens later.
_CHANGES = {_A.WRITE, _A.DELETE, _A.START_STOP, _A.UNSCHEDULE, _A.SCHEDULE_START}
# Staff also resume waiting workflows (gates), erase cases, and every case request is audited.
_STAFF = _CHANGES | {_A.RESUME, _A.ERASE, _A.AUDIT}
# The outbox's carriers make every kind of effect's call (throughgate.logic.effects._run), and save
# an effect's failed attempt or delete it once carried out. Only they deliver notifications (every
# other function saves them as effects), and the daily sweep sends the daily digest: NOTIFY.
_CARRIES = {_A.WRITE, _A.NOTIFY, _A.START_STOP, _A.RESUME, _A.SCHEDULE, _A.UNSCHEDULE, _A.SCHEDULE_START}
ACCESS: dict[str, frozenset[Access]] = {
    "PlanMilestones": frozenset({_A.READ}),
    "OpenGate": frozenset({_A.WRITE}),
    "ListNeeds": frozenset({_A.READ}),
    "CreateAreaTasks": frozenset({_A.WRITE}),
    "AdvanceStage": frozenset({_A.WRITE}),
    "RaiseEscalation": frozenset({_A.WRITE}),
    "OnReleased": frozenset({_A.WRITE, _A.SCHEDULE}),  # saves the schedule as an effect, then makes it
    "PlanCheckIn": frozenset({_A.READ}),
    "RecordFailure": frozenset({_A.WRITE}),
    "OutcomeDue": frozenset({_A.WRITE}),
    # A workflow that ended unseen by its own Catch: the case is marked and a coordinator told.
    "ExecutionEnded": frozenset({_A.WRITE}),
    # Run by the start schedule at the pre-release window: saves the start as an effect, then makes it.
    "StartWorkflow": frozenset({_A.WRITE, _A.START}),
    # Chasing and closing missed check-ins, then retention: anonymising deletes what the cohort
    # figures do not need (and the prison-number reference) and records that it did in the trail.
    # Once a week the coordinators' check counts the released cases by stage (the by_stage index).
    "DailySweep": frozenset(
        {_A.WRITE, _A.LIST_OPEN_ITEMS, _A.LIST, _A.ERASE, _A.AUDIT_ADD, _A.NOTIFY, _A.RESUME}
    ),
    "PrisonEvents": frozenset(_CHANGES),
    # From the table's stream: the pending effects of the cases named in a batch of new effects.
    "CarryOutEffects": frozenset(_CARRIES),
    # Every 5 minutes: whatever is still pending, found through the open_items index.
    "ReconcileEffects": frozenset(_CARRIES | {_A.LIST_OPEN_ITEMS}),
    # Every 15 minutes: the text reminders due, found through the open_items index.
    "SendReminders": frozenset({_A.WRITE, _A.LIST_OPEN_ITEMS, _A.TEXT}),
    # A client's reply (End User Messaging two-way SMS, through its SNS topic): STOP ends their texts.
    "InboundTexts": frozenset({_A.WRITE}),
    # The open-items index: the prison updates not applied (listed, and forgotten with an erased case).
    # Coordinators manage staff accounts from both (logic.staff).
    "Api": frozenset(_STAFF | {_A.LIST_OPEN_ITEMS, _A.READ_MANY, _A.MANAGE_STAFF}),
    "Web": frozenset(_STAFF | {_A.LIST, _A.READ_MANY, _A.MANAGE_STAFF}),
    # Cognito's InitiateAuth, RespondToAuthChallenge, AssociateSoftwareToken and VerifySoftwareToken
    # (with a session) are unauthenticated APIs: logs and traces only.
    "SignIn": frozenset(),
    # A signature against the pool's public keys, then the person's staff record: deactivated, or
    # signed out by a coordinator since the token was issued, is refused.
    "Authorizer": frozenset({_A.STAFF_SESSIONS}),
}
DELIVERING = sorted(name for name, access in ACCESS.items() if Access.NOTIFY in access)
MANAGING_STAFF = sorted(name for name, access in ACCESS.items() if Access.MANAGE_STAFF in access)
"""The functions that change staff accounts (throughgate.adapters.aws.aws_deps(managing_staff=True)):
they get USER_POOL_ID (throughgate.config.PoolSettings) and exactly STAFF_ADMIN_ACTIONS on the pool."""
STAFF_ADMIN_ACTIONS = sorted(
    f"cognito-idp:{operation}"
    for operation in (
        "AdminCreateUser",  # with the invitation; again (RESEND) for someone who never signed in
        "AdminGetUser",  # an add retried: is the account already there with this e-mail?
        "AdminAddUserToGroup",
        "AdminRemoveUserFromGroup",
        "AdminResetUserPassword",
        "AdminDeleteSoftwareToken",
        "AdminUserGlobalSignOut",
        "AdminDisableUser",
    )
)
"""The functions that deliver notifications (throughgate.adapters.aws.aws_deps(delivering=True))."""

# DynamoDB actions by need, no Scan anywhere (README: every read is a key or index query), as the
# store uses them: pynamodb 6 describes tables from its models (no DescribeTable), saves whole items
# (PutItem, never UpdateItem), and DynamoDB authorises a transaction's items as PutItem, DeleteItem
# and ConditionCheckItem (there is no IAM action for TransactWriteItems itself): a write made only
# while the case item holds (a workflow step's tasks, a note while its case is not being erased)
# checks it. Every writer saves effects with its changes and deletes each one it carries out
# (DeleteItem on `EFFECT#` items).
TABLE_ACTIONS: dict[Access, tuple[str, ...]] = {
    Access.READ: ("dynamodb:GetItem", "dynamodb:Query"),
    Access.WRITE: (
        "dynamodb:GetItem",
        "dynamodb:Query",
        "dynamodb:PutItem",
        "dynamodb:DeleteItem",
        "dynamodb:ConditionCheckItem",
    ),
    Access.DELETE: ("dynamodb:DeleteItem",),
    Access.ERASE: ("dynamodb:DeleteItem", "dynamodb:BatchWriteItem"),
    Access.READ_MANY: ("dynamodb:BatchGetItem",),
}
OPEN_ITEMS_INDEX = "open_items"
INDEXES: dict[Access, tuple[str, ...]] = {
    Access.LIST: tuple(schema.GLOBAL_INDEXES),
    Access.LIST_OPEN_ITEMS: (OPEN_ITEMS_INDEX,),
}
# The audit trail is append-only for every function: PutItem (with a condition that the entry is
# new) and Query, never UpdateItem, DeleteItem or BatchWriteItem.
AUDIT_ACTIONS: dict[Access, tuple[str, ...]] = {
    Access.AUDIT: ("dynamodb:PutItem", "dynamodb:Query"),
    Access.AUDIT_ADD: ("dynamodb:PutItem",),
}
KEY_READ = ["kms:Decrypt", "kms:DescribeKey"]
KEY_WRITE = [
    *KEY_READ,
    "kms:Encrypt",
    "kms:ReEncryptFrom",
    "kms:ReEncryptTo",
    "kms:GenerateDataKey",
    "kms:GenerateDataKeyWithoutPlaintext",
]
_WRITES = {Access.WRITE, Access.DELETE, Access.ERASE, Access.AUDIT, Access.AUDIT_ADD}


def granted(table: dict[Access, tuple[str, ...]], access: frozenset[Access]) -> list[str]:
    """The union of what each kind of access in `access` takes from `table`."""
    return sorted({item for kind in access & table.keys() for item in table[kind]})


POWERTOOLS_ENVIRONMENT = {
    "POWERTOOLS_LOG_LEVEL": "INFO",
    "POWERTOOLS_LOGGER_LOG_EVENT": "false",  # events carry personal data: never log them
    "POWERTOOLS_METRICS_NAMESPACE": "Throughgate",
}


def service_name(function: str) -> str:
    """`PrisonEvents` -> `throughgate-prison-events`: the service its loggers report as."""
    return "throughgate-" + re.sub(r"(?<!^)(?=[A-Z])", "-", function).lower()


LAYER_EXTRAS = ["boto3"]
"""pynamodb brings botocore into the layer, where it would shadow the runtime's own and pair it with
the runtime's boto3 of another version: ship boto3 too, at the version the tests run (constraints)."""


def runtime_dependencies() -> list[str]:
    """What a Lambda ships: pyproject.toml's `dependencies`, exactly pinned there."""
    with (ROOT / "pyproject.toml").open("rb") as file:
        return list(tomllib.load(file)["project"]["dependencies"])


def pip_command(target: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "--no-compile",  # .pyc for the synth machine's Python would be dead weight on 3.13
        "--target",
        target,
        "--platform",
        PIP_PLATFORM,
        "--implementation",
        "cp",
        "--python-version",
        PIP_PYTHON_VERSION,
        "--only-binary=:all:",
        "--constraint",
        str(ROOT / "constraints.txt"),
        *runtime_dependencies(),
        *LAYER_EXTRAS,
    ]


def layer_hash() -> str:
    """The layer changes when the pins, the constraints or the target platform change."""
    command = [arg.replace(str(ROOT), ".") for arg in pip_command("TARGET")[3:]]  # not the checkout's path
    material = json.dumps([command, (ROOT / "constraints.txt").read_text()], sort_keys=True)
    return hashlib.sha256(material.encode()).hexdigest()


def logging_role(
    scope: Construct, construct_id: str, *, description: str, log_group: logs.ILogGroup
) -> iam.Role:
    """A Lambda function's role, starting with one grant: writing to its own log group (rather than
    AWSLambdaBasicExecutionRole, which may create log groups and write to any)."""
    role = iam.Role(
        scope,
        construct_id,
        assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
        description=description,
    )
    role.add_to_policy(
        iam.PolicyStatement(
            actions=["logs:CreateLogStream", "logs:PutLogEvents"], resources=[log_group.log_group_arn]
        )
    )
    return role


@jsii.implements(ILocalBundling)
class PipLayerBundling:
    """Builds the dependencies layer with pip's platform options: Lambda's wheels, no Docker."""

    def try_bundle(self, output_dir: str, *_args: Any, **_kwargs: Any) -> bool:
        # Lambda puts a Python layer's `python/` folder on sys.path.
        subprocess.run(pip_command(f"{output_dir}/python"), check=True)  # noqa: S603
        return True


class Reaches(NamedTuple):
    """What the functions' settings name and their roles may be granted on."""

    table: dynamodb.ITable
    audit_table: dynamodb.ITable
    table_key: kms.IKey  # both tables', and the case functions' environment
    email_identity_arn: str
    email_from: str
    scheduler_role: iam.IRole
    user_pool: cognito.IUserPool
    user_pool_client: cognito.IUserPoolClient


def generated_secret(
    scope: Construct, construct_id: str, *, description: str, encryption_key: kms.IKey
) -> secretsmanager.Secret:
    """64 random letters and digits (no punctuation: they go into environment variables and headers),
    under a customer-managed key."""
    return secretsmanager.Secret(
        scope,
        construct_id,
        description=description,
        encryption_key=encryption_key,
        generate_secret_string=secretsmanager.SecretStringGenerator(
            password_length=64, exclude_punctuation=True
        ),
    )


class Functions(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, reaches: Reaches) -> None:
        super().__init__(scope, construct_id)
        undeclared = sorted(set(FUNCTIONS) - set(ACCESS))
        if undeclared:
            raise ValueError(
                f"{', '.join(undeclared)}: say in ACCESS (functions.py) what each handler may touch"
            )
        self.layer = lambda_.LayerVersion(
            self,
            "Dependencies",
            description="Throughgate runtime dependencies (pyproject.toml `dependencies`)",
            compatible_runtimes=[RUNTIME],
            compatible_architectures=[ARCHITECTURE],
            code=lambda_.Code.from_asset(
                str(ROOT / "infra" / "dependencies"),
                asset_hash_type=AssetHashType.CUSTOM,
                asset_hash=layer_hash(),
                bundling=BundlingOptions(
                    # Never pulled: local bundling always succeeds or fails the synth.
                    image=DockerImage.from_registry("public.ecr.aws/sam/build-python3.13"),
                    local=PipLayerBundling(),
                ),
            ),
        )
        code = lambda_.Code.from_asset(str(ROOT / "functions"), exclude=CODE_EXCLUDES)
        # Two secrets, because CloudFormation generates one value per secret. They reach the functions
        # as dynamic references, resolved by CloudFormation at deploy time (docs/deploy.md, "Secrets").
        self.csrf_secret = generated_secret(
            self,
            "CsrfSecret",
            description="Signs the Web function's CSRF tokens (CSRF_SECRET)",
            encryption_key=reaches.table_key,
        )
        self.reference_key = generated_secret(
            self,
            "ReferenceKey",
            description="Keys the HMAC that stands for a prison number in the case table (REFERENCE_KEY)",
            encryption_key=reaches.table_key,
        )
        # Kept with the case table: the references of its open cases are meaningless without it.
        self.reference_key.apply_removal_policy(RemovalPolicy.RETAIN)
        environments = {
            Config.CASES: {
                "TABLE_NAME": reaches.table.table_name,
                "AUDIT_TABLE_NAME": reaches.audit_table.table_name,
                "RELEASE_STATE_MACHINE_ARN": naming.state_machine_arn(self),
                "OUTCOME_DUE_FUNCTION_ARN": naming.function_arn(self, "OutcomeDue"),
                "START_WORKFLOW_FUNCTION_ARN": naming.function_arn(self, "StartWorkflow"),
                "SCHEDULER_ROLE_ARN": reaches.scheduler_role.role_arn,
                "SCHEDULE_GROUP": naming.schedule_group_name(self),
            },
            Config.SIGN_IN: {
                "USER_POOL_ID": reaches.user_pool.user_pool_id,
                "USER_POOL_CLIENT_ID": reaches.user_pool_client.user_pool_client_id,
            },
        }
        sms_origination_number = str(self.node.try_get_context("sms_origination_number") or "")
        environments[Config.SESSIONS] = environments[Config.CASES] | environments[Config.SIGN_IN]
        self.functions: dict[str, lambda_.Function] = {}
        self.roles: dict[str, iam.Role] = {}
        for name, spec in FUNCTIONS.items():
            log_group = logs.LogGroup(
                self,
                f"{name}Logs",
                log_group_name=f"/aws/lambda/{naming.function_name(self, name)}",
                retention=LOG_RETENTION,
                removal_policy=RemovalPolicy.DESTROY,
            )
            role = logging_role(
                self, f"{name}Role", description=f"Throughgate {name} function", log_group=log_group
            )
            environment = {
                **POWERTOOLS_ENVIRONMENT,
                "POWERTOOLS_SERVICE_NAME": service_name(name),  # each function's logs say which it is
                **environments[CONFIG[name]],
            }
            if name in DELIVERING:  # throughgate.config.DeliverySettings (WEB_BASE_URL: stack.py)
                environment["USER_POOL_ID"] = reaches.user_pool.user_pool_id
                environment["EMAIL_FROM"] = reaches.email_from
            if name in MANAGING_STAFF:  # throughgate.config.PoolSettings
                environment["USER_POOL_ID"] = reaches.user_pool.user_pool_id
            if name in REFERENCE_KEY_READERS:
                environment["REFERENCE_KEY"] = self.reference_key.secret_value.unsafe_unwrap()
            if name == "Web":
                environment["CSRF_SECRET"] = self.csrf_secret.secret_value.unsafe_unwrap()
            if Access.TEXT in ACCESS[name]:
                # The two-way number bought in End User Messaging SMS (README), from the CDK context
                # `sms_origination_number` (cdk.json); empty until then: the account's default sender,
                # and no replies reach the texts.py topic. Only the function that sends texts has it.
                environment["SMS_ORIGINATION_NUMBER"] = sms_origination_number
            holds_secrets = CONFIG[name] is Config.CASES
            sizing = SIZING[name]
            function = lambda_.Function(
                self,
                name,
                function_name=naming.function_name(self, name),
                description=f"Throughgate {name}: {spec.handler}",
                runtime=RUNTIME,
                architecture=ARCHITECTURE,
                handler=spec.handler,
                code=code,
                layers=[self.layer],
                role=role,
                timeout=Duration.seconds(sizing.timeout_seconds),
                memory_size=sizing.memory_mb,
                environment=environment,
                # The secrets' values sit in some case functions' configuration: under the table's
                # key, so reading them takes kms:Decrypt on it as well as lambda:GetFunctionConfiguration.
                environment_encryption=reaches.table_key if holds_secrets else None,
                log_group=log_group,
                tracing=lambda_.Tracing.ACTIVE,
                logging_format=lambda_.LoggingFormat.JSON,
                application_log_level_v2=lambda_.ApplicationLogLevel.INFO,
                system_log_level_v2=lambda_.SystemLogLevel.WARN,
            )
            self._grant(role, ACCESS[name], reaches)
            self.functions[name] = function
            self.roles[name] = role

    def _grant(self, role: iam.Role, access: frozenset[Access], reaches: Reaches) -> None:
        def allow(actions: list[str], resources: list[str], **conditions: dict[str, Any]) -> None:
            role.add_to_policy(
                iam.PolicyStatement(actions=actions, resources=resources, conditions=conditions or None)
            )

        table = reaches.table.table_arn
        if actions := granted(TABLE_ACTIONS, access):
            allow(actions, [table])
        if indexes := granted(INDEXES, access):
            allow(["dynamodb:Query"], [f"{table}/index/{index}" for index in indexes])
        if actions := granted(AUDIT_ACTIONS, access):
            allow(actions, [reaches.audit_table.table_arn])
        if access & _WRITES:
            allow(KEY_WRITE, [reaches.table_key.key_arn])
        elif access & {Access.READ, Access.LIST, Access.LIST_OPEN_ITEMS}:
            allow(KEY_READ, [reaches.table_key.key_arn])
        if Access.STAFF_SESSIONS in access:
            allow(
                ["dynamodb:GetItem"],
                [table],
                **{"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": [STAFF_PK]}},
            )
            allow(KEY_READ, [reaches.table_key.key_arn])
        if Access.MANAGE_STAFF in access:
            allow(STAFF_ADMIN_ACTIONS, [reaches.user_pool.user_pool_arn])
        if Access.NOTIFY in access:
            allow(
                ["cognito-idp:ListUsersInGroup", "cognito-idp:AdminGetUser"],
                [reaches.user_pool.user_pool_arn],
            )
            allow(
                ["ses:SendEmail"],
                [reaches.email_identity_arn],
                StringEquals={"ses:FromAddress": reaches.email_from},
            )
        if Access.TEXT in access:
            # SNS authorises a publish to a phone number (an SMS) against no resource, so it can
            # only be granted on "*"; the Deny takes back every SNS ARN (topics, push endpoints):
            # this role can text a number and publish nothing else. IAM cannot limit the numbers:
            # the reminders go only to the UK mobile a client gave (throughgate.schemas).
            allow(["sns:Publish"], ["*"])
            role.add_to_policy(
                iam.PolicyStatement(
                    effect=iam.Effect.DENY,
                    actions=["sns:Publish"],
                    resources=[f"arn:{Stack.of(self).partition}:sns:*:*:*"],
                )
            )
        if access & {Access.START_STOP, Access.START}:
            allow(["states:StartExecution"], [naming.state_machine_arn(self)])
        if Access.START_STOP in access:
            allow(["states:StopExecution"], [naming.executions_arn(self)])
        if Access.RESUME in access:
            # Task-token calls are authorised against the state machine that issued the token.
            allow(["states:SendTaskSuccess"], [naming.state_machine_arn(self)])
        self._grant_schedules(allow, access, reaches)

    def _grant_schedules(
        self, allow: Callable[..., None], access: frozenset[Access], reaches: Reaches
    ) -> None:
        """The one-time schedules: each kind by its own name prefix, and passing the role they run as."""
        schedules = _schedules_arn(self, OUTCOME_SCHEDULES)
        if Access.SCHEDULE in access:
            allow(["scheduler:CreateSchedule", "scheduler:UpdateSchedule"], [schedules])
        if Access.UNSCHEDULE in access:
            allow(["scheduler:DeleteSchedule"], [schedules])
        if Access.SCHEDULE_START in access:
            allow(
                ["scheduler:CreateSchedule", "scheduler:UpdateSchedule", "scheduler:DeleteSchedule"],
                [_schedules_arn(self, START_SCHEDULES)],
            )
        if access & {Access.SCHEDULE, Access.SCHEDULE_START}:
            allow(
                ["iam:PassRole"],
                [reaches.scheduler_role.role_arn],
                StringEquals={"iam:PassedToService": "scheduler.amazonaws.com"},
            )


def _schedules_arn(scope: Construct, names: str) -> str:
    """One kind of schedule only (named by throughgate.adapters.aws), in the stack's group."""
    return Stack.of(scope).format_arn(
        service="scheduler",
        resource="schedule",
        resource_name=f"{naming.schedule_group_name(scope)}/{names}",
        arn_format=ArnFormat.SLASH_RESOURCE_NAME,
    )
