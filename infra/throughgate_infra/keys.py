"""Customer-managed KMS keys: rotated yearly, and kept after the stack only with the data they protect.

CDK keeps a key when its stack is deleted unless told otherwise. Only the tables and the audit
table trail's logs outlive the stack, so only their keys are kept; a deleted key waits out KMS's
30-day window before it is gone.
"""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_kms as kms
from constructs import Construct


def rotating_key(scope: Construct, construct_id: str, *, description: str, kept: bool = False) -> kms.Key:
    return kms.Key(
        scope,
        construct_id,
        description=description,
        enable_key_rotation=True,
        rotation_period=Duration.days(365),
        removal_policy=RemovalPolicy.RETAIN if kept else RemovalPolicy.DESTROY,
    )
