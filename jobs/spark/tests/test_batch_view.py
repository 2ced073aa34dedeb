"""The batch view writer against a real DynamoDB API (moto's server on 127.0.0.1, random port)."""

from __future__ import annotations

from typing import Any

import boto3
from pyspark.sql import SparkSession

from streamlake_spark import batch_view
from streamlake_spark.batch_view import DynamoTarget

ROWS = "pk string, sk string, eventCount long, watchSeconds long, bucketStart string, updatedAt string"


def _scan(endpoint: str, table: str) -> list[dict[str, Any]]:
    t = boto3.resource("dynamodb", region_name="us-east-1", endpoint_url=endpoint).Table(table)
    return sorted(t.scan()["Items"], key=lambda i: (i["pk"], i["sk"]))


def test_writes_every_item_with_its_attributes(spark: SparkSession, dynamodb_endpoint: str, view_table: str) -> None:
    rows = [
        (f"batch#c{i % 7}#like", f"m#2026-11-20T10:{i % 60:02d}", i, 0, "2026-11-20T10:00:00.000Z", "U")
        for i in range(60)
    ]
    target = DynamoTarget(view_table, "us-east-1", dynamodb_endpoint)
    written = batch_view.write_view(spark.createDataFrame(rows, ROWS).repartition(3), target, writers=2)
    items = _scan(dynamodb_endpoint, view_table)
    assert written == 60
    assert len(items) == 60
    first = next(i for i in items if i["pk"] == "batch#c0#like" and i["sk"] == "m#2026-11-20T10:00")
    assert first == {
        "pk": "batch#c0#like",
        "sk": "m#2026-11-20T10:00",
        "eventCount": 0,
        "watchSeconds": 0,
        "bucketStart": "2026-11-20T10:00:00.000Z",
        "updatedAt": "U",
    }


def test_rewriting_overwrites_instead_of_adding(spark: SparkSession, dynamodb_endpoint: str, view_table: str) -> None:
    target = DynamoTarget(view_table, "us-east-1", dynamodb_endpoint)
    row = ("batch#c#like", "d#2026-11-20", 5, 7, "2026-11-20T00:00:00.000Z", "U1")
    batch_view.write_view(spark.createDataFrame([row], ROWS), target, writers=1)
    batch_view.write_view(spark.createDataFrame([(*row[:2], 6, 7, row[4], "U2")], ROWS), target, writers=1)
    items = _scan(dynamodb_endpoint, view_table)
    assert [(i["eventCount"], i["updatedAt"]) for i in items] == [(6, "U2")]


def _completion(day: str, run_id: str, objects: int) -> batch_view.Completion:
    return batch_view.Completion(
        day=day,
        completed_at="2026-11-21T01:20:00.000Z",
        run_id=run_id,
        input_listed_at="2026-11-21T01:05:00.000Z",
        input_objects=objects,
        input_bytes=objects * 1000,
        input_last_modified="2026-11-21T00:14:59.000Z",
        events=42,
    )


def test_completion_item_has_the_contract_key_and_attributes(dynamodb_endpoint: str, view_table: str) -> None:
    target = DynamoTarget(view_table, "us-east-1", dynamodb_endpoint)
    batch_view.mark_complete(target, _completion("2026-11-20", "run-1", 3))
    assert _scan(dynamodb_endpoint, view_table) == [
        {
            "pk": "meta#batch",
            "sk": "day#2026-11-20",
            "day": "2026-11-20",
            "completedAt": "2026-11-21T01:20:00.000Z",
            "engine": "emr",
            "runId": "run-1",
            "inputListedAt": "2026-11-21T01:05:00.000Z",
            "inputObjects": 3,
            "inputBytes": 3000,
            "inputLastModified": "2026-11-21T00:14:59.000Z",
            "eventCount": 42,
        }
    ]


def test_each_day_has_its_own_completion_and_a_rerun_replaces_it(dynamodb_endpoint: str, view_table: str) -> None:
    target = DynamoTarget(view_table, "us-east-1", dynamodb_endpoint)
    batch_view.mark_complete(target, _completion("2026-11-21", "run-1", 3))
    batch_view.mark_complete(target, _completion("2026-11-19", "run-2", 3))
    # A re-run of 2026-11-21 that read a late object.
    batch_view.mark_complete(target, _completion("2026-11-21", "run-3", 4))
    items = _scan(dynamodb_endpoint, view_table)
    assert [(i["sk"], i["runId"], int(i["inputObjects"])) for i in items] == [
        ("day#2026-11-19", "run-2", 3),
        ("day#2026-11-21", "run-3", 4),
    ]


def test_instant_is_utc_with_milliseconds() -> None:
    assert batch_view.instant(0) == "1970-01-01T00:00:00.000Z"
    assert batch_view.instant(1_795_208_696_007) == "2026-11-20T21:04:56.007Z"
