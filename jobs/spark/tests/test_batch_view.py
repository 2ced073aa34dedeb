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


def test_watermark_only_moves_forward(dynamodb_endpoint: str, view_table: str) -> None:
    target = DynamoTarget(view_table, "us-east-1", dynamodb_endpoint)
    assert batch_view.advance_watermark(target, "2026-11-20", "T1") == "2026-11-20"
    assert batch_view.advance_watermark(target, "2026-11-21", "T2") == "2026-11-21"
    # Re-running an older day keeps the later watermark.
    assert batch_view.advance_watermark(target, "2026-11-19", "T3") == "2026-11-21"
    items = _scan(dynamodb_endpoint, view_table)
    assert items == [{"pk": "meta#batch", "sk": "watermark", "lastCompletedDay": "2026-11-21", "updatedAt": "T2"}]
