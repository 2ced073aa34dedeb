"""The Python copy of the contract agrees with lib/contracts (the job cannot read that folder on EMR)."""

from __future__ import annotations

import json

from streamlake_spark import contract as C

from .conftest import CONTRACTS

VIEW_TABLE = json.loads((CONTRACTS / "view-table.json").read_text())


def test_view_keys_match_view_table_json() -> None:
    assert VIEW_TABLE["partitionKey"] == "pk"
    assert VIEW_TABLE["sortKey"] == "sk"
    assert VIEW_TABLE["partitionKeyFormat"] == "{view}#{contentId}#{type}"
    assert VIEW_TABLE["minuteSortKeyFormat"].startswith(C.MINUTE_SK_PREFIX)
    assert VIEW_TABLE["daySortKeyFormat"].startswith(C.DAY_SK_PREFIX)
    assert VIEW_TABLE["views"]["batch"] == C.BATCH_VIEW


def test_attributes_match_view_table_json() -> None:
    attrs = VIEW_TABLE["attributes"]
    assert (attrs["count"], attrs["watchSeconds"], attrs["bucketStart"], attrs["updatedAt"]) == (
        C.ATTR_COUNT,
        C.ATTR_WATCH_SECONDS,
        C.ATTR_BUCKET_START,
        C.ATTR_UPDATED_AT,
    )


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def test_completion_item_matches_view_table_json() -> None:
    completion = VIEW_TABLE["batchCompletion"]
    assert completion["pk"] == C.COMPLETION_PK
    assert completion["skFormat"] == C.COMPLETION_SK_PREFIX + "{yyyy-MM-dd}"
    assert C.COMPLETION_ENGINE in completion["engines"]
    # Every attribute of the contract, under the same name, and no other.
    assert {_camel(field): attr for field, attr in C.COMPLETION_ATTRS.items()} == completion["attributes"]


EVENT_SCHEMA = json.loads((CONTRACTS / "event.schema.json").read_text())


def _java(pattern: str) -> str:
    # The schema's ECMA `$` (end of input) is Java's `\z`.
    return pattern[:-1] + r"\z" if pattern.endswith("$") else pattern


def test_rules_match_event_schema_json() -> None:
    props = EVENT_SCHEMA["properties"]
    assert tuple(EVENT_SCHEMA["required"]) == C.REQUIRED_STRING_FIELDS
    assert tuple(props["type"]["enum"]) == C.EVENT_TYPES
    assert _java(props["eventId"]["pattern"]) == C.EVENT_ID_PATTERN
    assert _java(props["contentId"]["pattern"]) == C.CONTENT_ID_PATTERN
    assert _java(props["occurredAt"]["pattern"]) == C.OCCURRED_AT_PATTERN
    assert (props["userId"]["minLength"], props["userId"]["maxLength"]) == (1, C.USER_ID_MAX)
    assert (props["region"]["minLength"], props["region"]["maxLength"]) == (1, C.REGION_MAX)
    assert (props["device"]["minLength"], props["device"]["maxLength"]) == (1, C.DEVICE_MAX)
    assert (props["watchSeconds"]["minimum"], props["watchSeconds"]["maximum"]) == (0, C.WATCH_SECONDS_MAX)
