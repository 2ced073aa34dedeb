"""Extract and load helpers: the raw day reader, Parquet partition writers and Hadoop FileSystem queries.

They go through Spark's Hadoop FileSystem, so the same code serves s3:// on EMR (EMRFS) and local paths in tests.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
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
