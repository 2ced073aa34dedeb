"""Entry point of the daily batch job: read arguments, extract day D's raw events, transform, load.

Run on EMR with spark-submit (see jobs/spark/README.md); argument names are the ones in
lib/contracts/spark-args.json (tests/test_args.py keeps the two in step).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from pyspark import StorageLevel
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from . import batch_view, lake, transforms

DEFAULT_TOP_N = 10
DEFAULT_TARGET_FILE_MB = 128
DEFAULT_VIEW_WRITERS = 4

ANALYTICS_DAILY = "daily_content_counts"
ANALYTICS_MINUTE = "minute_content_counts"
ANALYTICS_TOP = "top_content"


def _day(text: str) -> str:
    try:
        valid = len(text) == 10 and dt.date.fromisoformat(text).isoformat() == text
    except ValueError:
        valid = False
    if not valid:
        raise argparse.ArgumentTypeError(f"--date must be a calendar day yyyy-MM-dd, got {text!r}")
    return text


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="streamlake-spark", description="streamlake daily batch job for one day")
    p.add_argument("--date", required=True, type=_day, help="UTC day to process, yyyy-MM-dd")
    p.add_argument("--raw-uri", required=True, help="raw events root holding dt=YYYY-MM-DD/hour=HH/*.gz")
    p.add_argument("--curated-uri", required=True, help="curated events root; writes dt=D/ Parquet")
    p.add_argument("--quarantine-uri", required=True, help="quarantine root; writes dt=D/ Parquet")
    p.add_argument("--analytics-uri", required=True, help="analytics root; writes <table>/dt=D/ Parquet")
    p.add_argument("--view-table", default=None, help="DynamoDB views table name (required unless --skip-view)")
    p.add_argument("--region", default=None, help="AWS region of the views table (default: SDK chain)")
    p.add_argument("--dynamodb-endpoint", default=None, help="endpoint override for local runs")
    p.add_argument("--top-n", type=_positive, default=DEFAULT_TOP_N, help="rows of top_content")
    p.add_argument("--target-file-mb", type=_positive, default=DEFAULT_TARGET_FILE_MB, help="curated file size")
    p.add_argument("--view-writers", type=_positive, default=DEFAULT_VIEW_WRITERS, help="concurrent view writers")
    p.add_argument("--run-id", default=None, help="run id in the completion item (default: Spark application id)")
    p.add_argument("--skip-view", action="store_true", help="do not write the batch view nor the completion item")
    return p


@dataclass(frozen=True)
class JobArgs:
    date: str
    raw_uri: str
    curated_uri: str
    quarantine_uri: str
    analytics_uri: str
    view_table: str | None = None
    region: str | None = None
    dynamodb_endpoint: str | None = None
    top_n: int = DEFAULT_TOP_N
    target_file_mb: int = DEFAULT_TARGET_FILE_MB
    view_writers: int = DEFAULT_VIEW_WRITERS
    run_id: str | None = None
    skip_view: bool = False


def parse_args(argv: Sequence[str] | None = None) -> JobArgs:
    parser = build_parser()
    ns = parser.parse_args(argv)
    if not ns.skip_view and not ns.view_table:
        parser.error("--view-table is required unless --skip-view is given")
    return JobArgs(**vars(ns))


# Spark 3.5's planned writes drop write_day's sortWithinPartitions when partitionBy names a literal column (dt
# here): every output file came out unsorted. Without them the writer keeps the sort (as Spark < 3.4 did).
PLANNED_WRITE = "spark.sql.optimizer.plannedWrite.enabled"


def configure(builder: SparkSession.Builder) -> SparkSession.Builder:
    """Session settings the job relies on (EMR adds its own cluster settings on top)."""
    return (
        builder.config("spark.sql.sources.partitionOverwriteMode", "dynamic")
        .config("spark.sql.session.timeZone", "UTC")
        # An impossible instant is malformed data, never an error (Spark's default raises on some of them).
        .config("spark.sql.legacy.timeParserPolicy", "CORRECTED")
        .config(PLANNED_WRITE, "false")
    )


def _epoch_ms(at: dt.datetime) -> int:
    return int(at.astimezone(dt.timezone.utc).timestamp() * 1000)


def run(spark: SparkSession, args: JobArgs, now: dt.datetime | None = None) -> dict[str, Any]:
    """Processes one day; returns the counts it logged. Re-running a day replaces that day's outputs.

    The day's raw objects are listed once and exactly that list is read, so the completion item written at the end
    describes the input of the figures it vouches for (late data is what a later listing finds beyond it). `now`
    fixes every timestamp the job writes (tests)."""
    spark.conf.set("spark.sql.sources.partitionOverwriteMode", "dynamic")
    spark.conf.set(PLANNED_WRITE, "false")
    day = args.date
    clock: Callable[[], int] = (lambda: _epoch_ms(now)) if now is not None else lake.now_ms
    updated_at = batch_view.instant(clock())
    listing = lake.list_raw_day(spark, args.raw_uri, day, clock)
    if listing is None:
        raw_path = lake.partition_uri(args.raw_uri, day)
        raise FileNotFoundError(f"no raw partition for {day}: {raw_path} does not exist or holds no object")
    raw_bytes = listing.bytes

    validated = transforms.parse_and_validate(transforms.with_lineage(lake.read_raw_files(spark, listing)), day)
    # One pass over the raw day, kept in Spark's cache for the outputs below: every row, marked as the first copy
    # of its event or not. Only malformed rows keep their raw text: valid ones are fully described by their
    # fields, and the text is dropped before the dedupe shuffle.
    slim = validated.withColumn("value", F.when(F.col("reason").isNotNull(), F.col("value")))
    marked = (
        transforms.mark_first_copies(slim)
        .drop("watchSeconds", transforms.SRC_POS)
        .persist(StorageLevel.MEMORY_AND_DISK)
    )
    cached = [marked]
    try:
        total_rows = marked.count()
        bad = transforms.quarantine(marked)
        bad_rows = bad.count()
        # Sized by the malformed share of the day's bytes: usually a single small file.
        bad_files = lake.files_for(raw_bytes * bad_rows // max(1, total_rows), args.target_file_mb << 20)
        lake.write_day(bad, args.quarantine_uri, day, bad_files, ["reason", "source_file", "raw"], rows=bad_rows)

        curated = transforms.curated_events(transforms.first_copies(marked))
        curated_rows = curated.count()
        lake.write_day(
            curated,
            args.curated_uri,
            day,
            lake.files_for(raw_bytes, args.target_file_mb << 20),
            ["content_id", "type", "occurred_at", "event_id"],
            hash_by=["event_id"],
            rows=curated_rows,
        )

        minutes = transforms.minute_counts(curated).persist(StorageLevel.MEMORY_AND_DISK)
        cached.append(minutes)
        daily = transforms.daily_counts(minutes)
        top = transforms.top_content(daily, args.top_n)
        analytics = f"{args.analytics_uri.rstrip('/')}/"
        minute_rows = minutes.count()
        lake.write_day(
            minutes, analytics + ANALYTICS_MINUTE, day, 1, ["content_id", "type", "minute"], rows=minute_rows
        )
        # daily and top are empty exactly when the minute table is.
        lake.write_day(daily, analytics + ANALYTICS_DAILY, day, 1, ["content_id", "type", "day"], rows=minute_rows)
        lake.write_day(top, analytics + ANALYTICS_TOP, day, 1, ["rank"], rows=minute_rows)

        summary: dict[str, Any] = {
            "date": day,
            "rawBytes": raw_bytes,
            "rawRows": total_rows,
            "quarantinedRows": bad_rows,
            "curatedRows": curated_rows,
            "minuteRows": minute_rows,
            "rawObjects": listing.objects,
            "viewItems": 0,
            "completion": None,
        }
        if not args.skip_view:
            assert args.view_table is not None  # parse_args enforces it
            target = batch_view.DynamoTarget(args.view_table, args.region, args.dynamodb_endpoint)
            items = transforms.view_items(minutes, daily, updated_at)
            summary["viewItems"] = batch_view.write_view(items, target, args.view_writers)
            # Last: the day switches to the batch view in serving only once every item above is written.
            completion = batch_view.Completion(
                day=day,
                completed_at=batch_view.instant(clock()),
                run_id=args.run_id or str(spark.sparkContext.applicationId),
                input_listed_at=batch_view.instant(listing.listed_at_ms),
                input_objects=listing.objects,
                input_bytes=listing.bytes,
                input_last_modified=batch_view.instant(listing.last_modified_ms),
                events=curated_rows,
            )
            summary["completion"] = batch_view.mark_complete(target, completion)
        return summary
    finally:
        for df in cached:
            df.unpersist()


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    spark = configure(SparkSession.builder.appName(f"streamlake-batch-{args.date}")).getOrCreate()
    try:
        summary = run(spark, args)
    finally:
        spark.stop()
    print(json.dumps({"streamlake": "batch", **summary}), file=sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
