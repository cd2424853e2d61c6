"""The stack's context options (issue 19): restored tables used by name (docs/restore.md), an
e-mail subscription to the alarms topic and the web app's own domain. One more synth, with cdk-nag, so the options stay clean."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tests.infra.conftest import ROOT  # noqa: F401 - puts infra/ on the path

RESTORED_STREAM = (
    "arn:aws:dynamodb:eu-west-2:111122223333:table/Throughgate-cases-restored/stream/2027-01-01T00:00:00.000"
)
OPTIONS = {
    "restored_cases_table": "Throughgate-cases-restored",
    "restored_cases_stream_arn": RESTORED_STREAM,
    "restored_audit_table": "Throughgate-audit-restored",
    "alarm_email": "ops@example.org",
    "domain_name": "casework.example.org",
    "certificate_arn": "arn:aws:acm:us-east-1:111122223333:certificate/00000000-0000-0000-0000-000000000000",
}


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    from aws_cdk.assertions import Template

    from throughgate_infra import application

    saved = os.environ.pop("CDK_DEFAULT_ACCOUNT", None)
    try:
        outdir: Path = tmp_path_factory.mktemp("cdk-options")
        app, stack = application.build(outdir=str(outdir), context={"aws:cdk:bundling-stacks": [], **OPTIONS})
        app.synth()  # cdk-nag runs here: an unacknowledged finding fails it
        return dict(Template.from_stack(stack).to_json())
    finally:
        if saved is not None:
            os.environ["CDK_DEFAULT_ACCOUNT"] = saved


def of_type(template: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [r for r in template["Resources"].values() if r["Type"] == kind]


def test_restored_tables_are_used_by_name_and_the_stack_makes_none(template: dict[str, Any]) -> None:
    assert of_type(template, "AWS::DynamoDB::Table") == []
    for function in of_type(template, "AWS::Lambda::Function"):
        variables = function["Properties"].get("Environment", {}).get("Variables", {})
        if "TABLE_NAME" in variables:
            assert variables["TABLE_NAME"] == "Throughgate-cases-restored"
            assert variables["AUDIT_TABLE_NAME"] == "Throughgate-audit-restored"
    sources = [
        m["Properties"]["EventSourceArn"] for m in of_type(template, "AWS::Lambda::EventSourceMapping")
    ]
    assert RESTORED_STREAM in sources, "the outbox reads the restored table's stream"
    (selection,) = of_type(template, "AWS::Backup::BackupSelection")
    backed_up = [r["Fn::Join"][1][-1] for r in selection["Properties"]["BackupSelection"]["Resources"]]
    assert backed_up == [":table/Throughgate-cases-restored", ":table/Throughgate-audit-restored"]
    (trail,) = of_type(template, "AWS::CloudTrail::Trail")
    (selector,) = trail["Properties"]["AdvancedEventSelectors"]
    (traced,) = next(f["Equals"] for f in selector["FieldSelectors"] if f["Field"] == "resources.ARN")
    assert traced["Fn::Join"][1][-1] == ":table/Throughgate-audit-restored", (
        "the trail follows the restored table"
    )


def test_an_alarm_email_subscribes_to_the_alarms_topic_only(template: dict[str, Any]) -> None:
    (subscription,) = (
        s for s in of_type(template, "AWS::SNS::Subscription") if s["Properties"]["Protocol"] == "email"
    )
    assert subscription["Properties"]["Endpoint"] == "ops@example.org"
    topic = template["Resources"][subscription["Properties"]["TopicArn"]["Ref"]]
    assert topic["Properties"]["TopicName"] == "Throughgate-alarms"


def test_the_web_app_s_own_domain_has_its_us_east_1_certificate_and_tls_1_2_at_least(
    template: dict[str, Any],
) -> None:
    (distribution,) = of_type(template, "AWS::CloudFront::Distribution")
    config = distribution["Properties"]["DistributionConfig"]
    assert config["Aliases"] == ["casework.example.org"]
    assert config["ViewerCertificate"] == {
        "AcmCertificateArn": OPTIONS["certificate_arn"],
        "MinimumProtocolVersion": "TLSv1.2_2021",
        "SslSupportMethod": "sni-only",
    }
    assert template["Outputs"]["WebUrl"]["Value"] == "https://casework.example.org/"
