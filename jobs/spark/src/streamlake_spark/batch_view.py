"""Writes the batch view to the DynamoDB views table, then the day's completion item.

Kept in one module so the serving store can change without touching the transforms. Writes are PUTs of exact
totals keyed by (pk, sk), so re-running a day overwrites the same items and never double counts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import asdict, dataclass
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


def instant(epoch_ms: int) -> str:
    """The contract's instant format, UTC with milliseconds: yyyy-MM-ddTHH:mm:ss.SSSZ."""
    at = dt.datetime.fromtimestamp(epoch_ms / 1000, tz=dt.timezone.utc)
    return at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{epoch_ms % 1000:03d}Z"


@dataclass(frozen=True)
class Completion:
    """The day's completion item (lib/contracts/view-table.json, batchCompletion)."""

    day: str
    completed_at: str
    run_id: str
    input_listed_at: str
    input_objects: int
    input_bytes: int
    input_last_modified: str
    events: int
    engine: str = C.COMPLETION_ENGINE

    def item(self) -> dict[str, Any]:
        attrs = {C.COMPLETION_ATTRS[name]: value for name, value in asdict(self).items()}
        return {"pk": C.COMPLETION_PK, "sk": f"{C.COMPLETION_SK_PREFIX}{self.day}", **attrs}


def mark_complete(target: DynamoTarget, completion: Completion) -> dict[str, Any]:
    """Writes (or replaces) the day's completion item. Call only after every view item of the day is written:
    from this PutItem on, serving answers the day from the batch view. Returns the item written."""
    item = completion.item()
    _table(target).put_item(Item=item)
    return item
