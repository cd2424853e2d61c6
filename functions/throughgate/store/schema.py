"""The table's keys and indexes as data: the local stack and the CDK table both build from this, so
the index a query needs cannot exist in one place only."""

from typing import Final

PARTITION_KEY: Final = "pk"
SORT_KEY: Final = "sk"
TTL_ATTRIBUTE: Final = "expires_at"

# index name -> (partition key attribute, sort key attribute); every index projects ALL.
GLOBAL_INDEXES: Final[dict[str, tuple[str, str]]] = {
    "by_stage": ("stage", "release_on"),
    "by_mentor": ("mentor_id", "release_on"),
    "by_release_month": ("release_month", "release_on"),
    "open_items": ("open_kind", "due_key"),
}

# The audit table: append-only, one partition per case, newest last.
AUDIT_PARTITION_KEY: Final = "case_id"
AUDIT_SORT_KEY: Final = "at_request"
