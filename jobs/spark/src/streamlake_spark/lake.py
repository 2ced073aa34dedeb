"""Extract and load helpers: the raw day reader, Parquet partition writers and Hadoop FileSystem queries.

They go through Spark's Hadoop FileSystem, so the same code serves s3:// on EMR (EMRFS) and local paths in tests.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F


def partition_uri(root: str, day: str) -> str:
    return f"{root.rstrip('/')}/dt={day}"


def _path(spark: SparkSession, uri: str) -> tuple[Any, Any]:
    jvm = spark.sparkContext._jvm
    path = jvm.org.apache.hadoop.fs.Path(uri)  # type: ignore[union-attr]
    return path.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration()), path  # type: ignore[union-attr]


def size_bytes(spark: SparkSession, uri: str) -> int | None:
    """Total bytes under `uri`, or None when it does not exist."""
    fs, path = _path(spark, uri)
    if not fs.exists(path):
        return None
    return int(fs.getContentSummary(path).getLength())


def delete(spark: SparkSession, uri: str) -> None:
    fs, path = _path(spark, uri)
    if fs.exists(path):
        fs.delete(path, True)


@dataclass(frozen=True)
class RawListing:
    """The raw objects of one day, as listed before reading them: what the run reads is exactly `files`."""

    files: tuple[str, ...]
    bytes: int
    last_modified_ms: int
    listed_at_ms: int

    @property
    def objects(self) -> int:
        return len(self.files)


def now_ms() -> int:
    return int(dt.datetime.now(dt.timezone.utc).timestamp() * 1000)


def list_raw_day(spark: SparkSession, raw_root: str, day: str, clock: Callable[[], int] = now_ms) -> RawListing | None:
    """Lists every object under `raw_root/dt=day/` (all hour=HH/ below it); None when there is none.

    `listed_at_ms` is taken when the listing has finished. Late data is detected against the newest modification
    time and the counts, not against this clock (lib/contracts/view-table.json, batchCompletion.lateData): an
    object that lands while the listing runs and is not returned raises the object count a later listing sees.
    """
    fs, path = _path(spark, partition_uri(raw_root, day))
    if not fs.exists(path):
        return None
    files: list[str] = []
    size = 0
    newest = 0
    it = fs.listFiles(path, True)
    while it.hasNext():
        status = it.next()
        files.append(str(status.getPath().toString()))
        size += int(status.getLen())
        newest = max(newest, int(status.getModificationTime()))
    if not files:
        return None
    return RawListing(tuple(sorted(files)), size, newest, clock())


# Hadoop expands these in every path Spark is given; a backslash makes them literal.
_GLOB = re.compile(r"([\\{}\[\]*?])")


def read_raw_files(spark: SparkSession, listing: RawListing) -> DataFrame:
    """Reads exactly the listed objects as text lines (see read_raw_day)."""
    return spark.read.text([_GLOB.sub(r"\\\1", f) for f in listing.files]).select("value")


def read_raw_day(spark: SparkSession, raw_root: str, day: str) -> DataFrame:
    """Reads only `raw_root/dt=day/` (every hour=HH/ below it) as text lines.

    Reading the partition's own path means other days are never listed nor opened. Lines are kept as text so
    that from_json, not the reader, decides what is malformed.
    """
    return spark.read.text(partition_uri(raw_root, day)).select("value")


def files_for(size: int, target_file_bytes: int) -> int:
    """How many output files keep each near the target size (at least one)."""
    return max(1, math.ceil(size / max(1, target_file_bytes)))


def write_day(
    df: DataFrame,
    root: str,
    day: str,
    files: int,
    sort_by: Sequence[str],
    hash_by: Sequence[str] = (),
    rows: int | None = None,
) -> None:
    """Replaces partition dt=`day` under `root` with `df` as Parquet in `files` files.

    Dynamic partition overwrite (set on the session) replaces only dt=`day`. Rows are hash-partitioned (or
    coalesced) then sorted inside each file, so a re-run over the same input writes byte-identical files and
    min/max statistics stay useful. An empty result deletes the partition, since writing no rows would
    otherwise leave a previous run's files in place.
    """
    if rows == 0:
        delete(spark=df.sparkSession, uri=partition_uri(root, day))
        return
    out = df.repartition(files, *hash_by) if hash_by else df.coalesce(files)
    # dt leads the sort so the writer's own required ordering (by partition column) is already met.
    out = out.withColumn("dt", F.lit(day)).sortWithinPartitions("dt", *sort_by)
    out.write.mode("overwrite").partitionBy("dt").parquet(root)
