"""Benchmark: the job's transform stage in Spark versus DuckDB over the same raw files, on the same cores.

Spark: read dt=D (gzip NDJSON) -> parse -> validate -> dedupe -> per-minute and daily aggregates -> Parquet in a
temporary folder; the SparkSession start is outside the timing. DuckDB: the same aggregates with the same
validation rules and dedupe by eventId over the same files. Prints rows/s per core, their ratio, and the bytes
Spark read from storage (Hadoop FileSystem statistics) against the size of day D's partition on disk. A benchmark
prints figures; it asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from generate import generate


def _dir_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def run_spark(raw_root: Path, day: str, cores: int, out: Path, memory: str) -> dict[str, float]:
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    from pyspark import StorageLevel
    from pyspark.sql import SparkSession

    from streamlake_spark import lake, metrics, transforms
    from streamlake_spark.main import configure

    builder = (
        SparkSession.builder.master(f"local[{cores}]")
        .appName("streamlake-bench")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.memory", memory)
        .config("spark.sql.shuffle.partitions", str(cores * 4))
    )
    spark = configure(builder).getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    try:
        before = metrics.input_bytes(spark)
        stored_before = metrics.storage_bytes_read(spark)
        start = time.perf_counter()
        raw = transforms.with_lineage(lake.read_raw_day(spark, str(raw_root), day))
        curated = transforms.curated_events(transforms.deduplicate(transforms.parse_and_validate(raw, day)))
        minutes = transforms.minute_counts(curated).persist(StorageLevel.MEMORY_AND_DISK)
        minutes.coalesce(1).write.mode("overwrite").parquet(str(out / "minute_content_counts"))
        # Only the first job reads raw; the daily roll-up then reads the small cached minute table. Spark's input
        # metric also counts that table read back from its cache (the write reads what the cache stage built).
        raw_read = metrics.storage_bytes_read(spark) - stored_before
        input_metric = metrics.input_bytes(spark) - before
        transforms.daily_counts(minutes).coalesce(1).write.mode("overwrite").parquet(str(out / "daily_content_counts"))
        seconds = time.perf_counter() - start
        totals = minutes.agg({"event_count": "sum", "watch_seconds": "sum"}).first()
        minute_rows = minutes.count()
        minutes.unpersist()
    finally:
        spark.stop()
    return {
        "seconds": seconds,
        "bytesRead": float(raw_read),
        "inputMetricBytes": float(input_metric),
        "events": float(totals[0] if totals[0] is not None else 0) if totals else 0.0,
        "watchSeconds": float(totals[1] if totals[1] is not None else 0) if totals else 0.0,
        "minuteRows": float(minute_rows),
    }


DUCKDB_SQL = r"""
CREATE OR REPLACE TEMP TABLE minutes AS
WITH raw AS (
  SELECT * FROM read_ndjson(?, columns = {
      eventId: 'VARCHAR', type: 'VARCHAR', userId: 'VARCHAR', contentId: 'VARCHAR', occurredAt: 'VARCHAR',
      region: 'VARCHAR', device: 'VARCHAR', watchSeconds: 'VARCHAR'},
    filename = true, ignore_errors = true, compression = 'gzip')
),
valid AS (
  SELECT *, TRY_CAST(watchSeconds AS INTEGER) AS ws FROM raw
  WHERE regexp_full_match(eventId, '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}')
    AND type IN ('view_start', 'view_end', 'heartbeat', 'like', 'comment', 'share')
    AND length(userId) BETWEEN 1 AND 128
    AND regexp_full_match(contentId, '[A-Za-z0-9._-]{1,128}')
    AND regexp_full_match(occurredAt, '[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z')
    AND try_strptime(occurredAt, '%Y-%m-%dT%H:%M:%S.%gZ') IS NOT NULL
    AND length(region) BETWEEN 1 AND 64 AND length(device) BETWEEN 1 AND 64
    AND (watchSeconds IS NULL OR (regexp_full_match(watchSeconds, '-?[0-9]{1,9}')
         AND TRY_CAST(watchSeconds AS INTEGER) BETWEEN 0 AND 3600 AND type IN ('heartbeat', 'view_end')))
    AND substr(occurredAt, 1, 10) = ?
),
deduped AS (
  -- first delivery wins: the smallest file name (Firehose names start with the delivery time)
  SELECT DISTINCT ON (eventId) contentId, type, occurredAt, ws FROM valid ORDER BY eventId, filename
)
SELECT contentId AS content_id, type, substr(occurredAt, 1, 16) AS minute,
       count(*) AS event_count, sum(coalesce(ws, 0))::BIGINT AS watch_seconds
FROM deduped GROUP BY ALL;
"""


def run_duckdb(raw_root: Path, day: str, cores: int, out: Path) -> dict[str, float]:
    import duckdb

    con = duckdb.connect()
    con.execute(f"SET threads = {cores}")
    con.execute(f"SET temp_directory = '{out / 'duckdb-tmp'}'")
    start = time.perf_counter()
    con.execute(DUCKDB_SQL, [str(raw_root / f"dt={day}" / "*" / "*.gz"), day])
    con.execute(f"COPY minutes TO '{out / 'duck_minute.parquet'}' (FORMAT parquet)")
    con.execute(
        f"COPY (SELECT content_id, type, substr(minute, 1, 10) AS day, sum(event_count)::BIGINT AS event_count, "
        f"sum(watch_seconds)::BIGINT AS watch_seconds FROM minutes GROUP BY ALL) "
        f"TO '{out / 'duck_daily.parquet'}' (FORMAT parquet)"
    )
    seconds = time.perf_counter() - start
    events, watch, rows = con.execute("SELECT sum(event_count), sum(watch_seconds), count(*) FROM minutes").fetchone()
    con.close()
    return {"seconds": seconds, "events": float(events), "watchSeconds": float(watch), "minuteRows": float(rows)}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--data", default=".local/bench-data")
    p.add_argument("--day", default="2026-11-20")
    p.add_argument("--events", type=int, default=5_000_000)
    p.add_argument("--other-events", type=int, default=500_000)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--cores", type=int, default=2)
    p.add_argument("--driver-memory", default="4g")
    a = p.parse_args(argv)

    t0 = time.perf_counter()
    root = generate(Path(a.data), a.day, a.events, a.other_events, a.seed, a.cores)
    raw_root = root / "raw" / "events"
    print(f"data set: {root} (ready in {time.perf_counter() - t0:.1f} s)")
    day_bytes = _dir_bytes(raw_root / f"dt={a.day}")
    all_bytes = _dir_bytes(raw_root)
    rows = a.events  # the generator writes exactly --events lines into dt=D (re-sends replace fresh events)

    work = Path(tempfile.mkdtemp(prefix="sl-bench-spark-"))
    try:
        spark = run_spark(raw_root, a.day, a.cores, work / "spark", a.driver_memory)
        duck = run_duckdb(raw_root, a.day, a.cores, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    spark_rate = rows / spark["seconds"] / a.cores
    duck_rate = rows / duck["seconds"] / a.cores
    load = os.getloadavg()[0]
    agree = (spark["events"], spark["watchSeconds"], spark["minuteRows"]) == (
        duck["events"],
        duck["watchSeconds"],
        duck["minuteRows"],
    )
    print(f"cores: {a.cores} (Spark local[{a.cores}], DuckDB threads={a.cores}); load average at the end: {load:.1f}")
    print(f"rows in dt={a.day}: {rows:,}; day partition {day_bytes:,} B on disk; all of raw {all_bytes:,} B")
    print(f"spark : {spark['seconds']:.1f} s, {spark_rate:,.0f} rows/s per core")
    print(f"duckdb: {duck['seconds']:.1f} s, {duck_rate:,.0f} rows/s per core")
    print(f"spark/duckdb per-core rate: {spark_rate / duck_rate:.2f} (goal >= 0.25)")
    print(
        f"bytes read from storage by spark: {int(spark['bytesRead']):,} B = {spark['bytesRead'] / day_bytes:.3f} x "
        f"day partition (goal 1.000); Spark's input metric: {int(spark['inputMetricBytes']):,} B, which also counts "
        f"the minute table read back from its cache"
    )
    print(
        f"aggregates agree: {'yes' if agree else 'NO'} (events {spark['events']:.0f} vs {duck['events']:.0f}, "
        f"watchSeconds {spark['watchSeconds']:.0f} vs {duck['watchSeconds']:.0f}, minute rows "
        f"{spark['minuteRows']:.0f} vs {duck['minuteRows']:.0f})"
    )
    print(
        json.dumps(
            {
                "bench": "spark",
                "cores": a.cores,
                "rows": rows,
                "spark": spark,
                "duckdb": duck,
                "dayBytes": day_bytes,
                "loadAverage": load,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
