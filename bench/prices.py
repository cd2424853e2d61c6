"""Public on-demand prices in US dollars, Europe (London) eu-west-2, as listed on each service's AWS
pricing page in late 2026, without free tiers and before VAT. Check them with the AWS Pricing
Calculator before budgeting; every cost in docs/performance.md is computed from this table."""

from typing import Final, NamedTuple


class Price(NamedTuple):
    usd: float
    per: str
    source: str


PRICES: Final[dict[str, Price]] = {
    "step_functions_transition": Price(
        0.025 / 1000, "state transition (Standard)", "aws.amazon.com/step-functions/pricing"
    ),
    "lambda_request": Price(0.20 / 1_000_000, "Lambda request", "aws.amazon.com/lambda/pricing"),
    "lambda_arm_gb_second": Price(0.0000133334, "GB-second, arm64", "aws.amazon.com/lambda/pricing"),
    "dynamodb_write_unit": Price(
        0.7425 / 1_000_000, "write request unit, on demand", "aws.amazon.com/dynamodb/pricing/on-demand"
    ),
    "dynamodb_read_unit": Price(
        0.1485 / 1_000_000, "read request unit, on demand", "aws.amazon.com/dynamodb/pricing/on-demand"
    ),
    "api_gateway_rest_request": Price(
        3.70 / 1_000_000, "REST API request (first 333M a month)", "aws.amazon.com/api-gateway/pricing"
    ),
    "scheduler_invocation": Price(
        1.00 / 1_000_000, "EventBridge Scheduler invocation", "aws.amazon.com/eventbridge/pricing"
    ),
    "sns_publish": Price(0.50 / 1_000_000, "SNS publish request", "aws.amazon.com/sns/pricing"),
    "sns_email_delivery": Price(2.00 / 100_000, "SNS e-mail delivery", "aws.amazon.com/sns/pricing"),
}
