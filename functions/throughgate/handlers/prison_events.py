"""Prison-events feed (SQS, with a dead-letter queue): each message is one change of circumstance.

A message that fails validation, names no open case or cannot be saved is reported as a batch item
failure, so SQS retries it and, after the queue's maxReceiveCount, moves it to the dead-letter
queue; on that last delivery it is also kept for the coordinators, in words, as a prison update not
applied (logic.unapplied). The rest of the batch is not held up.
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
from throughgate.config import feed_settings
from throughgate.domain.case_steps import Role
from throughgate.domain.errors import NotFound
from throughgate.domain.unapplied import FailedDelivery, NotAppliedBecause
from throughgate.handlers.identity import field_errors
from throughgate.logic.circumstances import apply_prison_event
from throughgate.logic.ports import Actor, Deps
from throughgate.logic.unapplied import keep_unapplied_update
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

    def __init__(self, fields: tuple[str, ...]) -> None:
        super().__init__(f"invalid prison event; fields: {', '.join(fields)}")
        self.fields = fields


def _record(record: SQSRecord) -> None:
    try:
        _apply(record)
    except Exception as error:
        # The messages carry ids and field names only (never the values), so they may be logged.
        logger.warning("prison event refused", extra={"error": type(error).__name__, "reason": str(error)})
        attempts = _receive_count(record)
        if attempts >= feed_settings().max_receive_count:
            _keep_for_coordinators(record, error, attempts)
        raise


def _apply(record: SQSRecord) -> None:
    try:
        message = PrisonEvent.model_validate_json(record.body)
    except ValidationError as error:
        fields = tuple(sorted({name for name, _message in field_errors(error)}))
        raise InvalidPrisonEvent(fields) from None
    case = apply_prison_event(_deps(), FEED, message)
    logger.info("prison event applied", extra={"case_id": case.case_id, "type": message.change.type})


def _receive_count(record: SQSRecord) -> int:
    """How many times SQS has handed this message out, this time included (1 if it does not say)."""
    count = record.attributes.approximate_receive_count
    return int(count) if count and count.isdigit() else 1


def _keep_for_coordinators(record: SQSRecord, error: Exception, attempts: int) -> None:
    """The message goes to the dead-letter queue after this delivery, where no coordinator sees it.
    Keeping it must not fail the batch: the message's own failure is reported either way."""
    if isinstance(error, InvalidPrisonEvent):
        because, fields = NotAppliedBecause.INVALID, error.fields
    elif isinstance(error, NotFound):
        because, fields = NotAppliedBecause.NO_OPEN_CASE, ()
    else:
        because, fields = NotAppliedBecause.NOT_SAVED, ()
    failed = FailedDelivery(record.message_id, record.body, because, attempts, fields)
    try:
        kept = keep_unapplied_update(_deps(), failed)
    except Exception as keeping_error:  # logged by its type only: its text could hold a value
        logger.error(
            "prison update not kept for the coordinators", extra={"error": type(keeping_error).__name__}
        )
        return
    logger.info(
        "prison update kept for the coordinators", extra={"message_id": record.message_id, "new": kept}
    )


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: Any) -> Any:
    return process_partial_response(event=event, record_handler=_record, processor=processor, context=context)
