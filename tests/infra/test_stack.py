"""Assertions on the synthesized CloudFormation template (one synth for the whole module)."""

from __future__ import annotations

import fnmatch
import json
import os
import re
import subprocess
import sys
from typing import Any

import pytest

from tests.infra.conftest import ROOT, Synth
from throughgate import config
from throughgate.domain.unapplied import KEPT_DAYS
from throughgate.manifest import FUNCTIONS, RELEASE_WORKFLOW
from throughgate.store import schema
from throughgate_local.stack import MAX_RECEIVE_COUNT as LOCAL_MAX_RECEIVE_COUNT

# Set by the Lambda runtime itself; a function may not define them.
LAMBDA_RESERVED = {"AWS_REGION", "AWS_DEFAULT_REGION"}
XRAY_WRITE = {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}
STATES_LOGGING = {
    "logs:CreateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:DescribeLogGroups",
    "logs:DescribeResourcePolicies",
    "logs:GetLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:UpdateLogDelivery",
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
    *XRAY_WRITE,
}
# Resource patterns with a wildcard, each acknowledged in nag_acknowledgements.py, and who has them.
STATIC_FILES_DEPLOYMENT = "StaticFilesDeployment"
WILDCARD_RESOURCES = {
    r":schedule/Throughgate-outcomes/outcome-\*$": {
        "OnReleased",
        "PrisonEvents",
        "CarryOutEffects",
        "ReconcileEffects",
        "Api",
        "Web",
    },
    r":schedule/Throughgate-outcomes/start-\*$": {
        "PrisonEvents",
        "CarryOutEffects",
        "ReconcileEffects",
        "Api",
        "Web",
    },
    rf":execution:Throughgate-{RELEASE_WORKFLOW}:\*$": {
        "PrisonEvents",
        "CarryOutEffects",
        "ReconcileEffects",
        "Api",
        "Web",
    },
    # CDK's BucketDeployment: the objects of its asset staging bucket and of the static files bucket.
    r"^arn:aws:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-eu-west-2/\*$": {STATIC_FILES_DEPLOYMENT},
    r"^<FrontendStatic[0-9A-F]{8}\.Arn>/\*$": {STATIC_FILES_DEPLOYMENT},
}
# Resource "*": X-Ray for every function, ListStreams for the stream's reader, and publishing a text
# (an SMS to a phone number is authorised against no resource) for the reminders (acknowledged).
STREAM_LIST = "dynamodb:ListStreams"
STAR_ACTIONS = {name: XRAY_WRITE for name in FUNCTIONS} | {
    "CarryOutEffects": XRAY_WRITE | {STREAM_LIST},
    "SendReminders": XRAY_WRITE | {"sns:Publish"},
}
# The only Deny in any role: what takes back publishing to SNS ARNs from the texting role.
EVERY_SNS_ARN = "arn:aws:sns:*:*:*"
DENIED = {("SendReminders", "sns:Publish", EVERY_SNS_ARN)}
# CDK's grantRead / grantReadWrite for the BucketDeployment (acknowledged); no other role has any.
WILDCARD_ACTIONS = {
    STATIC_FILES_DEPLOYMENT: {"s3:GetBucket*", "s3:GetObject*", "s3:List*", "s3:Abort*", "s3:DeleteObject*"}
}

# What the Lambda modules that read the settings on import need to be imported.
SETTINGS_FOR_IMPORT = {
    "TABLE_NAME": "cases",
    "AUDIT_TABLE_NAME": "audit",
    "AWS_REGION": "eu-west-2",
    "RELEASE_STATE_MACHINE_ARN": "arn:aws:states:eu-west-2:1:stateMachine:m",
    "OUTCOME_DUE_FUNCTION_ARN": "arn:aws:lambda:eu-west-2:1:function:f",
    "START_WORKFLOW_FUNCTION_ARN": "arn:aws:lambda:eu-west-2:1:function:f",
    "SCHEDULER_ROLE_ARN": "arn:aws:iam::1:role/r",
    "SCHEDULE_GROUP": "g",
    "REFERENCE_KEY": "k" * 32,
}


def render(value: Any) -> str:
    """An intrinsic as readable text: Ref, GetAtt and Fn::Sub's variables as <...>, Fn::Join joined,
    Fn::Select of an Fn::Split evaluated."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and "Ref" in value:
        return f"<{value['Ref']}>"
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        return "<{}.{}>".format(*value["Fn::GetAtt"])
    if isinstance(value, dict) and "Fn::Select" in value and "Fn::Split" in value["Fn::Select"][1]:
        index, split = value["Fn::Select"]
        separator, text = split["Fn::Split"]
        return render(text).split(separator)[index]
    if isinstance(value, dict) and isinstance(value.get("Fn::Sub"), str):
        return re.sub(r"\$\{([\w:.]+)\}", r"<\1>", value["Fn::Sub"])
    if isinstance(value, dict) and "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return separator.join(render(p) for p in parts)
    return json.dumps(value, sort_keys=True)


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def functions_by_name(synth: Synth) -> dict[str, dict[str, Any]]:
    """The application's functions (named `Throughgate-<manifest name>`), not CDK's deploy-time one."""
    found = {}
    for logical_id, resource in synth.of_type("AWS::Lambda::Function").items():
        name = resource["Properties"].get("FunctionName", "")
        if name.startswith("Throughgate-"):
            found[name.removeprefix("Throughgate-")] = resource | {"LogicalId": logical_id}
    return found


def deployment_handler_id(synth: Synth) -> str:
    """The Lambda function behind the static files' Custom::CDKBucketDeployment."""
    (deployment,) = synth.of_type("Custom::CDKBucketDeployment").values()
    return str(deployment["Properties"]["ServiceToken"]["Fn::GetAtt"][0])


def role_logical_id(function: dict[str, Any]) -> str:
    role = function["Properties"]["Role"]
    assert set(role) == {"Fn::GetAtt"} and role["Fn::GetAtt"][1] == "Arn", role
    return str(role["Fn::GetAtt"][0])


def policy_statements(synth: Synth, role_id: str) -> list[dict[str, Any]]:
    statements = []
    for policy in synth.of_type("AWS::IAM::Policy").values():
        if {"Ref": role_id} in policy["Properties"]["Roles"]:
            statements += policy["Properties"]["PolicyDocument"]["Statement"]
    for inline in synth.resources[role_id]["Properties"].get("Policies", []):
        statements += inline["PolicyDocument"]["Statement"]
    return statements


# -- functions and roles ---------------------------------------------------------------------------
def test_one_function_per_manifest_entry_with_its_handler(synth: Synth) -> None:
    functions = functions_by_name(synth)
    assert set(functions) == set(FUNCTIONS)
    others = set(synth.of_type("AWS::Lambda::Function")) - {f["LogicalId"] for f in functions.values()}
    assert others == {deployment_handler_id(synth)}, "only the static files deployment's handler"
    for name, spec in FUNCTIONS.items():
        assert functions[name]["Properties"]["Handler"] == spec.handler


def test_one_role_per_function_assumed_by_lambda_only(synth: Synth) -> None:
    functions = functions_by_name(synth)
    roles = {name: role_logical_id(f) for name, f in functions.items()}
    assert len(set(roles.values())) == len(FUNCTIONS)
    for role_id in roles.values():
        role = synth.resources[role_id]["Properties"]
        assert role["AssumeRolePolicyDocument"]["Statement"] == [
            {
                "Action": "sts:AssumeRole",
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
            }
        ]
    managed = {
        render(arn)
        for role in synth.of_type("AWS::IAM::Role").values()
        for arn in role["Properties"].get("ManagedPolicyArns", [])
    }
    # Only API Gateway's account logging role and AWS Backup's (acknowledged); no function role has one.
    assert managed == {
        "arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs",
        "arn:<AWS::Partition>:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
    }


def test_functions_are_arm64_python_313_bounded_traced_with_json_logs(synth: Synth) -> None:
    log_groups = synth.of_type("AWS::Logs::LogGroup")
    for name, function in functions_by_name(synth).items():
        props = function["Properties"]
        assert props["Architectures"] == ["arm64"], name
        assert props["Runtime"] == "python3.13", name
        assert 3 <= props["Timeout"] <= 300, name
        assert 128 <= props["MemorySize"] <= 1024, name
        assert props["TracingConfig"] == {"Mode": "Active"}, name
        assert props["LoggingConfig"]["LogFormat"] == "JSON", name
        assert len(props["Layers"]) == 1, name
        log_group = log_groups[props["LoggingConfig"]["LogGroup"]["Ref"]]["Properties"]
        assert log_group["LogGroupName"] == f"/aws/lambda/{props['FunctionName']}"
        assert log_group["RetentionInDays"] == 90


SIGN_IN_FUNCTIONS = {"SignIn", "Authorizer"}  # throughgate.config.AuthSettings
SESSION_CHECKERS = {"Authorizer"}  # and the case settings, to read staff records (no secret)
MANAGING_STAFF = {"Api", "Web"}  # throughgate.config.PoolSettings: the one user pool they change
# What computes a keyed hash (throughgate.store.keys): referral, search and closing (Api, Web), a
# prison event (PrisonEvents), retention anonymisation (DailySweep).
REFERENCE_KEY_READERS = {"Api", "Web", "PrisonEvents", "DailySweep", "InboundTexts"}
PAGE_FUNCTIONS = {"Web", "SignIn"}  # render GOV.UK pages that link to the static files
TEXTERS = {"SendReminders"}  # sends texts from the programme's number (throughgate.adapters.aws.SnsTexts)
# Every setting that is a secret or names something only one part of the service should see, and
# the functions that use it. A setting whose name looks like one must be listed here.
SECRET_LIKE = re.compile(r"KEY|SECRET|TOKEN|PASSWORD|CREDENTIAL|NUMBER|PHONE")
USED_BY = {
    "REFERENCE_KEY": REFERENCE_KEY_READERS,
    "CSRF_SECRET": {"Web"},
    "SMS_ORIGINATION_NUMBER": TEXTERS,
}


def environment_of(synth: Synth, name: str) -> dict[str, Any]:
    return dict(functions_by_name(synth)[name]["Properties"]["Environment"]["Variables"])


def test_each_function_environment_holds_its_own_settings_and_no_others(synth: Synth) -> None:
    from throughgate_infra.functions import DELIVERING, service_name
    from throughgate_infra.functions import MANAGING_STAFF as managing

    assert DELIVERING == ["CarryOutEffects", "DailySweep", "ReconcileEffects"]
    assert set(managing) == MANAGING_STAFF
    case_settings = set(config._ENV.values()) - LAMBDA_RESERVED
    sign_in_settings = {
        config._AUTH_ENV[field]
        for field, info in config.AuthSettings.model_fields.items()
        if info.is_required()
    } - LAMBDA_RESERVED
    assert {"AUDIT_TABLE_NAME", "REFERENCE_KEY"} <= case_settings
    assert sign_in_settings == {"USER_POOL_ID", "USER_POOL_CLIENT_ID"}  # JWKS_URL, SESSION_COOKIE: defaults
    for name in FUNCTIONS:
        environment = environment_of(synth, name)
        expected = set(sign_in_settings if name in SIGN_IN_FUNCTIONS else case_settings)
        expected |= case_settings if name in SESSION_CHECKERS else set()
        expected -= set() if name in REFERENCE_KEY_READERS else {"REFERENCE_KEY"}
        expected -= set() if name in TEXTERS else {"SMS_ORIGINATION_NUMBER"}
        expected |= {"USER_POOL_ID"} if name in MANAGING_STAFF else set()
        expected |= {"STATIC_BASE_PATH"} if name in PAGE_FUNCTIONS else set()
        expected |= {"CSRF_SECRET"} if name == "Web" else set()
        expected |= set(config._FEED_ENV.values()) if name == "PrisonEvents" else set()
        expected |= set(config._DELIVERY_ENV.values()) if name in DELIVERING else set()
        own = {k for k in environment if not k.startswith("POWERTOOLS_")}
        assert own == expected, f"{name}: extra {sorted(own - expected)}, missing {sorted(expected - own)}"
        assert environment["POWERTOOLS_SERVICE_NAME"] == service_name(name)
        assert environment["POWERTOOLS_LOGGER_LOG_EVENT"] == "false"


def test_a_secret_like_setting_is_only_in_the_functions_that_use_it(synth: Synth) -> None:
    seen: dict[str, set[str]] = {setting: set() for setting in USED_BY}
    for name in FUNCTIONS:
        for setting in environment_of(synth, name):
            if SECRET_LIKE.search(setting.removeprefix("POWERTOOLS_")):
                assert setting in USED_BY, f"{setting}: say in USED_BY which functions use it"
                assert name in USED_BY[setting], f"{setting} is in {name}, which does not use it"
                seen[setting].add(name)
    assert seen == USED_BY, "a function that uses a setting lacks it"


def test_only_the_reminders_handler_reads_the_origination_number() -> None:
    """Who uses SMS_ORIGINATION_NUMBER, from the code: the SNS texts adapter alone reads it, and only
    the SendReminders handler sends texts with that adapter."""
    package = ROOT / "functions" / "throughgate"
    readers = {
        p.relative_to(package).as_posix()
        for p in package.rglob("*.py")
        if "sms_origination_number" in p.read_text()
    }
    assert readers == {"config.py", "adapters/aws.py"}
    senders = {
        p.relative_to(package).as_posix() for p in package.rglob("*.py") if "SnsTexts(" in p.read_text()
    }
    assert senders == {"handlers/texts.py"}
    using = {name for name, spec in FUNCTIONS.items() if "SnsTexts" in _handler_source(spec.handler)}
    assert using == TEXTERS


def _handler_source(handler: str) -> str:
    """The source of one handler function (`module.function`, as the Lambda runtime names it); a
    handler made by an assignment (the workflow steps) counts as its whole module."""
    import ast

    module, function = handler.rsplit(".", 1)
    text = (ROOT / "functions" / (module.replace(".", "/") + ".py")).read_text()
    found = [n for n in ast.parse(text).body if isinstance(n, ast.FunctionDef) and n.name == function]
    return ast.get_source_segment(text, found[0]) or "" if found else text


def test_settings_name_the_resources_of_the_stack(synth: Synth) -> None:
    cases, audit = table_ids(synth)
    ((pool_id, _),) = synth.of_type("AWS::Cognito::UserPool").items()
    ((client_id, _),) = synth.of_type("AWS::Cognito::UserPoolClient").items()
    for name in FUNCTIONS:
        environment = environment_of(synth, name)
        if name in SIGN_IN_FUNCTIONS:
            assert environment["USER_POOL_ID"] == {"Ref": pool_id}
            assert environment["USER_POOL_CLIENT_ID"] == {"Ref": client_id}
            if name not in SESSION_CHECKERS:
                continue
        if name in MANAGING_STAFF:
            assert environment["USER_POOL_ID"] == {"Ref": pool_id}
        assert environment["TABLE_NAME"] == {"Ref": cases}
        assert environment["AUDIT_TABLE_NAME"] == {"Ref": audit}
        assert render(environment["RELEASE_STATE_MACHINE_ARN"]).endswith(
            f":stateMachine:Throughgate-{RELEASE_WORKFLOW}"
        )
        assert render(environment["OUTCOME_DUE_FUNCTION_ARN"]).endswith(":function:Throughgate-OutcomeDue")


SECRET_REFERENCE = r"\{\{resolve:secretsmanager:<(\w+)>:SecretString:::\}\}"


def test_secrets_reach_the_functions_by_reference_never_by_value_under_the_table_key(synth: Synth) -> None:
    secrets = synth.of_type("AWS::SecretsManager::Secret")
    for secret in secrets.values():
        assert "SecretString" not in secret["Properties"], (
            "generated by Secrets Manager, never in the template"
        )
        generated = secret["Properties"]["GenerateSecretString"]
        assert generated["PasswordLength"] >= 32 and generated["ExcludePunctuation"] is True
    table_key = synth.resources[table_ids(synth)[0]]["Properties"]["SSESpecification"]["KMSMasterKeyId"]
    used: dict[str, dict[str, str]] = {"REFERENCE_KEY": {}, "CSRF_SECRET": {}}
    for name, function in functions_by_name(synth).items():
        environment = function["Properties"]["Environment"]["Variables"]
        for setting, by_function in used.items():
            if setting in environment:
                reference = re.fullmatch(SECRET_REFERENCE, render(environment[setting]))
                assert reference and reference.group(1) in secrets, (name, setting)
                by_function[name] = reference.group(1)
        if "REFERENCE_KEY" in environment:
            # Their values sit in the function's configuration: encrypted under the customer-managed key.
            assert function["Properties"]["KmsKeyArn"] == table_key, name
    assert set(used["REFERENCE_KEY"]) == REFERENCE_KEY_READERS
    assert set(used["CSRF_SECRET"]) == {"Web"}
    (reference_key,) = set(used["REFERENCE_KEY"].values())
    (csrf_secret,) = set(used["CSRF_SECRET"].values())
    (origin_secret,) = set(secrets) - {reference_key, csrf_secret}
    assert "OriginSecret" in origin_secret, "the third is CloudFront's origin header"
    for secret in secrets.values():
        assert secret["Properties"]["KmsKeyId"] == table_key, "under the customer-managed key"


def test_the_reference_key_readers_are_the_functions_whose_logic_hashes_and_no_other() -> None:
    """The infra's list agrees with this test's, and a function without the key cannot hash."""
    from throughgate_infra.functions import REFERENCE_KEY_READERS as readers

    assert readers == REFERENCE_KEY_READERS
    settings = config.Settings(
        table_name="cases",
        audit_table_name="audit",
        region="eu-west-2",
        release_state_machine_arn="arn:aws:states:eu-west-2:1:stateMachine:r",
        outcome_due_function_arn="arn:aws:lambda:eu-west-2:1:function:o",
        start_workflow_function_arn="arn:aws:lambda:eu-west-2:1:function:s",
        notifications_topic_arn="arn:aws:sns:eu-west-2:1:t",
        scheduler_role_arn="arn:aws:iam::1:role/s",
        schedule_group="g",
    )
    with pytest.raises(config.ConfigError, match="REFERENCE_KEY"):
        settings.keyed_hash_key()


def test_no_wildcard_action_and_no_wildcard_resource_but_the_acknowledged(synth: Synth) -> None:
    role_names = {role_logical_id(f): name for name, f in functions_by_name(synth).items()}
    role_names[role_logical_id(synth.resources[deployment_handler_id(synth)])] = STATIC_FILES_DEPLOYMENT
    seen: dict[str, set[str]] = {pattern: set() for pattern in WILDCARD_RESOURCES}
    denied = set()
    for role_id in synth.of_type("AWS::IAM::Role"):
        owner = role_names.get(role_id, role_id)
        for statement in policy_statements(synth, role_id):
            actions = set(as_list(statement["Action"]))
            if statement["Effect"] == "Deny":
                denied |= {(owner, a, render(r)) for a in actions for r in as_list(statement["Resource"])}
                continue
            assert statement["Effect"] == "Allow"
            assert {a for a in actions if "*" in a} <= WILDCARD_ACTIONS.get(owner, set()), (owner, actions)
            for resource in map(render, as_list(statement["Resource"])):
                if resource == "*":
                    allowed = STAR_ACTIONS.get(owner, STATES_LOGGING)
                    assert actions <= allowed, (owner, actions)
                elif "*" in resource:
                    pattern = next((p for p in WILDCARD_RESOURCES if re.search(p, resource)), None)
                    assert pattern, (owner, resource)
                    seen[pattern].add(owner)
    assert seen == WILDCARD_RESOURCES
    assert denied == DENIED


def test_only_the_reminders_send_texts_and_they_may_publish_nothing_else(synth: Synth) -> None:
    """sns:Publish on "*" reaches phone numbers and every topic; the Deny (which wins over any
    Allow) takes back every SNS ARN, so what is left is texting. No other role publishes at all:
    staff notifications are e-mail (SES) and in-app."""
    publishers = {}
    for name, function in functions_by_name(synth).items():
        statements = policy_statements(synth, role_logical_id(function))
        publishing = [s for s in statements if "sns:Publish" in as_list(s["Action"])]
        if publishing:
            publishers[name] = sorted(
                (s["Effect"], render(r), "Condition" in s) for s in publishing for r in as_list(s["Resource"])
            )
    assert publishers == {"SendReminders": [("Allow", "*", False), ("Deny", EVERY_SNS_ARN, False)]}
    every_sns_arn = EVERY_SNS_ARN.replace("<AWS::Partition>", "aws")
    for arn in (
        "arn:aws:sns:eu-west-2:123456789012:Throughgate-alarms",
        "arn:aws:sns:us-east-1:1:app/GCM/x/y",
    ):
        assert fnmatch.fnmatch(arn, every_sns_arn)


# -- the tables and who may do what to them --------------------------------------------------------
def table_ids(synth: Synth) -> tuple[str, str]:
    """The case table's and the audit table's logical ids, told apart by their keys."""
    by_partition_key = {
        t["Properties"]["KeySchema"][0]["AttributeName"]: k
        for k, t in synth.of_type("AWS::DynamoDB::Table").items()
    }
    assert len(by_partition_key) == 2
    return by_partition_key[schema.PARTITION_KEY], by_partition_key[schema.AUDIT_PARTITION_KEY]


def dynamodb_grants(synth: Synth, role_id: str) -> dict[str, set[str]]:
    """Resource (rendered) -> every DynamoDB action the role is allowed on it, over all its statements."""
    grants: dict[str, set[str]] = {}
    for statement in policy_statements(synth, role_id):
        actions = {a for a in as_list(statement["Action"]) if a.startswith("dynamodb:")}
        assert statement["Effect"] == "Allow" or not actions, "no role is denied table actions"
        for resource in map(render, as_list(statement["Resource"])) if actions else []:
            grants.setdefault(resource, set()).update(actions)
    return grants


READ = {"dynamodb:GetItem", "dynamodb:Query"}
# DeleteItem: the effects carried out; ConditionCheckItem: a write made only while the case item holds.
WRITE = READ | {"dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:ConditionCheckItem"}
RELEASE_REFERENCE = {"dynamodb:DeleteItem"}  # in the transaction that ends a case
ERASE = {"dynamodb:DeleteItem", "dynamodb:BatchWriteItem"}  # a case's partition, in batches
READ_MANY = {"dynamodb:BatchGetItem"}  # several cases at once: dashboards, search, updates not applied
ALL_INDEXES = frozenset(schema.GLOBAL_INDEXES)
# Function -> (actions on the case table, indexes it may query, actions on the audit table), from
# what each handler's logic calls (throughgate.logic, store.repository, store.audit).
TABLE_GRANTS: dict[str, tuple[set[str], frozenset[str], set[str]]] = {
    "PlanMilestones": (READ, frozenset(), set()),
    "OpenGate": (WRITE, frozenset(), set()),
    "ListNeeds": (READ, frozenset(), set()),
    "CreateAreaTasks": (WRITE, frozenset(), set()),
    "AdvanceStage": (WRITE, frozenset(), set()),
    "RaiseEscalation": (WRITE, frozenset(), set()),
    "OnReleased": (WRITE, frozenset(), set()),  # saves its schedule as an effect
    "PlanCheckIn": (READ, frozenset(), set()),
    "RecordFailure": (WRITE, frozenset(), set()),
    "OutcomeDue": (WRITE, frozenset(), set()),
    "ExecutionEnded": (WRITE, frozenset(), set()),
    "StartWorkflow": (WRITE, frozenset(), set()),  # saves the start as an effect
    # The weekly check counts released cases through the by_stage index (LIST: every index).
    "DailySweep": (WRITE | ERASE, ALL_INDEXES, {"dynamodb:PutItem"}),
    "PrisonEvents": (WRITE | RELEASE_REFERENCE, frozenset(), set()),
    "CarryOutEffects": (WRITE, frozenset(), set()),
    "ReconcileEffects": (WRITE, frozenset({"open_items"}), set()),
    # The reminders due are open items; a reminder sent is saved on its appointment.
    "SendReminders": (WRITE, frozenset({"open_items"}), set()),
    "InboundTexts": (WRITE, frozenset(), set()),  # a STOP saves the client's texts as ended
    # The open items: the prison updates not applied, listed and forgotten with an erased case.
    "Api": (WRITE | ERASE | READ_MANY, frozenset({"open_items"}), {"dynamodb:PutItem", "dynamodb:Query"}),
    "Web": (WRITE | ERASE | READ_MANY, ALL_INDEXES, {"dynamodb:PutItem", "dynamodb:Query"}),
    "SignIn": (set(), frozenset(), set()),
    "Authorizer": ({"dynamodb:GetItem"}, frozenset(), set()),  # staff records only (condition below)
}


# The case table's stream, read by the event source of CarryOutEffects only (CDK's grantStreamRead).
STREAM_READERS = {"CarryOutEffects"}
STREAM_READ = {"dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"}


def test_each_role_has_exactly_the_table_access_its_handler_uses(synth: Synth) -> None:
    assert set(TABLE_GRANTS) == set(FUNCTIONS)
    cases, audit = table_ids(synth)
    for name, function in functions_by_name(synth).items():
        table_actions, indexes, audit_actions = TABLE_GRANTS[name]
        expected = {f"<{cases}.Arn>/index/{index}": {"dynamodb:Query"} for index in indexes}
        expected |= {f"<{cases}.Arn>": table_actions} if table_actions else {}
        expected |= {f"<{audit}.Arn>": audit_actions} if audit_actions else {}
        if name in STREAM_READERS:
            expected |= {f"<{cases}.StreamArn>": STREAM_READ, "*": {STREAM_LIST}}
        assert dynamodb_grants(synth, role_logical_id(function)) == expected, name


def test_no_role_may_change_or_delete_audit_entries(synth: Synth) -> None:
    _, audit = table_ids(synth)
    names = {role_logical_id(f): name for name, f in functions_by_name(synth).items()}
    on_audit: dict[str, set[str]] = {}
    for role_id in synth.of_type("AWS::IAM::Role"):
        for resource, actions in dynamodb_grants(synth, role_id).items():
            if resource == "*":
                assert actions == {STREAM_LIST}, (role_id, actions)  # no resource-level permission
                continue
            assert not resource.endswith("*"), (role_id, resource)
            if resource.startswith(f"<{audit}.Arn>"):
                assert resource == f"<{audit}.Arn>", "the audit table has no index"
                on_audit[names.get(role_id, role_id)] = actions
    assert on_audit == {
        "Api": {"dynamodb:PutItem", "dynamodb:Query"},
        "Web": {"dynamodb:PutItem", "dynamodb:Query"},
        "DailySweep": {"dynamodb:PutItem"},  # records retention anonymisation
    }


def test_tables_are_on_demand_recoverable_protected_encrypted_and_expire(synth: Synth) -> None:
    cases, audit = table_ids(synth)
    keys = set()
    for logical_id, (partition, sort) in {
        cases: (schema.PARTITION_KEY, schema.SORT_KEY),
        audit: (schema.AUDIT_PARTITION_KEY, schema.AUDIT_SORT_KEY),
    }.items():
        table = synth.resources[logical_id]
        props = table["Properties"]
        assert table["DeletionPolicy"] == "Retain", logical_id
        assert props["BillingMode"] == "PAY_PER_REQUEST"
        assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
        assert props["DeletionProtectionEnabled"] is True
        assert props["TimeToLiveSpecification"] == {"AttributeName": schema.TTL_ATTRIBUTE, "Enabled": True}
        assert props["KeySchema"] == [
            {"AttributeName": partition, "KeyType": "HASH"},
            {"AttributeName": sort, "KeyType": "RANGE"},
        ]
        sse = props["SSESpecification"]
        assert sse["SSEEnabled"] is True and sse["SSEType"] == "KMS"
        keys.add(sse["KMSMasterKeyId"]["Fn::GetAtt"][0])
    (key_id,) = keys
    key = synth.resources[key_id]
    assert key["Type"] == "AWS::KMS::Key"
    assert key["Properties"]["EnableKeyRotation"] is True
    assert "GlobalSecondaryIndexes" not in synth.resources[audit]["Properties"]
    audit_attributes = synth.resources[audit]["Properties"]["AttributeDefinitions"]
    assert {a["AttributeName"]: a["AttributeType"] for a in audit_attributes} == {
        schema.AUDIT_PARTITION_KEY: "S",
        schema.AUDIT_SORT_KEY: "S",
    }


def test_case_table_indexes_as_schema(synth: Synth) -> None:
    props = synth.resources[table_ids(synth)[0]]["Properties"]
    indexes = {
        index["IndexName"]: (
            [k["AttributeName"] for k in index["KeySchema"]],
            index["Projection"]["ProjectionType"],
        )
        for index in props["GlobalSecondaryIndexes"]
    }
    assert indexes == {name: ([pk, sk], "ALL") for name, (pk, sk) in schema.GLOBAL_INDEXES.items()}
    attributes = {a["AttributeName"]: a["AttributeType"] for a in props["AttributeDefinitions"]}
    expected = {schema.PARTITION_KEY, schema.SORT_KEY} | {
        a for ks in schema.GLOBAL_INDEXES.values() for a in ks
    }
    assert attributes == dict.fromkeys(expected, "S")


# -- the workflow ----------------------------------------------------------------------------------
def state_machine(synth: Synth) -> dict[str, Any]:
    (machine,) = synth.of_type("AWS::StepFunctions::StateMachine").values()
    return machine["Properties"]


def definition_with_markers(synth: Synth) -> dict[str, Any]:
    """The definition as deployed: the staged ASL asset with the template's DefinitionSubstitutions
    applied, each `Fn::GetAtt` (a function's ARN) or `Ref` (the topic's) shown as `@@<logical id>@@`."""
    machine = state_machine(synth)
    key = machine["DefinitionS3Location"]["Key"]
    text = (synth.outdir / f"asset.{key}").read_text()
    values = {}
    for placeholder, value in machine["DefinitionSubstitutions"].items():
        if "Ref" in value:
            values[placeholder] = f"@@{value['Ref']}@@"
        else:
            assert set(value) == {"Fn::GetAtt"} and value["Fn::GetAtt"][1] == "Arn", value
            values[placeholder] = f"@@{value['Fn::GetAtt'][0]}@@"
    return json.loads(re.sub(r"\$\{(\w+)\}", lambda m: values.get(m.group(1), m.group(0)), text))


def task_states(definition: dict[str, Any], caught: bool = False) -> dict[str, dict[str, Any]]:
    """Every Task, nested ones too; `_caught` says whether a Catch covers it (its own or its Map's)."""
    tasks = {}
    for name, state in definition["States"].items():
        if state["Type"] == "Task":
            tasks[name] = state | {"_caught": caught or bool(state.get("Catch"))}
        for branch in [state.get("Iterator"), state.get("ItemProcessor"), *state.get("Branches", [])]:
            if branch:
                tasks |= task_states(branch, caught or bool(state.get("Catch")))
    return tasks


def substituted(source: Any, deployed: Any, path: str = "") -> list[tuple[str, str, Any]]:
    """(where, placeholder, deployed value) for every `${...}` value of the source definition."""
    if isinstance(source, dict):
        return [f for k, v in source.items() for f in substituted(v, deployed[k], f"{path}/{k}")]
    if isinstance(source, list):
        return [
            f
            for i, (s, d) in enumerate(zip(source, deployed, strict=True))
            for f in substituted(s, d, f"{path}/{i}")
        ]
    placeholder = re.fullmatch(r"\$\{(\w+)\}", source) if isinstance(source, str) else None
    return [(path, placeholder.group(1), deployed)] if placeholder else []


def test_every_asl_placeholder_is_substituted_with_a_resource_of_the_stack(synth: Synth) -> None:
    source = json.loads((ROOT / "workflows" / f"{RELEASE_WORKFLOW}.asl.json").read_text())
    synthesized = definition_with_markers(synth)
    assert "${" not in json.dumps(synthesized)
    functions = functions_by_name(synth)
    expected = {
        spec.asl_placeholder: functions[name]["LogicalId"]
        for name, spec in FUNCTIONS.items()
        if spec.asl_placeholder
    }
    found = substituted(source, synthesized)
    for where, placeholder, value in found:
        assert value == f"@@{expected[placeholder]}@@", where
    assert {placeholder for _, placeholder, _ in found} == set(expected), "every placeholder is used"
    # Notifications are addressed to people by the app, never published by the workflow to a topic.
    assert not [t for t in task_states(synthesized).values() if ":sns:" in t["Resource"]]


def test_every_task_has_retry_and_is_caught(synth: Synth) -> None:
    for name, task in task_states(definition_with_markers(synth)).items():
        assert task.get("Retry"), name
        assert task["_caught"], f"{name} has no Catch, nor a Map or Parallel around it with one"


def test_state_machine_is_standard_logged_without_data_and_traced(synth: Synth) -> None:
    machine = state_machine(synth)
    assert machine["StateMachineType"] == "STANDARD"
    assert machine["LoggingConfiguration"]["Level"] == "ALL"
    assert machine["LoggingConfiguration"]["IncludeExecutionData"] is False
    assert machine["TracingConfiguration"] == {"Enabled": True}


def test_state_machine_may_invoke_its_functions_only(synth: Synth) -> None:
    functions = functions_by_name(synth)
    called = {
        f"<{functions[name]['LogicalId']}.Arn>" for name, spec in FUNCTIONS.items() if spec.asl_placeholder
    }
    grants: dict[str, set[str]] = {}
    for statement in policy_statements(synth, state_machine(synth)["RoleArn"]["Fn::GetAtt"][0]):
        for action in set(as_list(statement["Action"])) - STATES_LOGGING:
            grants.setdefault(action, set()).update(map(render, as_list(statement["Resource"])))
    assert grants == {"lambda:InvokeFunction": called}


# -- what outlives the stack -----------------------------------------------------------------------
def test_only_the_data_its_key_and_reference_key_the_user_pool_and_access_records_outlive_the_stack(
    synth: Synth,
) -> None:
    kept = {k: r["Type"] for k, r in synth.resources.items() if r.get("DeletionPolicy") == "Retain"}
    assert sorted(kept.values()) == [
        "AWS::ApiGateway::Account",  # the account's API logging role setting, shared
        "AWS::Backup::BackupVault",  # the tables' backups (locked)
        "AWS::Cognito::UserPool",
        "AWS::DynamoDB::Table",  # cases
        "AWS::DynamoDB::Table",  # audit trail
        "AWS::KMS::Key",  # the tables'
        "AWS::KMS::Key",  # the audit table trail's logs'
        "AWS::S3::Bucket",  # access logs
        "AWS::S3::Bucket",  # the audit table's trail: who read or wrote an entry
        "AWS::SecretsManager::Secret",  # the reference key: the case table's references need it
    ]
    for table_id in table_ids(synth):
        assert (
            synth.resources[table_id]["Properties"]["SSESpecification"]["KMSMasterKeyId"]["Fn::GetAtt"][0]
            in kept
        )
    reference = re.fullmatch(SECRET_REFERENCE, render(environment_of(synth, "Api")["REFERENCE_KEY"]))
    assert reference and reference.group(1) in kept
    static_id = static_deployment(synth)["DestinationBucketName"]["Ref"]
    logs_id = synth.resources[static_id]["Properties"]["LoggingConfiguration"]["DestinationBucketName"]["Ref"]
    assert logs_id in kept
    for key in synth.of_type("AWS::KMS::Key").values():
        assert key["Properties"]["EnableKeyRotation"] is True


# -- events, queues, topics ------------------------------------------------------------------------
def event_source_of(synth: Synth, name: str) -> dict[str, Any]:
    """The one event source mapping of a function."""
    function_id = functions_by_name(synth)[name]["LogicalId"]
    (mapping,) = (
        m
        for m in synth.of_type("AWS::Lambda::EventSourceMapping").values()
        if m["Properties"]["FunctionName"] == {"Ref": function_id}
    )
    return mapping


def rule_named(synth: Synth, name: str) -> dict[str, Any]:
    (rule,) = (r for r in synth.of_type("AWS::Events::Rule").values() if r["Properties"]["Name"] == name)
    return rule


def test_prison_events_queue_has_dead_letters_after_three_receives_kms_and_tls_only(synth: Synth) -> None:
    queues = synth.of_type("AWS::SQS::Queue")
    by_name = {q["Properties"]["QueueName"].removeprefix("Throughgate-"): (k, q) for k, q in queues.items()}
    _, events_queue = by_name["prison-events"]
    dlq_id, _ = by_name["prison-events-dlq"]
    assert events_queue["Properties"]["RedrivePolicy"] == {
        "deadLetterTargetArn": {"Fn::GetAtt": [dlq_id, "Arn"]},
        "maxReceiveCount": 3,
    }
    for logical_id, queue in queues.items():
        assert "KmsMasterKeyId" in queue["Properties"], logical_id
    tls_only = {
        q["Ref"]
        for policy in synth.of_type("AWS::SQS::QueuePolicy").values()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        if statement["Effect"] == "Deny"
        and statement.get("Condition") == {"Bool": {"aws:SecureTransport": "false"}}
        for q in policy["Properties"]["Queues"]
    }
    assert tls_only == set(queues)
    mapping = event_source_of(synth, "PrisonEvents")
    assert mapping["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mapping["Properties"]["EventSourceArn"] == {"Fn::GetAtt": [by_name["prison-events"][0], "Arn"]}
    # The function knows a message's last delivery by the same count (and so does the local stack).
    assert environment_of(synth, "PrisonEvents")["MAX_RECEIVE_COUNT"] == "3" == str(LOCAL_MAX_RECEIVE_COUNT)
    retention = {q["Properties"]["MessageRetentionPeriod"] for q in queues.values()}
    assert retention == {KEPT_DAYS * 24 * 3600}, "the coordinators' copy of a dead letter expires with it"


def test_topics_are_encrypted_and_tls_only(synth: Synth) -> None:
    topics = synth.of_type("AWS::SNS::Topic")
    for topic in topics.values():
        assert "KmsMasterKeyId" in topic["Properties"]
    tls_only = {
        t["Ref"]
        for policy in synth.of_type("AWS::SNS::TopicPolicy").values()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        if statement["Effect"] == "Deny"
        and statement.get("Condition") == {"Bool": {"aws:SecureTransport": "false"}}
        for t in policy["Properties"]["Topics"]
    }
    assert tls_only == set(topics)


def test_scheduler_role_may_invoke_outcome_due_and_start_workflow_only(synth: Synth) -> None:
    environment = functions_by_name(synth)["OnReleased"]["Properties"]["Environment"]["Variables"]
    role_id = environment["SCHEDULER_ROLE_ARN"]["Fn::GetAtt"][0]
    role = synth.resources[role_id]["Properties"]
    (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "scheduler.amazonaws.com"}
    assert "aws:SourceAccount" in trust["Condition"]["StringEquals"]
    (statement,) = policy_statements(synth, role_id)
    assert statement["Action"] == "lambda:InvokeFunction"
    resources = sorted(render(r).rsplit(":function:", 1)[1] for r in as_list(statement["Resource"]))
    assert resources == ["Throughgate-OutcomeDue", "Throughgate-StartWorkflow"]
    assert render(environment["START_WORKFLOW_FUNCTION_ARN"]).endswith(":function:Throughgate-StartWorkflow")
    (group,) = synth.of_type("AWS::Scheduler::ScheduleGroup").values()
    assert group["Properties"]["Name"] == environment["SCHEDULE_GROUP"]


def test_daily_sweep_rule_targets_the_sweep(synth: Synth) -> None:
    assert {r["Properties"]["Name"] for r in synth.of_type("AWS::Events::Rule").values()} == {
        "Throughgate-daily-sweep",
        "Throughgate-reconcile-effects",
        "Throughgate-execution-ended",
        "Throughgate-text-reminders",
    }
    rule = rule_named(synth, "Throughgate-daily-sweep")
    assert rule["Properties"]["ScheduleExpression"] == "cron(0 6 * * ? *)"
    (target,) = rule["Properties"]["Targets"]
    assert target["Arn"] == {"Fn::GetAtt": [functions_by_name(synth)["DailySweep"]["LogicalId"], "Arn"]}
    assert "DeadLetterConfig" in target


# -- the outbox ------------------------------------------------------------------------------------
def test_the_case_table_streams_new_images_and_the_audit_table_none(synth: Synth) -> None:
    cases, audit = table_ids(synth)
    assert synth.resources[cases]["Properties"]["StreamSpecification"] == {"StreamViewType": "NEW_IMAGE"}
    assert "StreamSpecification" not in synth.resources[audit]["Properties"]


def test_new_effects_reach_carry_out_effects_from_the_stream_filtered_batched_and_bounded(
    synth: Synth,
) -> None:
    cases, _ = table_ids(synth)
    mapping = event_source_of(synth, "CarryOutEffects")["Properties"]
    assert mapping["EventSourceArn"] == {"Fn::GetAtt": [cases, "StreamArn"]}
    assert mapping["StartingPosition"] == "LATEST"
    assert mapping["BatchSize"] == 10
    assert mapping["BisectBatchOnFunctionError"] is True
    assert mapping["MaximumRetryAttempts"] == 2
    (only,) = mapping["FilterCriteria"]["Filters"]
    assert json.loads(only["Pattern"]) == {
        "eventName": ["INSERT"],
        "dynamodb": {"Keys": {schema.SORT_KEY: {"S": [{"prefix": "EFFECT#"}]}}},
    }
    # No other function reads the stream.
    sources = {
        m["Properties"]["EventSourceArn"]["Fn::GetAtt"][1]
        for m in synth.of_type("AWS::Lambda::EventSourceMapping").values()
    }
    assert sources == {"Arn", "StreamArn"}


def test_reconcile_rule_runs_every_five_minutes_as_the_sweep_s_with_dead_letters(synth: Synth) -> None:
    functions = functions_by_name(synth)
    rule = rule_named(synth, "Throughgate-reconcile-effects")
    assert rule["Properties"]["ScheduleExpression"] == "rate(5 minutes)"
    (target,) = rule["Properties"]["Targets"]
    assert target["Arn"] == {"Fn::GetAtt": [functions["ReconcileEffects"]["LogicalId"], "Arn"]}
    (sweep_target,) = rule_named(synth, "Throughgate-daily-sweep")["Properties"]["Targets"]
    assert target["RetryPolicy"] == sweep_target["RetryPolicy"] == {"MaximumRetryAttempts": 2}
    assert target["DeadLetterConfig"] == sweep_target["DeadLetterConfig"]
    # Failed asynchronous invocations go to the same queue as the sweep's.
    assert (
        functions["ReconcileEffects"]["Properties"]["DeadLetterConfig"]
        == functions["DailySweep"]["Properties"]["DeadLetterConfig"]
        == {"TargetArn": target["DeadLetterConfig"]["Arn"]}
    )
    # EventBridge may use the failed-invocations queue's key for this rule's events, as the sweep's.
    queue_id = target["DeadLetterConfig"]["Arn"]["Fn::GetAtt"][0]
    key_id = synth.resources[queue_id]["Properties"]["KmsMasterKeyId"]["Fn::GetAtt"][0]
    from_events = {
        render(statement["Condition"]["ArnEquals"]["aws:SourceArn"]).rsplit("/", 1)[1]
        for statement in synth.resources[key_id]["Properties"]["KeyPolicy"]["Statement"]
        if statement["Principal"] == {"Service": "events.amazonaws.com"}
    }
    assert from_events == {
        "Throughgate-daily-sweep",
        "Throughgate-reconcile-effects",
        "Throughgate-execution-ended",
        "Throughgate-text-reminders",
    }


# -- text reminders --------------------------------------------------------------------------------
def test_text_reminders_run_every_fifteen_minutes_as_the_sweep_s_with_dead_letters(synth: Synth) -> None:
    functions = functions_by_name(synth)
    rule = rule_named(synth, "Throughgate-text-reminders")
    assert rule["Properties"]["ScheduleExpression"] == "rate(15 minutes)"
    (target,) = rule["Properties"]["Targets"]
    assert target["Arn"] == {"Fn::GetAtt": [functions["SendReminders"]["LogicalId"], "Arn"]}
    (sweep_target,) = rule_named(synth, "Throughgate-daily-sweep")["Properties"]["Targets"]
    assert target["RetryPolicy"] == sweep_target["RetryPolicy"]
    assert target["DeadLetterConfig"] == sweep_target["DeadLetterConfig"]
    assert functions["SendReminders"]["Properties"]["DeadLetterConfig"] == {
        "TargetArn": target["DeadLetterConfig"]["Arn"]
    }


def test_replies_reach_inbound_texts_from_the_stack_s_topic_that_only_end_user_messaging_may_publish_to(
    synth: Synth,
) -> None:
    functions = functions_by_name(synth)
    topic_id = logical_id(synth, "AWS::SNS::Topic", "TextsReplies")
    topic = synth.resources[topic_id]["Properties"]
    assert topic["TopicName"] == "Throughgate-text-replies"
    assert synth.template["Outputs"]["InboundTextsTopicArn"]["Value"] == {"Ref": topic_id}
    # Subscribed by InboundTexts alone, undeliverable replies kept with the failed invocations.
    (subscription,) = (
        s["Properties"]
        for s in synth.of_type("AWS::SNS::Subscription").values()
        if s["Properties"]["TopicArn"] == {"Ref": topic_id}
    )
    assert subscription["Protocol"] == "lambda"
    assert subscription["Endpoint"] == {"Fn::GetAtt": [functions["InboundTexts"]["LogicalId"], "Arn"]}
    failed = functions["InboundTexts"]["Properties"]["DeadLetterConfig"]["TargetArn"]
    assert subscription["RedrivePolicy"] == {"deadLetterTargetArn": failed}
    # SNS may invoke the function for this topic only.
    (permission,) = (
        p["Properties"]
        for p in synth.of_type("AWS::Lambda::Permission").values()
        if p["Properties"]["FunctionName"] == {"Fn::GetAtt": [functions["InboundTexts"]["LogicalId"], "Arn"]}
    )
    assert permission["Principal"] == "sns.amazonaws.com"
    assert permission["SourceArn"] == {"Ref": topic_id}
    # End User Messaging of this account publishes, under the topic's own key.
    from_this_account = {
        "StringEquals": {"aws:SourceAccount": "<AWS::AccountId>"},
        "ArnLike": {"aws:SourceArn": "arn:aws:sms-voice:eu-west-2:<AWS::AccountId>:*"},
    }

    def rendered(condition: dict[str, Any]) -> dict[str, Any]:
        return {test: {k: render(v) for k, v in keys.items()} for test, keys in condition.items()}

    (policy,) = (
        p["Properties"]["PolicyDocument"]["Statement"]
        for p in synth.of_type("AWS::SNS::TopicPolicy").values()
        if p["Properties"]["Topics"] == [{"Ref": topic_id}]
    )
    allowed = [st for st in policy if st["Effect"] == "Allow"]
    assert [(st["Principal"], st["Action"], rendered(st["Condition"])) for st in allowed] == [
        ({"Service": "sms-voice.amazonaws.com"}, "sns:Publish", from_this_account)
    ]
    key_id = topic["KmsMasterKeyId"]["Fn::GetAtt"][0]
    (for_messaging,) = (
        st
        for st in synth.resources[key_id]["Properties"]["KeyPolicy"]["Statement"]
        if st["Principal"] == {"Service": "sms-voice.amazonaws.com"}
    )
    assert set(for_messaging["Action"]) == {"kms:GenerateDataKey", "kms:Decrypt"}
    assert rendered(for_messaging["Condition"]) == from_this_account
    # SNS may use the failed-invocations queue's key for this topic's undeliverable replies only.
    queue_key = synth.resources[failed["Fn::GetAtt"][0]]["Properties"]["KmsMasterKeyId"]["Fn::GetAtt"][0]
    (for_sns,) = (
        st
        for st in synth.resources[queue_key]["Properties"]["KeyPolicy"]["Statement"]
        if st["Principal"] == {"Service": "sns.amazonaws.com"}
    )
    assert for_sns["Condition"] == {"ArnEquals": {"aws:SourceArn": {"Ref": topic_id}}}


def test_an_alarm_fires_at_eighty_percent_of_the_month_s_text_budget(synth: Synth) -> None:
    (alarm,) = (
        a["Properties"]
        for a in synth.of_type("AWS::CloudWatch::Alarm").values()
        if a["Properties"].get("MetricName") == "SMSMonthToDateSpentUSD"
    )
    assert alarm["Namespace"] == "AWS/SNS"
    assert alarm["Statistic"] == "Maximum"
    from throughgate_infra.application import cdk_context

    assert alarm["Threshold"] == 0.8 * cdk_context()["sms_monthly_budget_usd"]
    assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert alarm["AlarmActions"]


def test_an_execution_ending_unseen_reaches_execution_ended(synth: Synth) -> None:
    """Failed, timed out or stopped: EventBridge's status change for this state machine only."""
    functions = functions_by_name(synth)
    rule = rule_named(synth, "Throughgate-execution-ended")["Properties"]
    pattern = rule["EventPattern"]
    assert pattern["source"] == ["aws.states"]
    assert pattern["detail-type"] == ["Step Functions Execution Status Change"]
    assert pattern["detail"]["status"] == ["FAILED", "TIMED_OUT", "ABORTED"]
    assert render(pattern["detail"]["stateMachineArn"][0]).endswith(":stateMachine:Throughgate-release")
    (target,) = rule["Targets"]
    assert target["Arn"] == {"Fn::GetAtt": [functions["ExecutionEnded"]["LogicalId"], "Arn"]}
    assert target["RetryPolicy"] == {"MaximumRetryAttempts": 2}


def test_the_overdue_alarm_watches_the_metric_the_reconciler_emits(synth: Synth) -> None:
    environment = environment_of(synth, "ReconcileEffects")
    (alarm,) = (
        a["Properties"]
        for a in synth.of_type("AWS::CloudWatch::Alarm").values()
        if a["Properties"].get("MetricName") == "PendingEffectsOverdue"
    )
    assert alarm["Namespace"] == environment["POWERTOOLS_METRICS_NAMESPACE"] == "Throughgate"
    # powertools' Metrics adds one dimension, `service`: the function's POWERTOOLS_SERVICE_NAME.
    assert alarm["Dimensions"] == [{"Name": "service", "Value": environment["POWERTOOLS_SERVICE_NAME"]}]
    assert alarm["Threshold"] == 1
    assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert alarm["TreatMissingData"] == "notBreaching"
    (topic,) = (
        k
        for k, t in synth.of_type("AWS::SNS::Topic").items()
        if t["Properties"]["TopicName"] == "Throughgate-alarms"
    )
    assert alarm["AlarmActions"] == [{"Ref": topic}]


def test_the_reconciler_emits_the_metric_the_alarm_watches(synth: Synth) -> None:
    """Run the reconcile handler (its logic stubbed) with the function's own powertools settings
    and read the EMF document it prints: namespace, metric and dimensions as the alarm has them."""
    environment = environment_of(synth, "ReconcileEffects")
    powertools = {k: v for k, v in environment.items() if k.startswith("POWERTOOLS_")}
    program = (
        "import json, types\n"
        "from throughgate.handlers import effects as handler\n"
        "handler._deps = lambda: None\n"
        "handler.effects.reconcile = lambda deps, settle_for: handler.effects.ReconcileReport(overdue=2)\n"
        "context = types.SimpleNamespace(function_name='f', memory_limit_in_mb=512,\n"
        "    invoked_function_arn='arn:aws:lambda:eu-west-2:1:function:f', aws_request_id='r')\n"
        "handler.reconcile({}, context)\n"
    )
    output = subprocess.run(
        [sys.executable, "-c", program],
        env=os.environ | SETTINGS_FOR_IMPORT | powertools,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    (emitted,) = [d for d in map(json.loads, filter(None, output.splitlines())) if "_aws" in d]
    (directive,) = emitted["_aws"]["CloudWatchMetrics"]
    alarm = next(
        a["Properties"]
        for a in synth.of_type("AWS::CloudWatch::Alarm").values()
        if a["Properties"].get("MetricName") == "PendingEffectsOverdue"
    )
    assert directive["Namespace"] == alarm["Namespace"]
    assert [m["Name"] for m in directive["Metrics"]] == ["PendingEffectsOverdue"]
    assert directive["Dimensions"] == [[d["Name"] for d in alarm["Dimensions"]]]
    assert {d["Name"]: emitted[d["Name"]] for d in alarm["Dimensions"]} == {
        d["Name"]: d["Value"] for d in alarm["Dimensions"]
    }
    assert emitted["PendingEffectsOverdue"] == [2.0]


def role_grants(synth: Synth, name: str) -> set[tuple[str, str]]:
    """(action, rendered resource) for every statement of a function's role."""
    return {
        (action, resource)
        for statement in policy_statements(synth, role_logical_id(functions_by_name(synth)[name]))
        for action in as_list(statement["Action"])
        for resource in map(render, as_list(statement["Resource"]))
    }


def logical_id(synth: Synth, kind: str, prefix: str) -> str:
    (found,) = (k for k in synth.of_type(kind) if k.startswith(prefix) and k[len(prefix) :].isalnum())
    return found


def test_the_carriers_roles_grant_exactly_what_access_says(synth: Synth) -> None:
    from throughgate_infra.functions import ACCESS, KEY_WRITE, Access

    arn = "arn:aws:{}:eu-west-2:<AWS::AccountId>:{}"
    cases, _ = table_ids(synth)
    table_key = f"<{logical_id(synth, 'AWS::KMS::Key', 'DataTableKey')}.Arn>"
    ((pool_id, _),) = synth.of_type("AWS::Cognito::UserPool").items()
    user_pool = f"<{pool_id}.Arn>"
    ((identity_id, _),) = synth.of_type("AWS::SES::EmailIdentity").items()
    identity = arn.format("ses", f"identity/<{identity_id}>")
    scheduler_role = f"<{logical_id(synth, 'AWS::IAM::Role', 'EventsSchedulerRole')}.Arn>"
    machine = arn.format("states", f"stateMachine:Throughgate-{RELEASE_WORKFLOW}")
    schedules = arn.format("scheduler", "schedule/Throughgate-outcomes/outcome-*")
    starts = arn.format("scheduler", "schedule/Throughgate-outcomes/start-*")
    carrying = {
        *((a, f"<{cases}.Arn>") for a in WRITE),
        *((a, table_key) for a in KEY_WRITE),
        ("cognito-idp:ListUsersInGroup", user_pool),
        ("cognito-idp:AdminGetUser", user_pool),
        ("ses:SendEmail", identity),
        ("states:StartExecution", machine),
        ("states:SendTaskSuccess", machine),
        ("states:StopExecution", arn.format("states", f"execution:Throughgate-{RELEASE_WORKFLOW}:*")),
        ("scheduler:CreateSchedule", schedules),
        ("scheduler:UpdateSchedule", schedules),
        ("scheduler:DeleteSchedule", schedules),
        ("scheduler:CreateSchedule", starts),
        ("scheduler:UpdateSchedule", starts),
        ("scheduler:DeleteSchedule", starts),
        ("iam:PassRole", scheduler_role),
    }
    for name in ("CarryOutEffects", "ReconcileEffects"):
        own_logs = f"<{functions_by_name(synth)[name]['Properties']['LoggingConfig']['LogGroup']['Ref']}.Arn>"
        carrying_as = carrying | {(a, own_logs) for a in ("logs:CreateLogStream", "logs:PutLogEvents")}
        carrying_as |= {(a, "*") for a in XRAY_WRITE}
        if name == "CarryOutEffects":  # its event source reads the case table's stream
            expected = carrying_as | {(a, f"<{cases}.StreamArn>") for a in STREAM_READ} | {(STREAM_LIST, "*")}
        else:  # the open_items index, and its failed invocations to the failed-invocations queue
            queue = logical_id(synth, "AWS::SQS::Queue", "EventsFailedInvocations")
            queue_key = f"<{logical_id(synth, 'AWS::KMS::Key', 'EventsQueueKey')}.Arn>"
            expected = carrying_as | {
                ("dynamodb:Query", f"<{cases}.Arn>/index/open_items"),
                ("sqs:SendMessage", f"<{queue}.Arn>"),
                ("kms:GenerateDataKey", queue_key),
                ("kms:Decrypt", queue_key),
            }
        assert role_grants(synth, name) == expected, name
    assert ACCESS["ReconcileEffects"] == ACCESS["CarryOutEffects"] | {Access.LIST_OPEN_ITEMS}


def test_on_released_saves_its_schedule_as_an_effect_and_makes_it(synth: Synth) -> None:
    cases, _ = table_ids(synth)
    grants = role_grants(synth, "OnReleased")
    assert {("dynamodb:PutItem", f"<{cases}.Arn>"), ("dynamodb:DeleteItem", f"<{cases}.Arn>")} <= grants
    assert {a for a, _ in grants if a.startswith("scheduler:")} == {
        "scheduler:CreateSchedule",
        "scheduler:UpdateSchedule",
    }


def test_start_workflow_starts_executions_and_nothing_else_of_step_functions(synth: Synth) -> None:
    grants = role_grants(synth, "StartWorkflow")
    assert {a for a, _ in grants if a.startswith(("states:", "scheduler:", "sns:", "iam:"))} == {
        "states:StartExecution"
    }
    machine = f"arn:aws:states:eu-west-2:<AWS::AccountId>:stateMachine:Throughgate-{RELEASE_WORKFLOW}"
    assert ("states:StartExecution", machine) in grants


def test_staff_and_the_feed_may_move_the_start_schedules_only_by_their_prefix(synth: Synth) -> None:
    starts = "arn:aws:scheduler:eu-west-2:<AWS::AccountId>:schedule/Throughgate-outcomes/start-*"
    for name in ("Api", "Web", "PrisonEvents"):
        grants = role_grants(synth, name)
        on_starts = {a for a, r in grants if r == starts}
        assert on_starts == {
            "scheduler:CreateSchedule",
            "scheduler:UpdateSchedule",
            "scheduler:DeleteSchedule",
        }
        assert (
            "iam:PassRole",
            f"<{logical_id(synth, 'AWS::IAM::Role', 'EventsSchedulerRole')}.Arn>",
        ) in grants


def test_alarms_on_failed_executions_each_function_and_dead_letters(synth: Synth) -> None:
    alarms = list(synth.of_type("AWS::CloudWatch::Alarm").values())
    metrics = {(a["Properties"].get("Namespace"), a["Properties"].get("MetricName")) for a in alarms}
    assert ("AWS/States", "ExecutionsFailed") in metrics
    errors = {
        d["Value"]["Ref"]
        for a in alarms
        if a["Properties"].get("MetricName") == "Errors"
        for d in a["Properties"]["Dimensions"]
    }
    assert errors == {f["LogicalId"] for f in functions_by_name(synth).values()}
    depth = [a for a in alarms if a["Properties"].get("MetricName") == "ApproximateNumberOfMessagesVisible"]
    assert len(depth) == 2
    for alarm in alarms:
        assert alarm["Properties"]["AlarmActions"], "every alarm notifies the operations topic"


def alarms_topic(synth: Synth) -> str:
    (topic,) = (
        k
        for k, t in synth.of_type("AWS::SNS::Topic").items()
        if t["Properties"]["TopicName"].endswith("-alarms")
    )
    return topic


def test_cloudwatch_may_publish_to_the_alarms_topic_for_this_account_s_alarms_only(synth: Synth) -> None:
    """enforce_ssl's topic policy replaces SNS's default one: without this Allow, no alarm arrives."""
    topic = alarms_topic(synth)
    (policy,) = (
        p
        for p in synth.of_type("AWS::SNS::TopicPolicy").values()
        if p["Properties"]["Topics"] == [{"Ref": topic}]
    )
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    (allow,) = (s for s in statements if s["Effect"] == "Allow")
    assert allow["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    assert allow["Action"] == "sns:Publish"
    assert allow["Resource"] == {"Ref": topic}
    assert allow["Condition"]["StringEquals"] == {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}
    assert render(allow["Condition"]["ArnLike"]["aws:SourceArn"]) == (
        "arn:aws:cloudwatch:eu-west-2:<AWS::AccountId>:alarm:*"
    )
    (deny,) = (s for s in statements if s["Effect"] == "Deny")
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    # Its key lets CloudWatch encrypt for the same alarms only.
    key_id = synth.resources[topic]["Properties"]["KmsMasterKeyId"]["Fn::GetAtt"][0]
    (for_cloudwatch,) = (
        s
        for s in synth.resources[key_id]["Properties"]["KeyPolicy"]["Statement"]
        if s.get("Principal") == {"Service": "cloudwatch.amazonaws.com"}
    )
    assert for_cloudwatch["Condition"] == allow["Condition"]
    subscribed = [s["Properties"]["Protocol"] for s in synth.of_type("AWS::SNS::Subscription").values()]
    assert "email" not in subscribed, "no e-mail without the alarm_email context value"


def alarm_named(synth: Synth, fragment: str) -> dict[str, Any]:
    (alarm,) = (
        a["Properties"]
        for k, a in synth.of_type("AWS::CloudWatch::Alarm").items()
        if k.startswith(f"Alarms{fragment}")
    )
    return alarm


def test_alarms_on_api_errors_and_latency_throttles_the_sweep_the_feed_schedules_and_tables(
    synth: Synth,
) -> None:
    for api in ("Api", "Web"):
        assert alarm_named(synth, f"{api}ServerErrors")["MetricName"] == "5XXError"
        latency = alarm_named(synth, f"{api}Latency")
        assert (latency["MetricName"], latency["ExtendedStatistic"]) == ("Latency", "p99")
    throttles = alarm_named(synth, "LambdaThrottles")
    assert (throttles["Namespace"], throttles["MetricName"], throttles.get("Dimensions")) == (
        "AWS/Lambda",
        "Throttles",
        None,
    )
    sweep = alarm_named(synth, "DailySweepDidNotRun")
    assert (sweep["MetricName"], sweep["Period"], sweep["ComparisonOperator"], sweep["TreatMissingData"]) == (
        "Invocations",
        86400,
        "LessThanThreshold",
        "breaching",
    )
    oldest = alarm_named(synth, "PrisonEventsOldest")
    assert oldest["MetricName"] == "ApproximateAgeOfOldestMessage"
    assert oldest["Dimensions"][0]["Value"]["Fn::GetAtt"][0].startswith("EventsPrisonEvents")
    dropped = alarm_named(synth, "SchedulesDropped")
    assert (dropped["Namespace"], dropped["MetricName"]) == ("AWS/Scheduler", "InvocationDroppedCount")
    tables = alarm_named(synth, "TableThrottles")
    used = {m["MetricStat"]["Metric"]["MetricName"] for m in tables["Metrics"] if "MetricStat" in m}
    assert used == {"ReadThrottleEvents", "WriteThrottleEvents"}
    assert len([m for m in tables["Metrics"] if "MetricStat" in m]) == 4, "both tables"


def test_one_dashboard_shows_requests_errors_latency_executions_effects_sweep_and_dead_letters(
    synth: Synth,
) -> None:
    (dashboard,) = synth.of_type("AWS::CloudWatch::Dashboard").values()
    body = render(dashboard["Properties"]["DashboardBody"])
    titles = set(re.findall(r'"title":"([^"]+)"', body))
    assert titles == {
        "Requests",
        "Errors",
        "Latency (p50, p99)",
        "Workflow executions by status",
        "Effects still pending 15 minutes after their change",
        "Daily sweep runs",
        "Dead letters",
        "The programme's events a day",
    }
    for metric in (
        "ExecutionsSucceeded",
        "ExecutionsAborted",
        "PendingEffectsOverdue",
        "Invocations",
        "5XXError",
    ):
        assert metric in body, metric


def test_the_dashboard_counts_each_programme_event_as_the_functions_emit_it(synth: Synth) -> None:
    """The names come from programme_metrics.json, which the counting store reads too
    (tests/e2e/test_programme_metrics.py checks what is emitted): Sum a day, the one fixed dimension."""
    (dashboard,) = synth.of_type("AWS::CloudWatch::Dashboard").values()
    body = json.loads(render(dashboard["Properties"]["DashboardBody"]))
    (widget,) = (w for w in body["widgets"] if w["properties"].get("title") == "The programme's events a day")
    shown = [(m[0], m[1], m[2], m[3], m[4]["stat"], m[4]["period"]) for m in widget["properties"]["metrics"]]
    assert shown == [
        ("Throughgate", "Referrals", "service", "throughgate", "Sum", 86400),
        ("Throughgate", "ReleasesMetAtTheGate", "service", "throughgate", "Sum", 86400),
        ("Throughgate", "Escalations", "service", "throughgate", "Sum", 86400),
    ]
    assert [m[4]["label"] for m in widget["properties"]["metrics"]] == [
        "Clients referred",
        "Released and met at the gate",
        "Escalations raised (or raised again)",
    ]


def test_cdk_json_sets_every_recommended_feature_flag_of_the_installed_lib_and_no_unknown_one(
    tmp_path: Any,
) -> None:
    """The flags as aws-cdk-lib's cx-api module lists them (read from the installed package)."""
    import tarfile
    from pathlib import Path

    import aws_cdk

    (bundle,) = (Path(aws_cdk.__file__).parent / "_jsii").glob("aws-cdk-lib@*.jsii.tgz")
    wanted = ("package/cx-api/lib/features.js", "package/cx-api/lib/private/flag-modeling.js")
    with tarfile.open(bundle) as archive:
        archive.extractall(tmp_path, members=[archive.getmember(name) for name in wanted], filter="data")
    features = tmp_path / wanted[0]
    program = (
        f"const f = require({json.dumps(str(features))});"
        "console.log(JSON.stringify({known: Object.keys(f.FLAGS), recommended: f.CURRENTLY_RECOMMENDED_FLAGS}));"
    )
    flags = json.loads(
        subprocess.run(["node", "-e", program], capture_output=True, text=True, check=True).stdout
    )
    context = json.loads((ROOT / "cdk.json").read_text())["context"]
    set_flags = {k: v for k, v in context.items() if k.startswith("@aws-cdk")}
    assert sorted(set(set_flags) - set(flags["known"])) == []
    # One choice of ours: the stack is for the commercial partition only.
    expected = flags["recommended"] | {"@aws-cdk/core:target-partitions": ["aws"]}
    assert {k: set_flags.get(k) for k in expected} == expected


# -- backup and the tables' key ----------------------------------------------------------------------
def test_both_tables_are_backed_up_daily_and_monthly_into_a_locked_vault_kept_with_the_data(
    synth: Synth,
) -> None:
    cases, audit = table_ids(synth)
    table_key = synth.resources[cases]["Properties"]["SSESpecification"]["KMSMasterKeyId"]
    ((vault_id, vault),) = synth.of_type("AWS::Backup::BackupVault").items()
    assert vault["DeletionPolicy"] == "Retain"
    assert vault["Properties"]["EncryptionKeyArn"] == table_key
    assert vault["Properties"]["LockConfiguration"] == {
        "MinRetentionDays": 35,
        "MaxRetentionDays": 7 * 365 + 2,
        "ChangeableForDays": 3,
    }
    (plan,) = synth.of_type("AWS::Backup::BackupPlan").values()
    rules = {r["RuleName"]: r for r in plan["Properties"]["BackupPlan"]["BackupPlanRule"]}
    assert set(rules) == {"Daily", "Monthly"}
    assert rules["Daily"]["Lifecycle"] == {"DeleteAfterDays": 35}
    assert rules["Monthly"]["Lifecycle"] == {"DeleteAfterDays": 7 * 365 + 2}
    assert rules["Monthly"]["ScheduleExpression"] == "cron(0 4 1 * ? *)"
    for rule in rules.values():
        assert rule["TargetBackupVault"] == {"Fn::GetAtt": [vault_id, "BackupVaultName"]}
    (selection,) = synth.of_type("AWS::Backup::BackupSelection").values()
    resources = selection["Properties"]["BackupSelection"]["Resources"]
    assert {r["Fn::GetAtt"][0] for r in resources} == {cases, audit}
    role = synth.resources[selection["Properties"]["BackupSelection"]["IamRoleArn"]["Fn::GetAtt"][0]]
    managed = {render(arn) for arn in role["Properties"]["ManagedPolicyArns"]}
    assert managed == {
        "arn:<AWS::Partition>:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup"
    }


def audit_trail(synth: Synth) -> dict[str, Any]:
    ((_, trail),) = synth.of_type("AWS::CloudTrail::Trail").items()
    return dict(trail["Properties"])


def audit_trail_bucket_id(synth: Synth) -> str:
    return str(audit_trail(synth)["S3BucketName"]["Ref"])


def test_the_stack_s_trail_logs_every_read_and_write_of_the_audit_table_and_nothing_else(
    synth: Synth,
) -> None:
    _, audit = table_ids(synth)
    trail = audit_trail(synth)
    assert "EventSelectors" not in trail, "advanced selectors only: no management events"
    (selector,) = trail["AdvancedEventSelectors"]
    fields = {f["Field"]: f["Equals"] for f in selector["FieldSelectors"]}
    # No readOnly field: reads and writes; no eventName field: every item-level call.
    assert fields == {
        "eventCategory": ["Data"],
        "resources.type": ["AWS::DynamoDB::Table"],
        "resources.ARN": [{"Fn::GetAtt": [audit, "Arn"]}],
    }
    assert trail["EnableLogFileValidation"] is True
    assert trail["IsLogging"] is True
    assert (trail["IsMultiRegionTrail"], trail["IncludeGlobalServiceEvents"]) == (False, False)


def test_the_trail_s_logs_are_encrypted_versioned_private_tls_only_logged_and_kept_seven_years(
    synth: Synth,
) -> None:
    trail = audit_trail(synth)
    bucket_id = audit_trail_bucket_id(synth)
    bucket = synth.resources[bucket_id]
    props = bucket["Properties"]
    key_id = trail["KMSKeyId"]["Fn::GetAtt"][0]
    (rule,) = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"] == {
        "SSEAlgorithm": "aws:kms",
        "KMSMasterKeyID": {"Fn::GetAtt": [key_id, "Arn"]},
    }
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    assert props["PublicAccessBlockConfiguration"] == dict.fromkeys(
        ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"), True
    )
    (lifecycle,) = props["LifecycleConfiguration"]["Rules"]
    assert lifecycle["ExpirationInDays"] >= 7 * 365
    assert lifecycle["NoncurrentVersionExpiration"] == {"NoncurrentDays": 90}
    assert "LoggingConfiguration" in props, "S3 access logs of who read the trail"
    policy = bucket_policy(synth, bucket_id)
    assert any(
        s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}} for s in policy
    )
    writes = [s for s in policy if s["Effect"] == "Allow" and s["Action"] == "s3:PutObject"]
    assert [s["Principal"] for s in writes] == [{"Service": "cloudtrail.amazonaws.com"}]
    assert (bucket["DeletionPolicy"], synth.resources[key_id]["DeletionPolicy"]) == ("Retain", "Retain")
    # CloudTrail may encrypt with the key for this trail only.
    (cloudtrail,) = (
        s
        for s in synth.resources[key_id]["Properties"]["KeyPolicy"]["Statement"]
        if s.get("Principal") == {"Service": "cloudtrail.amazonaws.com"}
    )
    assert set(cloudtrail["Action"]) == {"kms:GenerateDataKey*", "kms:DescribeKey"}
    assert render(cloudtrail["Condition"]["StringEquals"]["aws:SourceArn"]).endswith(
        ":trail/Throughgate-audit-table"
    )
    assert trail["TrailName"] == "Throughgate-audit-table"


def test_only_the_break_glass_role_may_disable_or_schedule_the_deletion_of_the_tables_key(
    synth: Synth,
) -> None:
    cases, _ = table_ids(synth)
    key_id = synth.resources[cases]["Properties"]["SSESpecification"]["KMSMasterKeyId"]["Fn::GetAtt"][0]
    statements = synth.resources[key_id]["Properties"]["KeyPolicy"]["Statement"]
    (deny,) = (s for s in statements if s["Effect"] == "Deny")
    assert deny["Principal"] == {"AWS": "*"}
    assert sorted(as_list(deny["Action"])) == ["kms:DisableKey", "kms:ScheduleKeyDeletion"]
    assert deny["Condition"] == {
        "ArnNotEquals": {
            "aws:PrincipalArn": {
                "Fn::Join": [
                    "",
                    ["arn:aws:iam::", {"Ref": "AWS::AccountId"}, ":role/Throughgate-break-glass"],
                ]
            }
        }
    }
    (role,) = (
        r
        for r in synth.of_type("AWS::IAM::Role").values()
        if r["Properties"].get("RoleName") == "Throughgate-break-glass"
    )
    (trust,) = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Condition"] == {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
    assert render(trust["Principal"]["AWS"]) == "arn:aws:iam::<AWS::AccountId>:root"


# -- cdk-nag ---------------------------------------------------------------------------------------
def test_nag_packs_pass_and_every_acknowledgement_has_a_reason_and_a_finding(synth: Synth) -> None:
    reports = {r["pluginName"]: r for r in synth.validation_report["pluginReports"]}
    for pack in ("AwsSolutions", "Serverless"):
        assert reports[pack]["conclusion"] == "success", reports[pack]["violations"]
    made = {(a.path, a.id) for a in synth.nag_acknowledgements}
    assert all(len(a.reason) > 40 for a in synth.nag_acknowledgements)
    used = {
        (s["acknowledgedAt"], s["acknowledgedId"])
        for pack in ("AwsSolutions", "Serverless")
        for s in reports[pack].get("suppressedViolations", [])
    }
    assert made == used, f"acknowledged with no finding: {sorted(made - used)}"


def test_an_unacknowledged_finding_fails_the_synth(tmp_path: Any) -> None:
    from aws_cdk import App, Stack
    from aws_cdk import aws_sqs as sqs

    from throughgate_infra import application

    app = App(outdir=str(tmp_path))
    sqs.Queue(Stack(app, "Naive"), "Queue")  # no DLQ, no TLS-only policy
    application.add_checks(app)
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()


# -- the dependencies layer and names shared with the Lambda code ----------------------------------
def test_layer_is_built_by_pip_for_lambda_arm64_python_313_from_the_pinned_dependencies() -> None:
    from throughgate_infra import functions

    command = functions.pip_command("/out/python")
    assert command[command.index("--platform") + 1] == "manylinux2014_aarch64"
    assert command[command.index("--python-version") + 1] == "3.13"
    assert "--only-binary=:all:" in command
    assert command[command.index("--target") + 1] == "/out/python"
    dependencies = functions.runtime_dependencies()
    assert dependencies and all("==" in d for d in dependencies)
    assert set(dependencies) <= set(command)


def test_names_shared_with_the_lambda_code_agree() -> None:
    """adapters.aws, logic.ports and store.models read the settings on import: ask a separate
    interpreter."""
    from throughgate_infra.auth import GROUPS
    from throughgate_infra.functions import OPEN_ITEMS_INDEX, OUTCOME_SCHEDULES, START_SCHEDULES
    from throughgate_infra.outbox import EFFECT_PREFIX

    environment = os.environ | SETTINGS_FOR_IMPORT
    program = (
        "import json\n"
        "from datetime import UTC, datetime\n"
        "from throughgate.adapters.aws import outcome_schedule_name, start_schedule_name\n"
        "from throughgate.domain.effects import Effect, EffectKind\n"
        "from throughgate.handlers.identity import STAFF_ROLES\n"
        "from throughgate.handlers.session import STAFF_GROUPS\n"
        "from throughgate.store.mapping import effect_item\n"
        "from throughgate.store.models import CaseItem\n"
        "effect = Effect('c', EffectKind.NOTIFY, datetime.now(UTC))\n"
        "print(json.dumps([[outcome_schedule_name('*'), start_schedule_name('*')],\n"
        "    sorted(r.value for r in STAFF_ROLES),\n"
        "    sorted(STAFF_GROUPS), CaseItem.open_items.Meta.index_name, effect_item(effect).sk]))\n"
    )
    output = subprocess.run(
        [sys.executable, "-c", program], env=environment, capture_output=True, text=True, check=True
    ).stdout
    schedules, staff_roles, session_groups, open_items, effect_sk = json.loads(output.splitlines()[-1])
    assert schedules == [OUTCOME_SCHEDULES, START_SCHEDULES]
    assert staff_roles == session_groups == sorted(GROUPS)
    assert open_items == OPEN_ITEMS_INDEX
    assert OPEN_ITEMS_INDEX in schema.GLOBAL_INDEXES
    assert effect_sk.startswith(EFFECT_PREFIX)


# -- sign-in and the HTTP front doors --------------------------------------------------------------
def test_user_pool_signs_in_staff_ids_admin_only_mfa_required_strong_passwords_staff_groups(
    synth: Synth,
) -> None:
    from throughgate_infra.auth import GROUPS

    ((pool_id, pool),) = synth.of_type("AWS::Cognito::UserPool").items()
    props = pool["Properties"]
    assert pool["DeletionPolicy"] == "Retain"
    # The username is the staff id (cognito:username); an e-mail address may stand in for it.
    assert "UsernameAttributes" not in props
    assert props["AliasAttributes"] == ["email"]
    assert props["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    assert props["MfaConfiguration"] == "ON"
    assert props["EnabledMfas"] == ["SOFTWARE_TOKEN_MFA"]
    policy = props["Policies"]["PasswordPolicy"]
    assert policy["MinimumLength"] >= 14
    assert all(
        policy[k] for k in ("RequireLowercase", "RequireUppercase", "RequireNumbers", "RequireSymbols")
    )
    assert props["UserPoolAddOns"]["AdvancedSecurityMode"] == "ENFORCED"
    groups = {
        g["Properties"]["GroupName"]
        for g in synth.of_type("AWS::Cognito::UserPoolGroup").values()
        if g["Properties"]["UserPoolId"] == {"Ref": pool_id}
    }
    assert groups == set(GROUPS)


def test_app_client_allows_server_side_password_sign_in_only_with_hour_long_id_tokens(synth: Synth) -> None:
    ((pool_id, _),) = synth.of_type("AWS::Cognito::UserPool").items()
    ((_, client),) = synth.of_type("AWS::Cognito::UserPoolClient").items()
    props = client["Properties"]
    assert props["UserPoolId"] == {"Ref": pool_id}
    assert sorted(props["ExplicitAuthFlows"]) == ["ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_PASSWORD_AUTH"]
    assert props["GenerateSecret"] is False  # the SignIn function calls InitiateAuth without one
    assert (props["IdTokenValidity"], props["TokenValidityUnits"]["IdToken"]) == (60, "minutes")
    assert props["PreventUserExistenceErrors"] == "ENABLED"
    assert not {"AllowedOAuthFlows", "CallbackURLs"} & set(props), "no hosted UI, no redirects"


def rest_api_id(synth: Synth, name: str) -> str:
    (api_id,) = (
        k
        for k, api in synth.of_type("AWS::ApiGateway::RestApi").items()
        if api["Properties"]["Name"] == f"Throughgate-{name.lower()}"
    )
    return api_id


def resource_path(synth: Synth, resource: dict[str, Any]) -> str:
    if "Fn::GetAtt" in resource:  # the API's root resource
        return ""
    props = synth.resources[resource["Ref"]]["Properties"]
    return f"{resource_path(synth, props['ParentId'])}/{props['PathPart']}"


def routes(synth: Synth, api_id: str) -> dict[tuple[str, str], dict[str, Any]]:
    """(path, HTTP method) -> the method's properties, with `_target`: the function it invokes."""
    functions = functions_by_name(synth)
    found = {}
    for method in synth.of_type("AWS::ApiGateway::Method").values():
        props = method["Properties"]
        if props["RestApiId"] != {"Ref": api_id}:
            continue
        uri = render(props["Integration"]["Uri"])
        (target,) = (name for name, f in functions.items() if f"<{f['LogicalId']}.Arn>" in uri)
        found[(resource_path(synth, props["ResourceId"]) or "/", props["HttpMethod"])] = props | {
            "_target": target
        }
    return found


def test_json_api_sends_everything_to_api_behind_the_cognito_authorizer(synth: Synth) -> None:
    ((pool_id, _),) = synth.of_type("AWS::Cognito::UserPool").items()
    authorizers = synth.of_type("AWS::ApiGateway::Authorizer")
    api = routes(synth, rest_api_id(synth, "Api"))
    assert set(api) == {("/", "ANY"), ("/{proxy+}", "ANY")}
    for route, props in api.items():
        assert props["_target"] == "Api", route
        assert props["AuthorizationType"] == "COGNITO_USER_POOLS", route
        authorizer = authorizers[props["AuthorizerId"]["Ref"]]["Properties"]
        assert authorizer["Type"] == "COGNITO_USER_POOLS"
        assert authorizer["ProviderARNs"] == [{"Fn::GetAtt": [pool_id, "Arn"]}]


def test_web_sign_in_pages_are_public_and_every_other_page_needs_a_session(synth: Synth) -> None:
    from throughgate_infra.api import SIGN_IN_ROUTES

    web_id = rest_api_id(synth, "Web")
    web = routes(synth, web_id)
    sign_in = {(f"/{path}", method) for path, methods in SIGN_IN_ROUTES.items() for method in methods}
    assert sign_in == {
        ("/sign-in", "GET"),
        ("/sign-in", "POST"),
        ("/sign-in/code", "POST"),
        ("/sign-in/new-password", "POST"),
        ("/sign-in/set-up-mfa", "POST"),
        ("/sign-out", "GET"),
        ("/sign-out", "POST"),
    }
    assert set(web) == sign_in | {("/", "ANY"), ("/{proxy+}", "ANY")}
    authorizer_function = functions_by_name(synth)["Authorizer"]["LogicalId"]
    for route, props in web.items():
        if route in sign_in:
            assert (props["_target"], props["AuthorizationType"]) == ("SignIn", "NONE"), route
            assert "AuthorizerId" not in props, route
            continue
        assert (props["_target"], props["AuthorizationType"]) == ("Web", "CUSTOM"), route
        authorizer = synth.resources[props["AuthorizerId"]["Ref"]]["Properties"]
        assert authorizer["Type"] == "REQUEST"
        assert authorizer["IdentitySource"] == "method.request.header.Cookie"
        assert authorizer["AuthorizerResultTtlInSeconds"] == 60
        _, parts = authorizer["AuthorizerUri"]["Fn::Join"]
        assert {"Fn::GetAtt": [authorizer_function, "Arn"]} in parts and parts[-1] == "/invocations"
    # No session, or one the Authorizer refuses: a redirect to the sign-in page, on the Web API only.
    responses = {
        r["Properties"]["ResponseType"]: r["Properties"]
        for r in synth.of_type("AWS::ApiGateway::GatewayResponse").values()
    }
    assert set(responses) == {"UNAUTHORIZED", "ACCESS_DENIED"}
    for response in responses.values():
        assert response["RestApiId"] == {"Ref": web_id}
        assert response["StatusCode"] == "303"
        assert response["ResponseParameters"] == {
            "gatewayresponse.header.Location": "'/sign-in'",
            "gatewayresponse.header.Cache-Control": "'no-store'",
        }


def test_the_sign_in_function_serves_exactly_the_public_routes(monkeypatch: pytest.MonkeyPatch) -> None:
    """API Gateway sends SIGN_IN_ROUTES to SignIn: each is one of its routes, and the routes next to
    them are not (a cross-site POST is refused before Cognito is asked anything)."""
    from throughgate import config
    from throughgate.handlers import sign_in
    from throughgate_infra.api import SIGN_IN_ROUTES

    monkeypatch.setenv("AWS_REGION", "eu-west-2")
    monkeypatch.setenv("USER_POOL_ID", "eu-west-2_Example1")
    monkeypatch.setenv("USER_POOL_CLIENT_ID", "exampleclient")
    config.auth_settings.cache_clear()

    def status(method: str, path: str) -> int:
        event = {
            "httpMethod": method,
            "path": path,
            "resource": path,
            "headers": {"Sec-Fetch-Site": "cross-site"},
            "multiValueHeaders": {},
            "queryStringParameters": None,
            "requestContext": {"httpMethod": method, "path": path, "stage": "prod"},
            "body": "",
            "isBase64Encoded": False,
        }
        return int(sign_in.app.resolve(event, None)["statusCode"])

    try:
        for path, methods in SIGN_IN_ROUTES.items():
            for method in ("GET", "POST"):
                answered = status(method, f"/{path}")
                assert (answered != 404) == (method in methods), (method, path, answered)
        assert status("GET", "/sign-in/elsewhere") == 404
    finally:
        config.auth_settings.cache_clear()


def test_both_apis_validate_parameters_log_throttle_trace_and_sit_behind_waf(synth: Synth) -> None:
    apis = synth.of_type("AWS::ApiGateway::RestApi")
    assert len(apis) == 2
    validators = synth.of_type("AWS::ApiGateway::RequestValidator")
    for method in synth.of_type("AWS::ApiGateway::Method").values():
        props = method["Properties"]
        assert validators[props["RequestValidatorId"]["Ref"]]["Properties"]["ValidateRequestParameters"]
    stages = synth.of_type("AWS::ApiGateway::Stage")
    assert len(stages) == 2
    associated = {
        render(a["Properties"]["ResourceArn"])
        for a in synth.of_type("AWS::WAFv2::WebACLAssociation").values()
    }
    assert associated == {
        f"arn:aws:apigateway:eu-west-2::/restapis/<{api}>/stages/<{stage}>"
        for api in apis
        for stage in stages
        if stages[stage]["Properties"]["RestApiId"] == {"Ref": api}
    }
    for stage in stages.values():
        props = stage["Properties"]
        assert props["TracingEnabled"] is True
        assert json.loads(props["AccessLogSetting"]["Format"])["requestId"]
        (settings,) = props["MethodSettings"]
        assert settings["DataTraceEnabled"] is False
        assert settings["LoggingLevel"] == "ERROR"
        assert settings["ThrottlingRateLimit"] > 0 and settings["ThrottlingBurstLimit"] > 0
    (acl,) = synth.of_type("AWS::WAFv2::WebACL").values()
    assert acl["Properties"]["Scope"] == "REGIONAL"


def web_acl_rules(synth: Synth) -> dict[str, dict[str, Any]]:
    (acl,) = synth.of_type("AWS::WAFv2::WebACL").values()
    return {rule["Name"]: rule for rule in acl["Properties"]["Rules"]}


def test_waf_evaluates_our_rules_first_then_the_managed_groups(synth: Synth) -> None:
    rules = web_acl_rules(synth)
    by_priority = sorted(rules, key=lambda name: rules[name]["Priority"])
    assert by_priority == [
        "WebOnlyThroughCloudFront",
        "RateLimitPerViewer",
        "SignInRateLimitPerViewer",
        "RateLimitPerApiCaller",
        "BodyOverHandlerLimit",
        "AWSManagedRulesCommonRuleSet",
        "AWSManagedRulesKnownBadInputsRuleSet",
        "AWSManagedRulesAmazonIpReputationList",
    ]
    assert len({rule["Priority"] for rule in rules.values()}) == len(rules)
    for rule in rules.values():
        assert rule["VisibilityConfig"]["SampledRequestsEnabled"] is True


def test_the_common_rule_set_counts_large_bodies_and_our_rule_blocks_only_what_handlers_refuse(
    synth: Synth,
) -> None:
    from throughgate.handlers import api, web
    from throughgate_infra.api import BODY_LIMIT_BYTES

    assert BODY_LIMIT_BYTES == web.MAX_BODY_BYTES == api.MAX_BODY_BYTES
    rules = web_acl_rules(synth)
    common = rules["AWSManagedRulesCommonRuleSet"]
    assert common["OverrideAction"] == {"None": {}}
    assert common["Statement"]["ManagedRuleGroupStatement"]["RuleActionOverrides"] == [
        {"Name": "SizeRestrictions_BODY", "ActionToUse": {"Count": {}}}
    ]
    body = rules["BodyOverHandlerLimit"]
    size = body["Statement"]["SizeConstraintStatement"]
    assert (size["ComparisonOperator"], size["Size"]) == ("GT", BODY_LIMIT_BYTES)
    assert size["FieldToMatch"] == {"Body": {"OversizeHandling": "MATCH"}}
    assert body["Action"]["Block"]["CustomResponse"] == {
        "ResponseCode": 413,
        "CustomResponseBodyKey": "too-large",
    }
    (acl,) = synth.of_type("AWS::WAFv2::WebACL").values()
    # WAF reads 64 KB of an API Gateway body (16 KB by default): a 22 KB assessment is seen whole.
    assert acl["Properties"]["AssociationConfig"] == {
        "RequestBody": {"API_GATEWAY": {"DefaultSizeInspectionLimit": "KB_64"}}
    }


def test_every_block_of_ours_answers_with_a_friendly_page(synth: Synth) -> None:
    (acl,) = synth.of_type("AWS::WAFv2::WebACL").values()
    bodies = acl["Properties"]["CustomResponseBodies"]
    for name, rule in web_acl_rules(synth).items():
        if "Action" not in rule:
            continue
        response = rule["Action"]["Block"]["CustomResponse"]
        page = bodies[response["CustomResponseBodyKey"]]
        assert page["ContentType"] == "TEXT_HTML", name
        assert "Go back" in page["Content"] or "go back" in page["Content"], name
        assert len(page["Content"].encode()) <= 4096, "WAF's limit for one response body"
    assert {
        rule["Action"]["Block"]["CustomResponse"]["ResponseCode"]
        for rule in web_acl_rules(synth).values()
        if "Action" in rule
    } == {403, 413, 429}


def test_the_web_api_refuses_what_did_not_come_through_cloudfront(synth: Synth) -> None:
    """Rule 1: to the Web API's own domain and without CloudFront's secret header: blocked. The
    distribution's origin adds that header with the same secret."""
    from throughgate_infra.api import ORIGIN_HEADER

    web_api = rest_api_id(synth, "web")
    rule = web_acl_rules(synth)["WebOnlyThroughCloudFront"]
    host, not_secret = rule["Statement"]["AndStatement"]["Statements"]
    assert host["ByteMatchStatement"]["FieldToMatch"] == {"SingleHeader": {"Name": "host"}}
    assert render(host["ByteMatchStatement"]["SearchString"]) == (
        f"<{web_api}>.execute-api.eu-west-2.<AWS::URLSuffix>"
    )
    secret = not_secret["NotStatement"]["Statement"]["ByteMatchStatement"]
    assert secret["FieldToMatch"] == {"SingleHeader": {"Name": ORIGIN_HEADER}}
    assert secret["PositionalConstraint"] == "EXACTLY"
    reference = re.fullmatch(SECRET_REFERENCE, render(secret["SearchString"]))
    assert reference and "OriginSecret" in reference.group(1)
    _, config = distribution(synth)
    (origin,) = (o for o in config["Origins"] if "CustomOriginConfig" in o)
    (header,) = origin["OriginCustomHeaders"]
    assert header["HeaderName"] == ORIGIN_HEADER
    assert render(header["HeaderValue"]) == render(secret["SearchString"])


def test_rate_rules_count_page_requests_by_the_viewer_address_and_api_calls_by_the_caller(
    synth: Synth,
) -> None:
    from throughgate_infra.api import VIEWER_ADDRESS_HEADER

    rules = web_acl_rules(synth)
    limits = {}
    for name in ("RateLimitPerViewer", "SignInRateLimitPerViewer"):
        rate = rules[name]["Statement"]["RateBasedStatement"]
        assert rate["AggregateKeyType"] == "FORWARDED_IP", name
        assert rate["ForwardedIPConfig"] == {
            "HeaderName": VIEWER_ADDRESS_HEADER,
            "FallbackBehavior": "NO_MATCH",
        }
        assert rules[name]["Action"]["Block"]["CustomResponse"]["ResponseCode"] == 429
        limits[name] = rate["Limit"]
    assert limits["SignInRateLimitPerViewer"] < limits["RateLimitPerViewer"]
    sign_in = rules["SignInRateLimitPerViewer"]["Statement"]["RateBasedStatement"]["ScopeDownStatement"]
    assert sign_in["ByteMatchStatement"]["SearchString"] == "/sign-in"
    api = rules["RateLimitPerApiCaller"]["Statement"]["RateBasedStatement"]
    assert api["AggregateKeyType"] == "IP"
    not_web = api["ScopeDownStatement"]["NotStatement"]["Statement"]["ByteMatchStatement"]
    assert not_web["FieldToMatch"] == {"SingleHeader": {"Name": "host"}}


def test_waf_logs_redact_cookies_authorization_and_the_origin_secret(synth: Synth) -> None:
    from throughgate_infra.api import ORIGIN_HEADER

    (logging,) = synth.of_type("AWS::WAFv2::LoggingConfiguration").values()
    props = logging["Properties"]
    (acl_id,) = synth.of_type("AWS::WAFv2::WebACL")
    assert props["ResourceArn"] == {"Fn::GetAtt": [acl_id, "Arn"]}
    assert {f["SingleHeader"]["Name"] for f in props["RedactedFields"]} == {
        "cookie",
        "authorization",
        ORIGIN_HEADER,
    }
    (destination,) = props["LogDestinationConfigs"]
    assert render(destination).endswith(":log-group:aws-waf-logs-throughgate")
    groups = {r["Properties"].get("LogGroupName") for r in synth.of_type("AWS::Logs::LogGroup").values()}
    assert "aws-waf-logs-throughgate" in groups


# -- the web app's address and its static files ----------------------------------------------------
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"  # CloudFront's managed cache policies
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
ALL_VIEWER_EXCEPT_HOST_HEADER = "b689b0a8-53d0-40ab-baf2-68738e2966ac"


def static_deployment(synth: Synth) -> dict[str, Any]:
    (deployment,) = synth.of_type("Custom::CDKBucketDeployment").values()
    return dict(deployment["Properties"])


def bucket_policy(synth: Synth, bucket_id: str) -> list[dict[str, Any]]:
    (policy,) = (
        p
        for p in synth.of_type("AWS::S3::BucketPolicy").values()
        if p["Properties"]["Bucket"] == {"Ref": bucket_id}
    )
    return list(policy["Properties"]["PolicyDocument"]["Statement"])


def distribution(synth: Synth) -> tuple[str, dict[str, Any]]:
    ((logical_id, resource),) = synth.of_type("AWS::CloudFront::Distribution").items()
    return logical_id, resource["Properties"]["DistributionConfig"]


def test_static_files_bucket_is_private_tls_only_encrypted_and_logged(synth: Synth) -> None:
    static_id = static_deployment(synth)["DestinationBucketName"]["Ref"]
    static = synth.resources[static_id]["Properties"]
    logs_id = static["LoggingConfiguration"]["DestinationBucketName"]["Ref"]
    assert set(synth.of_type("AWS::S3::Bucket")) == {static_id, logs_id, audit_trail_bucket_id(synth)}
    for bucket_id in (static_id, logs_id):
        props = synth.resources[bucket_id]["Properties"]
        assert props["PublicAccessBlockConfiguration"] == dict.fromkeys(
            ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"), True
        )
        (rule,) = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
        assert any(
            s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
            for s in bucket_policy(synth, bucket_id)
        ), bucket_id
    (expiry,) = synth.resources[logs_id]["Properties"]["LifecycleConfiguration"]["Rules"]
    assert expiry["ExpirationInDays"] == 90
    # Only CloudFront, and only for this distribution, may read the static files.
    distribution_id, _ = distribution(synth)
    (allow,) = (s for s in bucket_policy(synth, static_id) if s["Effect"] == "Allow")
    assert allow["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert allow["Action"] == "s3:GetObject"
    assert render(allow["Condition"]["StringEquals"]["AWS:SourceArn"]).endswith(
        f":distribution/<{distribution_id}>"
    )


def test_one_distribution_serves_the_pages_uncached_and_the_static_files_through_oac(synth: Synth) -> None:
    _, config = distribution(synth)
    origins = {o["Id"]: o for o in config["Origins"]}
    web_api = functions_by_name(synth)["Web"]["LogicalId"]
    (web_api_id,) = (
        k
        for k, api in synth.of_type("AWS::ApiGateway::RestApi").items()
        if any(
            f"<{web_api}.Arn>" in render(m["Properties"]["Integration"]["Uri"])
            for m in synth.of_type("AWS::ApiGateway::Method").values()
            if m["Properties"]["RestApiId"] == {"Ref": k}
        )
    )
    (stage_id,) = (
        k
        for k, stage in synth.of_type("AWS::ApiGateway::Stage").items()
        if stage["Properties"]["RestApiId"] == {"Ref": web_api_id}
    )

    pages = config["DefaultCacheBehavior"]
    page_origin = origins[pages["TargetOriginId"]]
    assert f"<{web_api_id}>.execute-api." in render(page_origin["DomainName"])
    assert f"<{stage_id}>" in render(page_origin["OriginPath"]), "the stage is hidden from page URLs"
    assert page_origin["CustomOriginConfig"] == {
        "OriginProtocolPolicy": "https-only",
        "OriginSSLProtocols": ["TLSv1.2"],
    }
    assert pages["CachePolicyId"] == CACHING_DISABLED
    assert pages["OriginRequestPolicyId"] == ALL_VIEWER_EXCEPT_HOST_HEADER  # Authorization, cookies
    assert {"GET", "POST"} <= set(pages["AllowedMethods"])
    assert pages["ViewerProtocolPolicy"] == "redirect-to-https"

    (static,) = config["CacheBehaviors"]
    assert static["PathPattern"] == "/static/*"
    assert static["CachePolicyId"] == CACHING_OPTIMIZED
    assert static["AllowedMethods"] == ["GET", "HEAD"]
    assert static["ViewerProtocolPolicy"] == "redirect-to-https"
    static_origin = origins[static["TargetOriginId"]]
    assert static_origin["S3OriginConfig"] == {"OriginAccessIdentity": ""}
    oac = synth.resources[static_origin["OriginAccessControlId"]["Fn::GetAtt"][0]]["Properties"]
    assert oac["OriginAccessControlConfig"]["SigningBehavior"] == "always"
    assert oac["OriginAccessControlConfig"]["OriginAccessControlOriginType"] == "s3"

    headers = {pages["ResponseHeadersPolicyId"]["Ref"], static["ResponseHeadersPolicyId"]["Ref"]}
    (policy,) = (synth.resources[h]["Properties"]["ResponseHeadersPolicyConfig"] for h in headers)
    hsts = policy["SecurityHeadersConfig"]["StrictTransportSecurity"]
    assert hsts["AccessControlMaxAgeSec"] >= 31_536_000 and hsts["Override"] is True
    assert "ContentSecurityPolicy" not in policy["SecurityHeadersConfig"], "the Web function sets its own"
    assert config["Logging"]["Prefix"] == "cloudfront/"
    assert config["PriceClass"] == "PriceClass_100"


def behaviour_for(config: dict[str, Any], path: str) -> dict[str, Any]:
    """The cache behaviour CloudFront picks for a path: the first pattern that matches, else the default."""
    for behaviour in config.get("CacheBehaviors", []):
        if fnmatch.fnmatchcase(path, behaviour["PathPattern"]):
            return dict(behaviour)
    return dict(config["DefaultCacheBehavior"])


def test_sign_in_pages_are_never_cached_and_reach_the_origin_with_the_browser_s_address(
    synth: Synth,
) -> None:
    _, config = distribution(synth)
    viewer_request = {"EventType": "viewer-request"}
    for path in ("/sign-in", "/sign-in/code", "/sign-out", "/", "/cases/c-1"):
        behaviour = behaviour_for(config, path)
        assert behaviour["CachePolicyId"] == CACHING_DISABLED, path
        # Cookie, Origin and Sec-Fetch-Site reach the SignIn and Web functions.
        assert behaviour["OriginRequestPolicyId"] == ALL_VIEWER_EXCEPT_HOST_HEADER, path
        (association,) = behaviour["FunctionAssociations"]
        assert association.items() >= viewer_request.items(), path
    function_id = association["FunctionARN"]["Fn::GetAtt"][0]
    function = synth.resources[function_id]["Properties"]
    assert function["FunctionConfig"]["Runtime"] == "cloudfront-js-2.0"
    assert function["AutoPublish"] is True
    assert "FunctionAssociations" not in behaviour_for(config, "/static/throughgate.css")


def test_the_viewer_request_function_sets_the_forwarded_host_and_the_viewer_address(synth: Synth) -> None:
    """Run the function's code as CloudFront would give it a request (Node as the JavaScript engine):
    a viewer's own X-Forwarded-Host is replaced, everything else passes unchanged."""
    _, config = distribution(synth)
    (association,) = config["DefaultCacheBehavior"]["FunctionAssociations"]
    code = synth.resources[association["FunctionARN"]["Fn::GetAtt"][0]]["Properties"]["FunctionCode"]
    request = {
        "method": "POST",
        "uri": "/sign-in",
        "headers": {
            "host": {"value": "d111111abcdef8.cloudfront.net"},
            "x-forwarded-host": {"value": "attacker.example"},
            "origin": {"value": "https://d111111abcdef8.cloudfront.net"},
            "x-viewer-address": {"value": "10.0.0.1"},
        },
        "cookies": {},
        "querystring": {},
    }
    event = {"request": request, "viewer": {"ip": "198.51.100.7"}}
    program = f"{code}\nconsole.log(JSON.stringify(handler({json.dumps(event)})));"
    output = subprocess.run(["node", "-e", program], capture_output=True, text=True, check=True).stdout
    forwarded = json.loads(output)
    assert forwarded["headers"]["x-forwarded-host"] == {"value": "d111111abcdef8.cloudfront.net"}
    # The web ACL's rate rules count by this header: the viewer's own is replaced.
    assert forwarded["headers"]["x-viewer-address"] == {"value": "198.51.100.7"}
    assert {k: v for k, v in forwarded.items() if k != "headers"} == {
        k: v for k, v in request.items() if k != "headers"
    }
    assert forwarded["headers"]["origin"] == request["headers"]["origin"]


def test_web_pages_link_to_the_static_files_as_published(synth: Synth) -> None:
    from throughgate_infra.frontend import STATIC_FILES

    deployment = static_deployment(synth)
    web = functions_by_name(synth)["Web"]
    base_path = web["Properties"]["Environment"]["Variables"]["STATIC_BASE_PATH"]
    assert re.fullmatch(r"/static/[0-9a-f]{16}", base_path)
    assert deployment["DestinationBucketKeyPrefix"] == f"{base_path.lstrip('/')}/"
    (deployment_id,) = synth.of_type("Custom::CDKBucketDeployment")
    assert deployment_id in web["DependsOn"], "the Web function is updated after its files are published"
    # A new content hash is a new path: files are cached for a year and the old prefix is removed.
    assert deployment["SystemMetadata"] == {"cache-control": "public, max-age=31536000, immutable"}
    assert deployment["RetainOnDelete"] is False and deployment["Prune"] is True
    (source_key,) = deployment["SourceObjectKeys"]
    staged = synth.outdir / f"asset.{source_key.removesuffix('.zip')}"
    published = {p.relative_to(staged).as_posix() for p in staged.rglob("*") if p.is_file()}
    for name in STATIC_FILES:
        assert name in published or any(p.startswith(f"{name}/") for p in published), name
    assert not [p for p in published if "/." in f"/{p}"], "no build stamps or other dot-files"
    web_url = synth.template["Outputs"]["WebUrl"]["Value"]
    assert render(web_url) == f"https://<{distribution(synth)[0]}.DomainName>/"


def test_the_static_prefix_follows_the_content_and_a_partial_build_is_refused(tmp_path: Any) -> None:
    from throughgate_infra.frontend import STATIC_FILES, content_hash

    for name in STATIC_FILES:
        path = tmp_path / name
        if "." in name:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(name)
        else:
            path.mkdir(parents=True)
            (path / "icon.svg").write_text("<svg/>")
    first = content_hash(tmp_path)
    (tmp_path / ".assets.stamp").write_text("built again")
    assert content_hash(tmp_path) == first, "dot-files are not published"
    (tmp_path / "assets" / "images" / "icon.svg").write_text("<svg></svg>")
    assert content_hash(tmp_path) != first
    (tmp_path / "init.mjs").unlink()
    with pytest.raises(FileNotFoundError, match="make assets"):
        content_hash(tmp_path)


def test_only_the_staff_functions_manage_accounts_and_the_authorizer_reads_staff_records_only(
    synth: Synth,
) -> None:
    """Api and Web: exactly the Cognito admin operations logic.staff calls, on the one pool; the
    Authorizer: GetItem on the STAFF partition (its leading key), never a case."""
    from throughgate_infra.functions import STAFF_ADMIN_ACTIONS

    ((pool_id, _),) = synth.of_type("AWS::Cognito::UserPool").items()
    cases, _ = table_ids(synth)
    for name, function in functions_by_name(synth).items():
        statements = policy_statements(synth, role_logical_id(function))
        admin = [
            (set(as_list(st["Action"])), [render(r) for r in as_list(st["Resource"])])
            for st in statements
            if any(
                str(a).startswith("cognito-idp:Admin") and a != "cognito-idp:AdminGetUser"
                for a in as_list(st["Action"])
            )
        ]
        if name in MANAGING_STAFF:
            assert admin == [(set(STAFF_ADMIN_ACTIONS), [f"<{pool_id}.Arn>"])], name
        else:
            assert admin == [], name
    authorizer = functions_by_name(synth)["Authorizer"]
    (read,) = [
        st
        for st in policy_statements(synth, role_logical_id(authorizer))
        if "dynamodb:GetItem" in as_list(st["Action"])
    ]
    assert [render(r) for r in as_list(read["Resource"])] == [f"<{cases}.Arn>"]
    assert read["Condition"] == {"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": ["STAFF"]}}
