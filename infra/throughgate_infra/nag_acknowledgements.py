"""Every cdk-nag finding this stack accepts, each with its reason: the only place they live.

cdk-nag 3.x runs as a CDK validation plugin (AwsSolutions and Serverless packs, see application.py):
a finding not acknowledged here fails the synth. Each acknowledgement names one rule (and, for
IAM5, one exact wildcard) on the narrowest construct that has it.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, NamedTuple

from aws_cdk import Acknowledgment, CfnElement, Stack, Token, Validations
from constructs import IConstruct

from throughgate.manifest import FUNCTIONS
from throughgate_infra import naming
from throughgate_infra.functions import ACCESS, OUTCOME_SCHEDULES, RUNTIME, START_SCHEDULES, Access

if TYPE_CHECKING:
    from throughgate_infra.stack import ThroughgateStack

# Functions that are only ever invoked synchronously: by the workflow's Task states (which Retry and
# Catch), by API Gateway, or by an event source mapping (the SQS queue, the case table's stream).
# The others are invoked asynchronously (EventBridge rules and schedules, SNS) and have a dead-letter queue.
ASYNCHRONOUS = {
    "DailySweep",
    "OutcomeDue",
    "StartWorkflow",
    "ReconcileEffects",
    "ExecutionEnded",
    "SendReminders",
    "InboundTexts",
}
SYNCHRONOUS = sorted(set(FUNCTIONS) - ASYNCHRONOUS)

RUNTIME_REASON = (
    f"{RUNTIME.name} is the runtime the dependencies layer is built for (pip --python-version), and "
    "an AWS-supported one; moving to the newest Python runtime is a one-line change in functions.py "
    "(RUNTIME, PIP_PYTHON_VERSION) once the project's tests run on that Python."
)
XRAY_REASON = (
    "Active X-Ray tracing: xray:PutTraceSegments and xray:PutTelemetryRecords do not support "
    "resource-level permissions, so their Resource must be '*'. No other action has '*'."
)

STREAM_READER_REASON = (
    "Active X-Ray tracing (xray:PutTraceSegments, xray:PutTelemetryRecords) and dynamodb:ListStreams, "
    "which Lambda's event source for the case table's stream uses (AWS documents it among the "
    "execution role's permissions for a DynamoDB stream): none of the three supports resource-level "
    "permissions, so their Resource must be '*'. ListStreams returns stream ARNs only; reading "
    "records (DescribeStream, GetRecords, GetShardIterator) is granted on this table's stream alone."
)


class Acknowledged(NamedTuple):
    path: str  # the construct acknowledged on
    id: str  # "<pack>::<rule>[<finding>]", as cdk-nag names it in its report
    reason: str


def _record(made: list[Acknowledged], scope: IConstruct, rule: str, reason: str) -> None:
    pack = rule.split("-", 1)[0]
    made.append(Acknowledged(scope.node.path, f"{pack}::{rule}", reason))
    Validations.of(scope).acknowledge(Acknowledgment(id=f"{pack}::{rule}", reason=reason))


def _as_nag_renders(stack: Stack, arn: str) -> str:
    """An ARN from Stack.format_arn as cdk-nag prints it in an IAM5 finding id."""
    account = "<AWS::AccountId>" if Token.is_unresolved(stack.account) else stack.account
    region = "<AWS::Region>" if Token.is_unresolved(stack.region) else stack.region
    # cdk.json's @aws-cdk/core:enablePartitionLiterals writes the partition out when the region is known.
    partition = "<AWS::Partition>" if Token.is_unresolved(stack.partition) else stack.partition
    return arn.format(partition=partition, region=region, account=account)


def acknowledge(stack: ThroughgateStack) -> list[Acknowledged]:
    made: list[Acknowledged] = []
    ack = partial(_record, made)
    functions = stack.functions.functions
    roles = stack.functions.roles

    for name in FUNCTIONS:
        ack(functions[name], "AwsSolutions-L1", RUNTIME_REASON)
        ack(functions[name], "Serverless-LambdaLatestVersion", RUNTIME_REASON)
        reason = XRAY_REASON if name != "CarryOutEffects" else STREAM_READER_REASON
        if name == "SendReminders":
            reason = (
                "Active X-Ray tracing (xray:PutTraceSegments, xray:PutTelemetryRecords), and "
                "sns:Publish for the text reminders: SNS authorises a publish to a phone number (an "
                "SMS) against no resource, so it can only be granted on '*'. A Deny statement in the "
                "same policy takes back sns:Publish on every SNS ARN (arn:<partition>:sns:*:*:*, "
                "topics and push endpoints), so this role can send texts and publish nothing else; "
                "the numbers are the UK mobiles clients gave (validated at consent)."
            )
        ack(roles[name], "AwsSolutions-IAM5[Resource::*]", reason)

    for name in SYNCHRONOUS:
        ack(
            functions[name],
            "Serverless-LambdaDLQ",
            "Invoked synchronously only (Step Functions Task with Retry and Catch, API Gateway, the "
            "SQS event source whose queue has a dead-letter queue, or the case table's stream): a "
            "Lambda dead-letter queue applies to asynchronous invocations only. The asynchronously "
            f"invoked {', '.join(sorted(ASYNCHRONOUS))} have one.",
        )

    ack(
        stack.workflow.role,
        "AwsSolutions-IAM5[Resource::*]",
        "Step Functions logging and X-Ray, added by CDK: logs:CreateLogDelivery and the other log "
        "delivery actions, logs:PutResourcePolicy, logs:DescribeResourcePolicies, "
        "logs:DescribeLogGroups and xray:PutTraceSegments, PutTelemetryRecords, GetSamplingRules, "
        "GetSamplingTargets do not support resource-level permissions. Lambda invocation is "
        "granted on the workflow's own function ARNs only.",
    )

    schedules = _as_nag_renders(
        stack,
        "arn:{partition}:scheduler:{region}:{account}:schedule/"
        f"{naming.schedule_group_name(stack)}/{OUTCOME_SCHEDULES}",
    )
    for name in ("OnReleased", "PrisonEvents", "CarryOutEffects", "ReconcileEffects", "Api", "Web"):
        ack(
            roles[name],
            f"AwsSolutions-IAM5[Resource::{schedules}]",
            "One outcome follow-up schedule per case, named outcome-<case id> when the client is "
            "released: the case ids are not known at deploy time. Limited to that name prefix in "
            "the stack's own schedule group.",
        )

    starts = _as_nag_renders(
        stack,
        "arn:{partition}:scheduler:{region}:{account}:schedule/"
        f"{naming.schedule_group_name(stack)}/{START_SCHEDULES}",
    )
    for name in sorted(n for n, access in ACCESS.items() if Access.SCHEDULE_START in access):
        ack(
            roles[name],
            f"AwsSolutions-IAM5[Resource::{starts}]",
            "One workflow-start schedule per case, named start-<case id> at consent and moved by a "
            "new release date (docs/adr/0007): the case ids are not known at deploy time. Limited "
            "to that name prefix in the stack's own schedule group.",
        )

    executions = _as_nag_renders(
        stack,
        "arn:{partition}:states:{region}:{account}:execution:" + f"{naming.state_machine_name(stack)}:*",
    )
    for name in ("PrisonEvents", "CarryOutEffects", "ReconcileEffects", "Api", "Web"):
        ack(
            roles[name],
            f"AwsSolutions-IAM5[Resource::{executions}]",
            "A change of circumstances stops the case's running execution, named <case id>-r<revision> "
            "at run time: StopExecution acts on executions, so the grant covers the executions of "
            "this one state machine and no other.",
        )

    ack(
        stack.functions.csrf_secret,
        "AwsSolutions-SMG4",
        "The CSRF signing key reaches the Web function as an environment variable resolved at "
        "deploy time (throughgate/handlers/web.py reads CSRF_SECRET), so a rotation takes effect on "
        "the next deploy only; rotating it invalidates open forms, nothing else. Automatic rotation "
        "needs web.py to read the secret at run time (proposed change).",
    )
    ack(
        stack.functions.reference_key,
        "AwsSolutions-SMG4",
        "The reference key keys the HMAC that stands for a prison number in the case table "
        "(PRISONNO#<hmac>, one open case per prison number). Rotating it would orphan the "
        "references of every open case: a second referral of the same person would no longer be "
        "refused, and ending a case could not release its reference. It is never rotated on a "
        "schedule; a suspected leak needs a planned re-keying of the open cases' references.",
    )
    ack(
        stack.api.origin_secret,
        "AwsSolutions-SMG4",
        "The origin secret reaches CloudFront's origin header and the web ACL's rule as dynamic "
        "references resolved at deploy time, so a rotation takes effect at the next deploy, which "
        "updates both. It can be rotated by hand (put a new value, then `make deploy`); until "
        "CloudFront's change has spread, page requests through the old value are refused by the "
        "web ACL, so rotate out of working hours. Automatic rotation would refuse every page until "
        "the next deploy.",
    )
    for queue in (stack.events.dead_letter_queue, stack.events.failed_invocations):
        ack(
            queue,
            "Serverless-SQSRedrivePolicy",
            "This queue is itself where failed messages end up (prison events after three receives, "
            "asynchronous invocations after Lambda's retries); an alarm fires on its first message.",
        )

    ack(
        functions["PrisonEvents"],
        "Serverless-LambdaEventSourceMappingDestination",
        "An SQS event source cannot have an on-failure destination (Lambda supports them for stream "
        "and Kafka sources): a message that fails three times moves to the queue's dead-letter queue, "
        "and failed records are reported one by one (ReportBatchItemFailures).",
    )
    ack(
        functions["CarryOutEffects"],
        "Serverless-LambdaEventSourceMappingDestination",
        "The stream's records only point at effects that are already stored in the case table as "
        "pending items, and the handler never reports a failed record: an effect it cannot carry out "
        "stays pending in the table, where ReconcileEffects tries it again every 5 minutes (an alarm "
        "fires on any still failing 15 minutes after its change). A batch whose invocation errors "
        "is split in halves and retried at most twice, then skipped: the effects it named are still "
        "pending in the table, so an on-failure destination would only hold stream positions "
        "nobody needs to act on. The function's Errors alarm reports such an invocation.",
    )
    for name, api in stack.api.apis.items():
        ack(
            api,
            "AwsSolutions-APIG2",
            f"Every path of the {name} API is proxied to one function whose routes take different "
            "bodies (HTML forms, JSON): each body is validated by the handler's Pydantic model, with "
            "a size limit, and answered 422 with every field error. The gateway's validator checks "
            "request parameters; body validation without per-route models would check nothing.",
        )
    for method in stack.api.session_methods:
        ack(
            method,
            "AwsSolutions-COG4",
            "Web pages are browser navigations, which carry no Authorization header, so the Cognito "
            "ID token travels in an HttpOnly, Secure, SameSite=Strict session cookie and a REQUEST "
            "authorizer (the Authorizer function) verifies it as the Cognito authorizer would: RS256 "
            "against the user pool's published keys, issuer, audience (the app client), token_use "
            "and expiry, and a staff group. The JSON API keeps the Cognito user-pool authorizer.",
        )
    for method in stack.api.public_methods:
        for rule in ("AwsSolutions-APIG4", "AwsSolutions-COG4"):
            ack(
                method,
                rule,
                "A sign-in or sign-out page (throughgate.handlers.sign_in): it is public because it "
                "comes before any session. It reads no case data and holds no credentials of its "
                "own (its role writes logs and traces only); every POST must come from a page of "
                "this site (Fetch Metadata, else Origin); Cognito checks the password and the "
                "authenticator code (threat protection sees the SignIn function's address, not the "
                "viewer's: compromised-credential checks act, address-based risk does not), behind "
                "the web ACL's per-viewer sign-in rate limit and the stage throttle.",
            )
    ack(
        stack.api.cloudwatch_role,
        "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
        "AmazonAPIGatewayPushToCloudWatchLogs]",
        "API Gateway's account-level logging role, assumable by API Gateway only: AWS's managed "
        "policy is the documented one for it, and covers execution log groups API Gateway names "
        "itself (API-Gateway-Execution-Logs_<api id>/<stage>).",
    )
    ack(
        stack.backup.selection,
        "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
        "AWSBackupServiceRolePolicyForBackup]",
        "The role AWS Backup assumes to back up the two tables (assumable by backup.amazonaws.com "
        "only): AWS's managed policy is the documented one for it and follows the services AWS "
        "Backup adds. It grants backing up, not restoring (the selection does not allow restores): "
        "a restore is done by a person with their own rights (docs/restore.md).",
    )
    if stack.alarms.email_subscription is not None:
        ack(
            stack.alarms.email_subscription,
            "Serverless-SNSRedrivePolicy",
            "The optional e-mail subscription to the alarms topic (context alarm_email): SNS retries "
            "e-mail delivery itself, and a dead-letter queue would hold alarm messages nobody reads; "
            "every alarm's state stays in CloudWatch and on the stack's dashboard.",
        )
    _acknowledge_frontend(stack, ack)
    return made


def _acknowledge_frontend(stack: ThroughgateStack, ack: Callable[[IConstruct, str, str], None]) -> None:
    frontend = stack.frontend
    deployment = frontend.deployment_function
    deploy_time_only = (
        "CDK's BucketDeployment handler (aws-cdk-lib sets its code and runtime, python3.13 in "
        "aws-cdk-lib 2.275): it runs only while CloudFormation deploys, to copy the public static "
        "files into their bucket, and never sees case data."
    )
    ack(deployment, "AwsSolutions-L1", deploy_time_only)
    ack(deployment, "Serverless-LambdaLatestVersion", deploy_time_only)
    ack(
        deployment,
        "Serverless-LambdaDLQ",
        "Invoked by CloudFormation for a custom resource: CloudFormation waits for its answer and "
        "fails and rolls back the deployment when none comes, so a dead-letter queue would hold "
        "nothing anyone acts on.",
    )
    ack(
        deployment,
        "Serverless-LambdaTracing",
        "Runs once per deploy to copy static files (an S3 sync); a trace would show nothing about "
        "the service, and its errors fail the deployment and are in its log group.",
    )
    staging = _as_nag_renders(stack, "arn:{partition}:s3:::cdk-hnb659fds-assets-{account}-{region}/*")
    bucket = frontend.bucket.node.default_child
    assert isinstance(bucket, CfnElement)
    static_objects = f"<{stack.get_logical_id(bucket)}.Arn>/*"
    for finding, why in (
        ("Action::s3:GetBucket*", "read"),
        ("Action::s3:GetObject*", "read"),
        ("Action::s3:List*", "read"),
        (f"Resource::{staging}", "read"),
        ("Action::s3:Abort*", "write"),
        ("Action::s3:DeleteObject*", "write"),
        (f"Resource::{static_objects}", "write"),
    ):
        ack(
            frontend.deployment_role,
            f"AwsSolutions-IAM5[{finding}]",
            "CDK's BucketDeployment grants: read on its asset staging bucket (the zip of web/static "
            "it copies from) and read-write on the static files bucket (it syncs with --delete and "
            f"removes the previous content-hash prefix). This one is the {why} grant; the role runs "
            "at deploy time only and may touch no other bucket.",
        )
    distribution = frontend.distribution
    ack(
        distribution,
        "AwsSolutions-CFR1",
        "No country allowlist: staff sign in with MFA from wherever they work, and an allowlist "
        "stops no one with a VPN while it would lock out staff working abroad.",
    )
    ack(
        distribution,
        "AwsSolutions-CFR2",
        "A CloudFront web ACL can only be created in us-east-1 and this stack is in eu-west-2. Every "
        "page request CloudFront forwards passes the Web API stage's regional web ACL, which refuses "
        "a request to the Web API that did not come through this distribution (secret origin "
        "header), counts page requests per viewer by the address CloudFront's viewer-request "
        "function sets, and applies the AWS managed rule groups; the stage throttles too. /static/* "
        "holds only public files (the compiled GOV.UK Frontend styles, its script and images, the "
        "page script). Not covered: the IP reputation list sees CloudFront's addresses for pages, "
        "so it blocks no client of the web app; only a us-east-1 web ACL would apply it to viewers "
        "(not built; README, 'Before real data', and docs/security.md say so).",
    )
    if frontend.domain_name is None:  # with its own domain it has TLSv1.2_2021 and no finding
        ack(
            distribution,
            "AwsSolutions-CFR4",
            "Without a custom domain the distribution uses the default *.cloudfront.net certificate, "
            "whose security policy CloudFront fixes (TLSv1 minimum); browsers in use negotiate TLS 1.2 "
            "or 1.3. Before real data, deploy with the domain_name and certificate_arn context values: "
            "the distribution then has TLSv1.2_2021 and this acknowledgement is not made.",
        )
