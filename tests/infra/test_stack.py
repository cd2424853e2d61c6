"""Assertions on the synthesized CloudFormation template (one synth for the whole module)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from typing import Any

import pytest

from tests.infra.conftest import ROOT, Synth
from throughgate import config
from throughgate.manifest import FUNCTIONS, RELEASE_WORKFLOW
from throughgate.store import schema

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
    r":schedule/Throughgate-outcomes/outcome-\*$": {"OnReleased", "PrisonEvents", "Api", "Web"},
    rf":execution:Throughgate-{RELEASE_WORKFLOW}:\*$": {"PrisonEvents", "Api", "Web"},
    # CDK's BucketDeployment: the objects of its asset staging bucket and of the static files bucket.
    r"^arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-eu-west-2/\*$": {
        STATIC_FILES_DEPLOYMENT
    },
    r"^<FrontendStatic[0-9A-F]{8}\.Arn>/\*$": {STATIC_FILES_DEPLOYMENT},
}
# CDK's grantRead / grantReadWrite for the BucketDeployment (acknowledged); no other role has any.
WILDCARD_ACTIONS = {
    STATIC_FILES_DEPLOYMENT: {"s3:GetBucket*", "s3:GetObject*", "s3:List*", "s3:Abort*", "s3:DeleteObject*"}
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
    # Only API Gateway's account logging role (acknowledged); no function role has one.
    assert managed == {
        "arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"
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


def test_every_function_environment_holds_what_config_requires(synth: Synth) -> None:
    required = set(config._ENV.values()) - LAMBDA_RESERVED
    assert required, "throughgate.config names no settings?"
    for name, function in functions_by_name(synth).items():
        environment = function["Properties"]["Environment"]["Variables"]
        assert required <= set(environment), f"{name} lacks {sorted(required - set(environment))}"
        assert not LAMBDA_RESERVED & set(environment), name
        assert environment["POWERTOOLS_SERVICE_NAME"] == "throughgate"
        assert environment["POWERTOOLS_LOGGER_LOG_EVENT"] == "false"
        assert render(environment["RELEASE_STATE_MACHINE_ARN"]).endswith(
            f":stateMachine:Throughgate-{RELEASE_WORKFLOW}"
        )
        assert render(environment["OUTCOME_DUE_FUNCTION_ARN"]).endswith(":function:Throughgate-OutcomeDue")


def test_web_function_gets_the_csrf_secret_by_reference_not_value(synth: Synth) -> None:
    secret = functions_by_name(synth)["Web"]["Properties"]["Environment"]["Variables"]["CSRF_SECRET"]
    assert render(secret).startswith("{{resolve:secretsmanager:<")
    for name, function in functions_by_name(synth).items():
        if name != "Web":
            assert "CSRF_SECRET" not in function["Properties"]["Environment"]["Variables"]


def test_no_wildcard_action_and_no_wildcard_resource_but_the_acknowledged(synth: Synth) -> None:
    role_names = {role_logical_id(f): name for name, f in functions_by_name(synth).items()}
    role_names[role_logical_id(synth.resources[deployment_handler_id(synth)])] = STATIC_FILES_DEPLOYMENT
    seen: dict[str, set[str]] = {pattern: set() for pattern in WILDCARD_RESOURCES}
    for role_id in synth.of_type("AWS::IAM::Role"):
        owner = role_names.get(role_id, role_id)
        for statement in policy_statements(synth, role_id):
            actions = set(as_list(statement["Action"]))
            assert {a for a in actions if "*" in a} <= WILDCARD_ACTIONS.get(owner, set()), (owner, actions)
            for resource in map(render, as_list(statement["Resource"])):
                if resource == "*":
                    allowed = XRAY_WRITE if owner in FUNCTIONS else STATES_LOGGING
                    assert actions <= allowed, (owner, actions)
                elif "*" in resource:
                    pattern = next((p for p in WILDCARD_RESOURCES if re.search(p, resource)), None)
                    assert pattern, (owner, resource)
                    seen[pattern].add(owner)
    assert seen == WILDCARD_RESOURCES


def test_table_access_never_scans_and_names_the_indexes(synth: Synth) -> None:
    for name, function in functions_by_name(synth).items():
        statements = policy_statements(synth, role_logical_id(function))
        table = [s for s in statements if any(a.startswith("dynamodb:") for a in as_list(s["Action"]))]
        assert len(table) == 1, name
        assert "dynamodb:Scan" not in as_list(table[0]["Action"])
        resources = sorted(render(r) for r in table[0]["Resource"])
        assert len(resources) == 1 + len(schema.GLOBAL_INDEXES)
        assert {r.rsplit("/index/", 1)[1] for r in resources if "/index/" in r} == set(schema.GLOBAL_INDEXES)


# -- the workflow ----------------------------------------------------------------------------------
def state_machine(synth: Synth) -> dict[str, Any]:
    (machine,) = synth.of_type("AWS::StepFunctions::StateMachine").values()
    return machine["Properties"]


def definition_with_markers(synth: Synth) -> dict[str, Any]:
    """The definition as deployed: the staged ASL asset with the template's DefinitionSubstitutions
    applied, each `Fn::GetAtt` of a function shown as `@@<logical id>@@`."""
    machine = state_machine(synth)
    key = machine["DefinitionS3Location"]["Key"]
    text = (synth.outdir / f"asset.{key}").read_text()
    values = {}
    for placeholder, value in machine["DefinitionSubstitutions"].items():
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


def test_every_asl_placeholder_is_substituted_with_the_manifest_function_of_the_stack(
    synth: Synth,
) -> None:
    source = json.loads((ROOT / "workflows" / f"{RELEASE_WORKFLOW}.asl.json").read_text())
    synthesized = definition_with_markers(synth)
    assert "${" not in json.dumps(synthesized)
    by_placeholder = {spec.asl_placeholder: name for name, spec in FUNCTIONS.items() if spec.asl_placeholder}
    functions = functions_by_name(synth)
    source_tasks, synthesized_tasks = task_states(source), task_states(synthesized)
    assert source_tasks.keys() == synthesized_tasks.keys()
    checked = set()
    for state, task in source_tasks.items():
        placeholder = re.fullmatch(r"\$\{(\w+)\}", task["Parameters"]["FunctionName"])
        assert placeholder, state
        expected = functions[by_placeholder[placeholder.group(1)]]
        marker = synthesized_tasks[state]["Parameters"]["FunctionName"]
        assert marker == f"@@{expected['LogicalId']}@@", state
        checked.add(placeholder.group(1))
    assert checked == set(by_placeholder)


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


def test_state_machine_may_invoke_exactly_the_functions_it_calls(synth: Synth) -> None:
    functions = functions_by_name(synth)
    called = {functions[name]["LogicalId"] for name, spec in FUNCTIONS.items() if spec.asl_placeholder}
    role_id = state_machine(synth)["RoleArn"]["Fn::GetAtt"][0]
    invoke = [s for s in policy_statements(synth, role_id) if "lambda:InvokeFunction" in as_list(s["Action"])]
    assert len(invoke) == 1
    assert {r["Fn::GetAtt"][0] for r in invoke[0]["Resource"]} == called


# -- data ------------------------------------------------------------------------------------------
def test_table_settings_and_indexes_as_schema(synth: Synth) -> None:
    ((_, table),) = synth.of_type("AWS::DynamoDB::Table").items()
    props = table["Properties"]
    assert table["DeletionPolicy"] == "Retain"
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert props["DeletionProtectionEnabled"] is True
    assert props["TimeToLiveSpecification"] == {"AttributeName": schema.TTL_ATTRIBUTE, "Enabled": True}
    assert props["KeySchema"] == [
        {"AttributeName": schema.PARTITION_KEY, "KeyType": "HASH"},
        {"AttributeName": schema.SORT_KEY, "KeyType": "RANGE"},
    ]
    sse = props["SSESpecification"]
    assert sse["SSEEnabled"] is True and sse["SSEType"] == "KMS"
    key = synth.resources[sse["KMSMasterKeyId"]["Fn::GetAtt"][0]]
    assert key["Type"] == "AWS::KMS::Key"
    assert key["Properties"]["EnableKeyRotation"] is True
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


def test_only_the_case_data_its_key_the_user_pool_and_access_records_outlive_the_stack(synth: Synth) -> None:
    kept = {k: r["Type"] for k, r in synth.resources.items() if r.get("DeletionPolicy") == "Retain"}
    assert sorted(kept.values()) == [
        "AWS::ApiGateway::Account",  # the account's API logging role setting, shared
        "AWS::Cognito::UserPool",
        "AWS::DynamoDB::Table",
        "AWS::KMS::Key",
        "AWS::S3::Bucket",
    ]
    ((_, table),) = synth.of_type("AWS::DynamoDB::Table").items()
    assert table["Properties"]["SSESpecification"]["KMSMasterKeyId"]["Fn::GetAtt"][0] in kept
    static_id = static_deployment(synth)["DestinationBucketName"]["Ref"]
    logs_id = synth.resources[static_id]["Properties"]["LoggingConfiguration"]["DestinationBucketName"]["Ref"]
    assert logs_id in kept
    for key in synth.of_type("AWS::KMS::Key").values():
        assert key["Properties"]["EnableKeyRotation"] is True


# -- events, queues, topics ------------------------------------------------------------------------
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
    (mapping,) = synth.of_type("AWS::Lambda::EventSourceMapping").values()
    assert mapping["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mapping["Properties"]["FunctionName"] == {
        "Ref": functions_by_name(synth)["PrisonEvents"]["LogicalId"]
    }


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


def test_scheduler_role_may_invoke_outcome_due_only(synth: Synth) -> None:
    environment = functions_by_name(synth)["OnReleased"]["Properties"]["Environment"]["Variables"]
    role_id = environment["SCHEDULER_ROLE_ARN"]["Fn::GetAtt"][0]
    role = synth.resources[role_id]["Properties"]
    (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "scheduler.amazonaws.com"}
    assert "aws:SourceAccount" in trust["Condition"]["StringEquals"]
    (statement,) = policy_statements(synth, role_id)
    assert statement["Action"] == "lambda:InvokeFunction"
    assert render(statement["Resource"]).endswith(":function:Throughgate-OutcomeDue")
    (group,) = synth.of_type("AWS::Scheduler::ScheduleGroup").values()
    assert group["Properties"]["Name"] == environment["SCHEDULE_GROUP"]


def test_daily_sweep_rule_targets_the_sweep(synth: Synth) -> None:
    (rule,) = synth.of_type("AWS::Events::Rule").values()
    assert rule["Properties"]["ScheduleExpression"] == "cron(0 6 * * ? *)"
    (target,) = rule["Properties"]["Targets"]
    assert target["Arn"] == {"Fn::GetAtt": [functions_by_name(synth)["DailySweep"]["LogicalId"], "Arn"]}
    assert "DeadLetterConfig" in target


def test_alarms_on_failed_executions_each_function_and_dead_letters(synth: Synth) -> None:
    alarms = list(synth.of_type("AWS::CloudWatch::Alarm").values())
    metrics = {(a["Properties"]["Namespace"], a["Properties"]["MetricName"]) for a in alarms}
    assert ("AWS/States", "ExecutionsFailed") in metrics
    errors = {
        d["Value"]["Ref"]
        for a in alarms
        if a["Properties"]["MetricName"] == "Errors"
        for d in a["Properties"]["Dimensions"]
    }
    assert errors == {f["LogicalId"] for f in functions_by_name(synth).values()}
    depth = [a for a in alarms if a["Properties"]["MetricName"] == "ApproximateNumberOfMessagesVisible"]
    assert len(depth) == 2
    for alarm in alarms:
        assert alarm["Properties"]["AlarmActions"], "every alarm notifies the operations topic"


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
    """adapters.aws and logic.ports read the settings on import: ask a separate interpreter."""
    from throughgate_infra.auth import GROUPS
    from throughgate_infra.functions import OUTCOME_SCHEDULES

    environment = os.environ | {
        "TABLE_NAME": "cases",
        "AWS_REGION": "eu-west-2",
        "RELEASE_STATE_MACHINE_ARN": "arn:aws:states:eu-west-2:1:stateMachine:m",
        "OUTCOME_DUE_FUNCTION_ARN": "arn:aws:lambda:eu-west-2:1:function:f",
        "NOTIFICATIONS_TOPIC_ARN": "arn:aws:sns:eu-west-2:1:t",
        "SCHEDULER_ROLE_ARN": "arn:aws:iam::1:role/r",
        "SCHEDULE_GROUP": "g",
    }
    program = (
        "import json\n"
        "from throughgate.adapters.aws import outcome_schedule_name\n"
        "from throughgate.handlers.identity import STAFF_ROLES\n"
        "print(json.dumps([outcome_schedule_name('*'), sorted(r.value for r in STAFF_ROLES)]))\n"
    )
    output = subprocess.run(
        [sys.executable, "-c", program], env=environment, capture_output=True, text=True, check=True
    ).stdout
    schedules, staff_roles = json.loads(output.splitlines()[-1])
    assert schedules == OUTCOME_SCHEDULES
    assert staff_roles == sorted(GROUPS)


# -- sign-in and the HTTP front doors --------------------------------------------------------------
def test_user_pool_is_admin_only_mfa_required_strong_passwords_with_the_staff_groups(synth: Synth) -> None:
    from throughgate_infra.auth import GROUPS

    ((pool_id, pool),) = synth.of_type("AWS::Cognito::UserPool").items()
    props = pool["Properties"]
    assert pool["DeletionPolicy"] == "Retain"
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


def test_api_and_web_sit_behind_cognito_validation_logging_throttling_and_waf(synth: Synth) -> None:
    functions = functions_by_name(synth)
    apis = synth.of_type("AWS::ApiGateway::RestApi")
    assert len(apis) == 2
    authorizers = synth.of_type("AWS::ApiGateway::Authorizer")
    validators = synth.of_type("AWS::ApiGateway::RequestValidator")
    targets = set()
    for method in synth.of_type("AWS::ApiGateway::Method").values():
        props = method["Properties"]
        if props["HttpMethod"] == "OPTIONS":
            continue
        assert props["AuthorizationType"] == "COGNITO_USER_POOLS"
        assert authorizers[props["AuthorizerId"]["Ref"]]["Properties"]["Type"] == "COGNITO_USER_POOLS"
        assert validators[props["RequestValidatorId"]["Ref"]]["Properties"]["ValidateRequestParameters"]
        uri = render(props["Integration"]["Uri"])
        targets |= {name for name, f in functions.items() if f"<{f['LogicalId']}.Arn>" in uri}
    assert targets == {"Api", "Web"}
    stages = synth.of_type("AWS::ApiGateway::Stage")
    assert len(stages) == 2
    associated = {
        render(a["Properties"]["ResourceArn"])
        for a in synth.of_type("AWS::WAFv2::WebACLAssociation").values()
    }
    assert associated == {
        f"arn:<AWS::Partition>:apigateway:eu-west-2::/restapis/<{api}>/stages/<{stage}>"
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
    rules = {r["Name"] for r in acl["Properties"]["Rules"]}
    assert {"AWSManagedRulesCommonRuleSet", "RateLimitPerAddress"} <= rules


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
    assert set(synth.of_type("AWS::S3::Bucket")) == {static_id, logs_id}
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
