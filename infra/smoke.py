"""`make smoke`: after a real deploy, with the deployer's AWS credentials (never run by a test).

1. The sign-in page answers through CloudFront (the stack's `WebUrl`): 200, a sign-in form.
2. The Web API's stage, asked directly, refuses (403 from the web ACL: no CloudFront origin header).
3. A test alarm reaches the alarms topic: one alarm is set to ALARM by hand (its reason says so), the
   alarm's history must show its action on the alarms topic carried out, then it is set back to OK.
   Whoever is subscribed gets one e-mail titled with the alarm's name.
4. The audit table's CloudTrail trail is logging (a trail can be stopped by hand; the stack starts it).

Prints one line per check and exits non-zero if any fails.
"""

from __future__ import annotations

import argparse
import sys
import time
import urllib.error
import urllib.request
from typing import Any

import boto3

SMOKE_ALARM = "DailySweepDidNotRun"  # one that says what to do, and is rarely in ALARM on its own


def _get(url: str) -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"User-Agent": "throughgate-smoke"})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=20) as response:  # noqa: S310 - https only
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", "replace")


def _outputs(cloudformation: Any, stack: str) -> dict[str, str]:
    described = cloudformation.describe_stacks(StackName=stack)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}


def _web_api_id(cloudformation: Any, stack: str) -> str:
    resources = cloudformation.describe_stack_resources(StackName=stack)["StackResources"]
    (found,) = (
        r["PhysicalResourceId"]
        for r in resources
        if r["ResourceType"] == "AWS::ApiGateway::RestApi"
        and r["LogicalResourceId"].startswith("ApiWebGateway")
    )
    return str(found)


def _alarm_reaches_the_topic(cloudwatch: Any, stack: str, topic_arn: str) -> bool:
    (alarm,) = (
        a
        for page in cloudwatch.get_paginator("describe_alarms").paginate(AlarmNamePrefix=stack)
        for a in page["MetricAlarms"]
        if SMOKE_ALARM in a["AlarmName"]
    )
    name, since = alarm["AlarmName"], time.time()
    cloudwatch.set_alarm_state(AlarmName=name, StateValue="ALARM", StateReason="make smoke: a test alarm")
    try:
        for _ in range(12):
            time.sleep(5)
            history = cloudwatch.describe_alarm_history(
                AlarmName=name, HistoryItemType="Action", MaxRecords=10
            )
            for item in history["AlarmHistoryItems"]:
                if item["Timestamp"].timestamp() >= since - 1 and topic_arn in item["HistorySummary"]:
                    return "Successfully executed action" in item["HistorySummary"]
        return False
    finally:
        cloudwatch.set_alarm_state(AlarmName=name, StateValue="OK", StateReason="make smoke: test over")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stack", default="Throughgate")
    parser.add_argument("--region", default="eu-west-2")
    args = parser.parse_args(argv)
    session = boto3.Session(region_name=args.region)
    cloudformation = session.client("cloudformation")
    outputs = _outputs(cloudformation, args.stack)

    checks: list[tuple[str, bool]] = []
    status, body = _get(outputs["WebUrl"].rstrip("/") + "/sign-in")
    checks.append((f"sign-in page through CloudFront: {status}", status == 200 and "<form" in body))
    direct = f"https://{_web_api_id(cloudformation, args.stack)}.execute-api.{args.region}.amazonaws.com/prod/sign-in"
    status, _ = _get(direct)
    checks.append((f"Web API stage asked directly: {status}", status == 403))
    arrived = _alarm_reaches_the_topic(session.client("cloudwatch"), args.stack, outputs["AlarmsTopicArn"])
    checks.append(("a test alarm reached the alarms topic", arrived))
    trail = session.client("cloudtrail").get_trail_status(Name=f"{args.stack}-audit-table")
    checks.append(("the audit table's trail is logging", bool(trail["IsLogging"])))

    for what, ok in checks:
        print(f"{'ok  ' if ok else 'FAIL'} {what}")
    return 0 if all(ok for _, ok in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
