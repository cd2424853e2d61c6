"""The baseline for the cold-start benchmark: a form API written the way most Powertools examples do.

Everything is set up at import: Logger, Metrics and Tracer, the REST resolver with request
validation (pydantic and its OpenAPI models), idempotency kept in DynamoDB, and a boto3 DynamoDB
client. bench/cold_start.py times importing this module next to Throughgate's handlers; it is never
deployed and never invoked.
"""

from __future__ import annotations

import os
from datetime import date
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, Field

TABLE_NAME = os.environ.get("TABLE_NAME", "reference-cases")

logger = Logger(service="reference")
metrics = Metrics(namespace="Reference", service="reference")
tracer = Tracer(service="reference")
app = APIGatewayRestResolver(enable_validation=True)
dynamodb = boto3.client("dynamodb")
persistence = DynamoDBPersistenceLayer(table_name=TABLE_NAME, boto3_client=dynamodb)
idempotency = IdempotencyConfig(event_key_jmespath="submission_id")


class ClientIn(BaseModel):
    given_name: str = Field(min_length=1, max_length=80)
    family_name: str = Field(min_length=1, max_length=80)
    date_of_birth: date
    prison_number: str = Field(pattern=r"^[A-Z]\d{4}[A-Z]{2}$")


class ReferralIn(BaseModel):
    submission_id: str = Field(min_length=8, max_length=64)
    client: ClientIn
    release_on: date
    prison: str = Field(min_length=3, max_length=3)


class ReferralOut(BaseModel):
    case_id: str
    created: bool


@idempotent_function(data_keyword_argument="referral", config=idempotency, persistence_store=persistence)
def save_referral(referral: ReferralIn) -> dict[str, Any]:
    case_id = f"case-{referral.submission_id}"
    dynamodb.put_item(
        TableName=TABLE_NAME,
        Item={
            "pk": {"S": f"CASE#{case_id}"},
            "sk": {"S": "CASE"},
            "release_on": {"S": str(referral.release_on)},
        },
        ConditionExpression="attribute_not_exists(pk)",
    )
    return {"case_id": case_id, "created": True}


@app.post("/referrals")
@tracer.capture_method
def refer(referral: ReferralIn) -> ReferralOut:
    metrics.add_metric(name="Referrals", unit=MetricUnit.Count, value=1)
    return ReferralOut.model_validate(save_referral(referral=referral))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    idempotency.register_lambda_context(context)
    return app.resolve(event, context)
