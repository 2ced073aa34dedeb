"""Writes the batch view to the DynamoDB views table and advances the batch watermark.

Kept in one module so the serving store can change without touching the transforms. Writes are PUTs of exact
totals keyed by (pk, sk), so re-running a day overwrites the same items and never double counts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pyspark.sql import DataFrame

from . import contract as C


@dataclass(frozen=True)
class DynamoTarget:
    """Where the view lives. `endpoint_url` overrides the AWS endpoint for local runs (moto, DynamoDB Local)."""

    table: str
    region: str | None = None
    endpoint_url: str | None = None


def _table(target: DynamoTarget) -> Any:
    import boto3  # imported on the executor; EMR ships boto3 with its Python

    resource = boto3.resource("dynamodb", region_name=target.region, endpoint_url=target.endpoint_url)
    return resource.Table(target.table)


def _put_partition(target: DynamoTarget, rows: Iterable[Any]) -> None:
    table = _table(target)
    # batch_writer groups puts into BatchWriteItem calls of 25 and retries unprocessed items.
    with table.batch_writer(overwrite_by_pkeys=["pk", "sk"]) as writer:
        for row in rows:
            writer.put_item(Item=row.asDict())


def write_view(items: DataFrame, target: DynamoTarget, writers: int) -> int:
    """Puts every row of `items` (columns named as the table's attributes) and returns how many were written.

    `writers` caps the concurrent partitions writing to the table, to stay within its write capacity.
    """
    sc = items.sparkSession.sparkContext
    written = sc.accumulator(0)

    def put(rows: Iterable[Any]) -> None:
        count = 0

        def counted() -> Iterable[Any]:
            nonlocal count
            for row in rows:
                count += 1
                yield row

        _put_partition(target, counted())
        written.add(count)

    items.coalesce(max(1, writers)).foreachPartition(put)
    return int(written.value)


def advance_watermark(target: DynamoTarget, day: str, updated_at: str) -> str:
    """Sets lastCompletedDay to max(current, day) with a conditional update; returns the value now stored."""
    from botocore.exceptions import ClientError

    table = _table(target)
    key = {"pk": C.WATERMARK_PK, "sk": C.WATERMARK_SK}
    try:
        table.update_item(
            Key=key,
            UpdateExpression="SET #d = :d, #u = :u",
            ConditionExpression="attribute_not_exists(#d) OR #d < :d",
            ExpressionAttributeNames={"#d": C.WATERMARK_ATTR, "#u": C.ATTR_UPDATED_AT},
            ExpressionAttributeValues={":d": day, ":u": updated_at},
        )
        return day
    except ClientError as err:
        if err.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
            raise
        # A later day already completed: keep it (yyyy-MM-dd compares as text).
        item = table.get_item(Key=key, ConsistentRead=True).get("Item", {})
        return str(item.get(C.WATERMARK_ATTR, day))
