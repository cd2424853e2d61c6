"""The outbox's carriers (throughgate.logic.effects): what a request saved but could not carry out
is carried out here, again until it succeeds.

- `stream`: the case table's DynamoDB stream, filtered to new effect items: each case named is
  finished at once (whatever is still pending under it), so a failure seconds ago is retried now.
- `reconcile`: an EventBridge schedule every few minutes, for whatever the stream missed or could
  not finish; it publishes how many effects are still failing after 15 minutes, which the
  operators' alarm watches.

Neither reports a failed record back to the stream: a failing effect is kept and retried by the
schedule, so one case's trouble never holds up the shard.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta
from functools import cache
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes import DynamoDBStreamEvent, event_source

from throughgate import caches
from throughgate.logic import effects
from throughgate.logic.ports import Deps

logger = Logger()  # the service name is the function's POWERTOOLS_SERVICE_NAME
metrics = Metrics(namespace="Throughgate")
# An effect younger than this is left to the request that made it (it is carrying it out now).
SETTLE_FOR = timedelta(minutes=1)


@caches.resettable
@cache
def _deps() -> Deps:
    from throughgate.adapters.aws import aws_deps

    return aws_deps(delivering=True)  # the carriers deliver notifications (logic.notifications)


@logger.inject_lambda_context
@event_source(data_class=DynamoDBStreamEvent)
def stream(event: DynamoDBStreamEvent, _context: Any) -> dict[str, int]:
    case_ids = {
        str(record.dynamodb.new_image["case_id"])
        for record in event.records
        if record.dynamodb is not None and record.dynamodb.new_image.get("case_id")
    }
    failed = sum(len(effects.finish_pending(_deps(), case_id)) for case_id in sorted(case_ids))
    if failed:
        logger.warning("effects still pending after the stream's attempt", extra={"failed": failed})
    return {"cases": len(case_ids), "failed": failed}


@logger.inject_lambda_context
@metrics.log_metrics
def reconcile(_event: dict[str, Any], _context: Any) -> dict[str, Any]:
    report = effects.reconcile(_deps(), settle_for=SETTLE_FOR)
    metrics.add_metric(name="PendingEffectsOverdue", unit=MetricUnit.Count, value=report.overdue)
    logger.info("effects reconciled", extra={k: v for k, v in asdict(report).items() if k != "failed_cases"})
    return asdict(report)
