"""The synthesized template deploys to moto's CloudFormation once its assets are published.

Publishing does what `cdk deploy` does before CreateStack: every file asset of the cloud assembly's
manifest goes to the bootstrap bucket under its object key (directories zipped). moto 5.2.5 has no
CloudFormation model for some resource types (MOTO_CANNOT_CREATE): those resources are left out
and every Ref or GetAtt of them becomes a stand-in value. Any other type moto cannot create makes
moto warn, which fails the test, so the list stays exact. What moto does create is checked in its
backends afterwards (it ignores some properties, e.g. PITR, layers, logging: the synth tests check
those on the template).
"""

from __future__ import annotations

import io
import json
import warnings
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from tests.infra.conftest import Synth
from throughgate.manifest import FUNCTIONS, RELEASE_WORKFLOW
from throughgate.store import schema
from throughgate_infra import STACK_ID

REGION = "eu-west-2"
ACCOUNT = "123456789012"  # moto's default account
BOOTSTRAP_VERSION_PARAMETER = "/cdk-bootstrap/hnb659fds/version"

MOTO_CANNOT_CREATE = {
    # No CloudFormation model in moto 5.2.5.
    "AWS::ApiGateway::Account": "no model",
    "AWS::ApiGateway::Authorizer": "no model",
    "AWS::ApiGateway::GatewayResponse": "no model",
    "AWS::ApiGateway::RequestValidator": "no model",
    "AWS::ApiGateway::Stage": "no model",
    "AWS::CloudFront::Distribution": "no model",
    "AWS::CloudFront::Function": "no model",
    "AWS::CloudFront::OriginAccessControl": "no model",
    "AWS::CloudFront::ResponseHeadersPolicy": "no model",
    "AWS::Backup::BackupPlan": "no model",
    "AWS::Backup::BackupSelection": "no model",
    "AWS::Backup::BackupVault": "no model",
    "AWS::CloudWatch::Alarm": "no model",
    "AWS::CloudWatch::Dashboard": "no model",
    "AWS::CloudTrail::Trail": "no model",
    "AWS::Cognito::UserPool": "no model",
    "AWS::Cognito::UserPoolClient": "no model",
    "AWS::Cognito::UserPoolGroup": "no model",
    "AWS::S3::BucketPolicy": "no model",
    "AWS::SES::EmailIdentity": "no model",
    "AWS::SNS::Subscription": "no model",
    "AWS::SNS::TopicPolicy": "no model",
    "AWS::SQS::QueuePolicy": "no model",
    "AWS::Scheduler::ScheduleGroup": "no model",
    "AWS::SecretsManager::Secret": "no model",
    "AWS::WAFv2::WebACL": "no model",
    "AWS::WAFv2::WebACLAssociation": "no model",
    "AWS::WAFv2::LoggingConfiguration": "no model",
    # moto runs a custom resource's Lambda handler, which needs Docker (and this one the AWS CLI
    # layer): the stack would wait for its answer for ever. The files it would copy are checked in
    # the published asset instead.
    "Custom::CDKBucketDeployment": "handler needs Docker",
}


def without_what_moto_cannot_create(template: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """The template moto is given, and the logical ids left out with their types."""
    left_out = {k: r["Type"] for k, r in template["Resources"].items() if r["Type"] in MOTO_CANNOT_CREATE}

    def stand_in(value: Any) -> Any:
        if isinstance(value, dict):
            if value.keys() == {"Ref"} and value["Ref"] in left_out:
                return f"left-out-{value['Ref']}"
            if value.keys() == {"Fn::GetAtt"} and value["Fn::GetAtt"][0] in left_out:
                logical_id, attribute = value["Fn::GetAtt"]
                return f"arn:aws:left-out:{REGION}:{ACCOUNT}:{logical_id}/{attribute}"
            return {k: stand_in(v) for k, v in value.items()}
        if isinstance(value, list):
            return [stand_in(v) for v in value]
        return value

    resources = {}
    for logical_id, original in template["Resources"].items():
        if logical_id in left_out:
            continue
        resource = stand_in(original)
        if "DependsOn" in resource:  # CDK always writes a list
            depends = [d for d in resource.pop("DependsOn") if d not in left_out]
            if depends:
                resource["DependsOn"] = depends
        if resource["Type"] == "AWS::KMS::Key":
            # moto 5.2.5 hands CloudFormation's Key/Value tags to KMS's tagger, which expects the
            # API's TagKey/TagValue (KeyError): give it that shape, same tags.
            resource["Properties"]["Tags"] = [
                {"TagKey": t["Key"], "TagValue": t["Value"]} for t in resource["Properties"].get("Tags", [])
            ]
        resources[logical_id] = resource
    adapted = template | {"Resources": resources, "Outputs": stand_in(template.get("Outputs", {}))}
    return adapted, left_out


def zipped(directory: Path) -> bytes:
    """A directory asset as CDK packages it: a zip of its files, paths relative to it."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(p for p in directory.rglob("*") if p.is_file()):
            archive.write(path, path.relative_to(directory).as_posix())
    return buffer.getvalue()


def publish_assets(outdir: Path, s3: Any) -> dict[str, int]:
    """Every file asset of the stack's asset manifest, uploaded; returns the size per object key."""
    manifest = json.loads((outdir / f"{STACK_ID}.assets.json").read_text())
    buckets: set[str] = set()
    sizes = {}
    for asset in manifest["files"].values():
        source = outdir / asset["source"]["path"]  # an absolute path stays as it is
        body = zipped(source) if source.is_dir() else source.read_bytes()
        for destination in asset["destinations"].values():
            bucket = destination["bucketName"].replace("${AWS::AccountId}", ACCOUNT)
            if bucket not in buckets:
                s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
                buckets.add(bucket)
            s3.put_object(Bucket=bucket, Key=destination["objectKey"], Body=body)
            sizes[destination["objectKey"]] = len(body)
    return sizes


@dataclass(frozen=True)
class Deployed:
    status: str
    created: dict[str, dict[str, Any]]  # logical id -> stack resource summary
    left_out: dict[str, str]
    outputs: dict[str, str]
    published: dict[str, int]
    warnings: list[str]

    def client(self, service: str) -> Any:
        return boto3.client(service, region_name=REGION)


@pytest.fixture(scope="module")
def deployed(synth: Synth) -> Iterator[Deployed]:
    with pytest.MonkeyPatch.context() as env:
        for name, value in {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_SESSION_TOKEN": "testing",
            "AWS_DEFAULT_REGION": REGION,
        }.items():
            env.setenv(name, value)
        env.delenv("AWS_PROFILE", raising=False)
        env.delenv("AWS_ENDPOINT_URL", raising=False)
        with mock_aws():
            s3 = boto3.client("s3", region_name=REGION)
            published = publish_assets(synth.outdir, s3)
            # CDK's bootstrap stack keeps its version here; the template's parameter reads it.
            boto3.client("ssm", region_name=REGION).put_parameter(
                Name=BOOTSTRAP_VERSION_PARAMETER, Value="30", Type="String"
            )
            template, left_out = without_what_moto_cannot_create(synth.template)
            cloudformation = boto3.client("cloudformation", region_name=REGION)
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                cloudformation.create_stack(
                    StackName=STACK_ID,
                    TemplateBody=json.dumps(template),
                    Capabilities=["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"],
                )
            (stack,) = cloudformation.describe_stacks(StackName=STACK_ID)["Stacks"]
            summaries = cloudformation.list_stack_resources(StackName=STACK_ID)["StackResourceSummaries"]
            yield Deployed(
                status=stack["StackStatus"],
                created={r["LogicalResourceId"]: r for r in summaries},
                left_out=left_out,
                outputs={o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])},
                published=published,
                warnings=[str(w.message) for w in caught if "not supported by moto" in str(w.message)],
            )


def test_stack_reaches_create_complete_with_everything_moto_can_create(
    synth: Synth, deployed: Deployed
) -> None:
    assert not deployed.warnings, "a resource type moto cannot create is not in MOTO_CANNOT_CREATE"
    assert deployed.status == "CREATE_COMPLETE"
    assert set(deployed.created) == set(synth.resources) - set(deployed.left_out)
    assert {r["ResourceStatus"] for r in deployed.created.values()} == {"CREATE_COMPLETE"}
    assert set(deployed.left_out.values()) == set(MOTO_CANNOT_CREATE), "a stale MOTO_CANNOT_CREATE entry"
    created_types = {r["ResourceType"] for r in deployed.created.values()}
    assert {
        "AWS::DynamoDB::Table",
        "AWS::Lambda::Function",
        "AWS::IAM::Role",
        "AWS::StepFunctions::StateMachine",
    } <= created_types


def test_the_case_table_exists_with_its_keys_and_indexes(deployed: Deployed) -> None:
    table = deployed.client("dynamodb").describe_table(TableName=deployed.outputs["TableName"])["Table"]
    assert table["KeySchema"] == [
        {"AttributeName": schema.PARTITION_KEY, "KeyType": "HASH"},
        {"AttributeName": schema.SORT_KEY, "KeyType": "RANGE"},
    ]
    assert {i["IndexName"] for i in table["GlobalSecondaryIndexes"]} == set(schema.GLOBAL_INDEXES)
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert table["DeletionProtectionEnabled"] is True


def test_the_case_table_s_stream_feeds_carry_out_effects(deployed: Deployed) -> None:
    table = deployed.client("dynamodb").describe_table(TableName=deployed.outputs["TableName"])["Table"]
    assert table["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"}
    (mapping,) = deployed.client("lambda").list_event_source_mappings(
        FunctionName=f"{STACK_ID}-CarryOutEffects"
    )["EventSourceMappings"]
    assert mapping["EventSourceArn"] == table["LatestStreamArn"]


def test_the_audit_table_exists_apart_with_its_keys(deployed: Deployed) -> None:
    table = deployed.client("dynamodb").describe_table(TableName=deployed.outputs["AuditTableName"])["Table"]
    assert deployed.outputs["AuditTableName"] != deployed.outputs["TableName"]
    assert table["KeySchema"] == [
        {"AttributeName": schema.AUDIT_PARTITION_KEY, "KeyType": "HASH"},
        {"AttributeName": schema.AUDIT_SORT_KEY, "KeyType": "RANGE"},
    ]
    assert not table.get("GlobalSecondaryIndexes")
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert table["DeletionProtectionEnabled"] is True  # TTL and PITR: moto ignores them (synth tests)


def test_functions_run_the_published_code_with_their_own_roles_and_resolved_settings(
    synth: Synth, deployed: Deployed
) -> None:
    lambda_ = deployed.client("lambda")
    iam = deployed.client("iam")
    roles = set()
    for name, spec in FUNCTIONS.items():
        function = lambda_.get_function(FunctionName=f"{STACK_ID}-{name}")["Configuration"]
        assert function["Handler"] == spec.handler
        assert function["Runtime"] == "python3.13"
        (code_key,) = {
            r["Properties"]["Code"]["S3Key"]
            for r in synth.of_type("AWS::Lambda::Function").values()
            if r["Properties"].get("FunctionName") == function["FunctionName"]
        }
        assert function["CodeSize"] == deployed.published[code_key], "the code is the published asset"
        role_name = function["Role"].rsplit("/", 1)[1]
        assert iam.list_role_policies(RoleName=role_name)["PolicyNames"], name
        roles.add(role_name)
        # References resolved to what moto created, not to stand-ins.
        environment = function["Environment"]["Variables"]
        if name == "SignIn":  # the user pool is left out: its settings only
            assert "TABLE_NAME" not in environment and "USER_POOL_ID" in environment
            continue
        assert environment["TABLE_NAME"] == deployed.outputs["TableName"]
        assert environment["AUDIT_TABLE_NAME"] == deployed.outputs["AuditTableName"]
        assert environment["RELEASE_STATE_MACHINE_ARN"] == deployed.outputs["StateMachineArn"]
        if "EMAIL_FROM" in environment:  # the functions that deliver notifications
            assert environment["EMAIL_FROM"] == f"notifications@{deployed.outputs['EmailDomain']}"
        iam.get_role(RoleName=environment["SCHEDULER_ROLE_ARN"].rsplit("/", 1)[1])
    assert len(roles) == len(FUNCTIONS)


def test_the_release_state_machine_exists_with_its_role(deployed: Deployed) -> None:
    machine = deployed.client("stepfunctions").describe_state_machine(
        stateMachineArn=deployed.outputs["StateMachineArn"]
    )
    assert machine["name"] == f"{STACK_ID}-{RELEASE_WORKFLOW}"
    assert machine["type"] == "STANDARD"
    role = deployed.client("iam").get_role(RoleName=machine["roleArn"].rsplit("/", 1)[1])["Role"]
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
        "Service": "states.amazonaws.com"
    }


def test_prison_events_feed_the_function_with_a_dead_letter_queue(deployed: Deployed) -> None:
    sqs = deployed.client("sqs")
    attributes = sqs.get_queue_attributes(
        QueueUrl=deployed.outputs["PrisonEventsQueueUrl"], AttributeNames=["All"]
    )["Attributes"]
    redrive = json.loads(attributes["RedrivePolicy"])
    assert redrive["deadLetterTargetArn"].endswith(f":{STACK_ID}-prison-events-dlq")
    (mapping,) = deployed.client("lambda").list_event_source_mappings(
        FunctionName=f"{STACK_ID}-PrisonEvents"
    )["EventSourceMappings"]
    assert mapping["EventSourceArn"] == attributes["QueueArn"]


def test_the_topic_for_clients_text_replies_exists_encrypted(deployed: Deployed) -> None:
    arn = deployed.outputs["InboundTextsTopicArn"]
    assert arn.endswith(f":{STACK_ID}-text-replies")
    attributes = deployed.client("sns").get_topic_attributes(TopicArn=arn)["Attributes"]
    assert attributes["KmsMasterKeyId"]


def test_the_static_files_are_published_for_the_deployment_to_copy(synth: Synth, deployed: Deployed) -> None:
    from throughgate_infra.frontend import STATIC_FILES

    (deployment,) = synth.of_type("Custom::CDKBucketDeployment").values()
    (bucket,) = deployment["Properties"]["SourceBucketNames"]
    (key,) = deployment["Properties"]["SourceObjectKeys"]
    body = (
        deployed.client("s3")
        .get_object(Bucket=bucket["Fn::Sub"].replace("${AWS::AccountId}", ACCOUNT), Key=key)["Body"]
        .read()
    )
    names = set(zipfile.ZipFile(io.BytesIO(body)).namelist())
    for name in STATIC_FILES:
        assert name in names or any(n.startswith(f"{name}/") for n in names), name
    static_bucket = deployed.created[deployment["Properties"]["DestinationBucketName"]["Ref"]]
    assert static_bucket["ResourceType"] == "AWS::S3::Bucket"


def test_the_audit_table_trail_s_bucket_and_key_exist(deployed: Deployed) -> None:
    """The trail itself has no model in moto, and moto 5.2.5 neither applies the bucket's versioning
    nor reads back its encryption or a key made from a template (the synth tests check them); the
    bucket and its key are made."""
    deployed.client("s3").head_bucket(Bucket=deployed.outputs["AuditTableTrailBucket"])
    (key,) = (
        r
        for logical_id, r in deployed.created.items()
        if r["ResourceType"] == "AWS::KMS::Key" and logical_id.startswith("AuditTableTrailKey")
    )
    assert key["ResourceStatus"] == "CREATE_COMPLETE"
