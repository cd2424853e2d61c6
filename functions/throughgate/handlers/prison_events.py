"""Prison-events feed (SQS, with a dead-letter queue): each message is one change of circumstance.

A message that fails validation or is refused by the domain is reported as a batch item failure, so
SQS retries it and, after the queue's maxReceiveCount, moves it to the dead-letter queue for a
coordinator; the rest of the batch is not held up.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools import Logger

# Before pydantic: powertools' batch utility also builds its pydantic parser models (about a
# quarter of this function's import time) if pydantic is already loaded when it is imported.
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from pydantic import ValidationError

from throughgate import caches
from throughgate.domain.case_steps import Role
from throughgate.handlers.identity import field_errors
from throughgate.logic.circumstances import apply_prison_event
from throughgate.logic.ports import Actor, Deps
from throughgate.schemas import PrisonEvent

logger = Logger()  # the service name is the function's POWERTOOLS_SERVICE_NAME
# A batch of nothing but bad messages is still a list of failures for SQS to retry, not a Lambda
# error: hostile input must not page anyone; the dead-letter queue alarm does that.
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
FEED = Actor("prison-events-feed", Role.SYSTEM)


@caches.resettable
@cache
def _deps() -> Deps:
    from throughgate.adapters.aws import aws_deps

    return aws_deps()


class InvalidPrisonEvent(ValueError):
    """Names the fields at fault and never their values (pydantic's own text would echo them)."""


def _record(record: SQSRecord) -> None:
    try:
        _apply(record)
    except Exception as error:
        # The messages carry ids and field names only (never the values), so they may be logged.
        logger.warning("prison event refused", extra={"error": type(error).__name__, "reason": str(error)})
        raise


def _apply(record: SQSRecord) -> None:
    try:
        message = PrisonEvent.model_validate_json(record.body)
    except ValidationError as error:
        fields = sorted({name for name, _message in field_errors(error)})
        raise InvalidPrisonEvent(f"invalid prison event; fields: {', '.join(fields)}") from None
    case = apply_prison_event(_deps(), FEED, message)
    logger.info("prison event applied", extra={"case_id": case.case_id, "type": message.change.type})


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: Any) -> Any:
    return process_partial_response(event=event, record_handler=_record, processor=processor, context=context)
