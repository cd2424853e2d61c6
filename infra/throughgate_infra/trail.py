"""Who read or wrote the audit trail: a CloudTrail trail of the audit table's data events.

The functions' roles may only add to the audit table and read it, but a role that knew an entry's
exact key could still overwrite it with PutItem (docs/security.md, residual risks). This trail
records every item-level call on the audit table (reads and writes, by whom, when; CloudTrail logs
an item's key, never its other attributes) into a bucket of its own: encrypted under its own key,
versioned, private, TLS only, kept seven years like the entries themselves, with log file
validation so a changed or deleted log file shows in `aws cloudtrail validate-logs`.

It logs only those data events (no management events: an account usually has a trail for those
already, and a second copy of them is charged), in the stack's region only.
"""

from __future__ import annotations

from aws_cdk import ArnFormat, Duration, RemovalPolicy, Stack
from aws_cdk import aws_cloudtrail as cloudtrail
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import Construct

from throughgate_infra import naming
from throughgate_infra.backup import MONTHLY_KEPT
from throughgate_infra.keys import rotating_key

OLD_VERSIONS_DAYS = 90
"""A log file's earlier version (versioning keeps one if it is overwritten or deleted)."""


def trail_name(scope: Construct) -> str:
    return f"{naming.prefix(scope)}-audit-table"


class AuditTableTrail(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        audit_table: dynamodb.ITable,
        access_logs: s3.IBucket,
    ) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        trail_arn = stack.format_arn(
            service="cloudtrail",
            resource="trail",
            resource_name=trail_name(self),
            arn_format=ArnFormat.SLASH_RESOURCE_NAME,
        )
        # Kept with the logs: they cannot be read without it.
        self.key = rotating_key(
            self, "Key", description="Throughgate audit table's CloudTrail logs", kept=True
        )
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="CloudTrailEncryptsThisTrailsLogs",
                principals=[iam.ServicePrincipal("cloudtrail.amazonaws.com")],
                actions=["kms:GenerateDataKey*", "kms:DescribeKey"],
                resources=["*"],  # a key policy's resource is the key itself
                conditions={
                    "StringEquals": {"aws:SourceArn": trail_arn},
                    "StringLike": {
                        "kms:EncryptionContext:aws:cloudtrail:arn": stack.format_arn(
                            service="cloudtrail",
                            region="*",
                            resource="trail",
                            resource_name="*",
                            arn_format=ArnFormat.SLASH_RESOURCE_NAME,
                        )
                    },
                },
            )
        )
        self.bucket = s3.Bucket(
            self,
            "Logs",
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            encryption=s3.BucketEncryption.KMS,
            encryption_key=self.key,
            bucket_key_enabled=True,
            enforce_ssl=True,
            versioned=True,
            server_access_logs_bucket=access_logs,
            server_access_logs_prefix="audit-table-trail/",
            lifecycle_rules=[
                s3.LifecycleRule(
                    expiration=MONTHLY_KEPT,  # as long as the audit entries and their backups
                    noncurrent_version_expiration=Duration.days(OLD_VERSIONS_DAYS),
                )
            ],
            # Evidence of who touched the audit trail outlives the stack, as the trail itself does.
            removal_policy=RemovalPolicy.RETAIN,
        )
        self.trail = cloudtrail.Trail(
            self,
            "Trail",
            trail_name=trail_name(self),
            bucket=self.bucket,
            encryption_key=self.key,
            enable_file_validation=True,
            is_multi_region_trail=False,
            include_global_service_events=False,
        )
        # CDK's L2 trail selects data events of S3 and Lambda only: DynamoDB needs advanced selectors.
        cfn_trail = self.trail.node.default_child
        assert isinstance(cfn_trail, cloudtrail.CfnTrail)
        cfn_trail.event_selectors = None
        cfn_trail.advanced_event_selectors = [
            cloudtrail.CfnTrail.AdvancedEventSelectorProperty(
                name="Every read and write of an audit entry",
                field_selectors=[
                    cloudtrail.CfnTrail.AdvancedFieldSelectorProperty(
                        field="eventCategory", equal_to=["Data"]
                    ),
                    cloudtrail.CfnTrail.AdvancedFieldSelectorProperty(
                        field="resources.type", equal_to=["AWS::DynamoDB::Table"]
                    ),
                    cloudtrail.CfnTrail.AdvancedFieldSelectorProperty(
                        field="resources.ARN", equal_to=[audit_table.table_arn]
                    ),
                ],
            )
        ]
