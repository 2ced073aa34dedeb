"""The event contract and the views-table key design, as Python constants.

The job runs on EMR where the repository's lib/contracts/ is not shipped, so the values live here;
tests/test_contract.py checks them against lib/contracts/view-table.json and the shared rules.
Regexes use Java syntax (they run inside Spark's `rlike`); `\\z` anchors the true end of input, which is
what JSON Schema (ECMA-262) means by `$` (Java's `$` would also accept a trailing newline).
"""

EVENT_TYPES = ("view_start", "view_end", "heartbeat", "like", "comment", "share")
# watchSeconds may only be present on these types.
WATCH_TYPES = ("heartbeat", "view_end")

EVENT_ID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\z"
CONTENT_ID_PATTERN = r"^[A-Za-z0-9._-]{1,128}\z"
OCCURRED_AT_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z\z"

USER_ID_MAX = 128
REGION_MAX = 64
DEVICE_MAX = 64
WATCH_SECONDS_MAX = 3600

# Contract fields in the order the checks run; every one but watchSeconds is a required string.
REQUIRED_STRING_FIELDS = ("eventId", "type", "userId", "contentId", "occurredAt", "region", "device")
OPTIONAL_FIELDS = ("watchSeconds",)

# lib/contracts/view-table.json
VIEW_PK_SEPARATOR = "#"
BATCH_VIEW = "batch"
MINUTE_SK_PREFIX = "m#"
DAY_SK_PREFIX = "d#"
ATTR_COUNT = "eventCount"
ATTR_WATCH_SECONDS = "watchSeconds"
ATTR_BUCKET_START = "bucketStart"
ATTR_UPDATED_AT = "updatedAt"

# lib/contracts/view-table.json → batchCompletion: one item per completed day, written after its view items.
COMPLETION_PK = "meta#batch"
COMPLETION_SK_PREFIX = "day#"
COMPLETION_ENGINE = "emr"
# Python field name → DynamoDB attribute name.
COMPLETION_ATTRS = {
    "day": "day",
    "completed_at": "completedAt",
    "engine": "engine",
    "run_id": "runId",
    "input_listed_at": "inputListedAt",
    "input_objects": "inputObjects",
    "input_bytes": "inputBytes",
    "input_last_modified": "inputLastModified",
    "events": "eventCount",
}
