"""The whole job over the golden fixtures laid out as Firehose would: per-day results, quarantine, idempotent
re-runs, late data, partition pruning and the batch view in DynamoDB (moto's server)."""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
import re
import shutil
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import boto3
import pytest
from pyspark.sql import SparkSession

from streamlake_spark import main, metrics, transforms
from streamlake_spark.lake import read_raw_day as lake_read

from .conftest import FIXTURES

DAYS = ("2026-11-20", "2026-11-21")
NOW = dt.datetime(2026, 11, 22, 1, 0, tzinfo=dt.timezone.utc)
# What Firehose's partitioning needs from a record: valid JSON with a parseable occurredAt; anything else goes
# to its error prefix, not to raw. Written independently of the job (stdlib only).
_INSTANT = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})\.[0-9]{3}Z")


def firehose_partition(line: bytes) -> tuple[str, str] | None:
    try:
        record = json.loads(line.decode("utf-8"))
    except ValueError:
        return None
    at = record.get("occurredAt") if isinstance(record, dict) else None
    m = _INSTANT.fullmatch(at) if isinstance(at, str) else None
    if m is None:
        return None
    try:
        instant = dt.datetime(*(int(g) for g in m.groups()), tzinfo=dt.timezone.utc)  # type: ignore[misc]
    except ValueError:
        return None
    return instant.strftime("%Y-%m-%d"), instant.strftime("%H")


def lay_out(lines: list[bytes], raw_root: Path, name: str) -> dict[int, str]:
    """Writes each placeable line into raw/dt=D/hour=HH/<name>.gz in arrival order; returns line -> day."""
    files: dict[tuple[str, str], list[bytes]] = {}
    placed: dict[int, str] = {}
    for number, line in enumerate(lines, start=1):
        where = firehose_partition(line)
        if where is None:
            continue
        files.setdefault(where, []).append(line)
        placed[number] = where[0]
    for (day, hour), body in files.items():
        folder = raw_root / f"dt={day}" / f"hour={hour}"
        folder.mkdir(parents=True, exist_ok=True)
        with gzip.open(folder / f"{name}.gz", "wb") as out:
            out.write(b"".join(line + b"\n" for line in body))
    return placed


def fixture_lines() -> list[bytes]:
    data = (FIXTURES / "events.jsonl").read_bytes()
    return data[:-1].split(b"\n") if data.endswith(b"\n") else data.split(b"\n")


@dataclass(frozen=True)
class Lake:
    root: Path
    args: main.JobArgs
    placed: dict[int, str]


def make_lake(root: Path, table: str, endpoint: str) -> Lake:
    placed = lay_out(fixture_lines(), root / "raw" / "events", "streamlake-raw-1-2026-11-21-00-30-00-a")
    args = main.JobArgs(
        date=DAYS[0],
        raw_uri=str(root / "raw" / "events"),
        curated_uri=str(root / "curated" / "events"),
        quarantine_uri=str(root / "curated" / "quarantine"),
        analytics_uri=str(root / "analytics"),
        view_table=table,
        region="us-east-1",
        dynamodb_endpoint=endpoint,
        top_n=3,
    )
    return Lake(root, args, placed)


def run_days(spark: SparkSession, lake: Lake) -> list[dict[str, Any]]:
    return [main.run(spark, replace(lake.args, date=day), now=NOW) for day in DAYS]


def read_parquet(spark: SparkSession, path: Path) -> list[dict[str, Any]]:
    return [r.asDict() for r in spark.read.parquet(str(path)).collect()]


def tree_digest(root: Path) -> dict[str, list[str]]:
    """Per output folder, the sorted content hashes of its Parquet files (file names carry a random id)."""
    out: dict[str, list[str]] = {}
    for f in sorted(root.rglob("*.parquet")):
        out.setdefault(str(f.parent.relative_to(root)), []).append(hashlib.sha256(f.read_bytes()).hexdigest())
    return {k: sorted(v) for k, v in out.items()}


def scan(endpoint: str, table: str) -> list[dict[str, Any]]:
    items = boto3.resource("dynamodb", region_name="us-east-1", endpoint_url=endpoint).Table(table).scan()["Items"]
    return sorted(items, key=lambda i: (i["pk"], i["sk"]))


def expected(name: str, bucket: str, day: str) -> list[tuple[str, str, str, int, int]]:
    rows = json.loads((FIXTURES / name).read_text())
    return sorted(
        (r["contentId"], r["type"], r[bucket], r["count"], r["watchSeconds"]) for r in rows if r[bucket][:10] == day
    )


@pytest.fixture(scope="module")
def golden(spark: SparkSession, tmp_path_factory: pytest.TempPathFactory, dynamodb_endpoint: str) -> Lake:
    import boto3 as b3

    table = "views-golden"
    b3.client("dynamodb", region_name="us-east-1", endpoint_url=dynamodb_endpoint).create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    lake = make_lake(tmp_path_factory.mktemp("golden"), table, dynamodb_endpoint)
    run_days(spark, lake)
    return lake


@pytest.mark.parametrize("day", DAYS)
def test_daily_counts_match_expected_day(spark: SparkSession, golden: Lake, day: str) -> None:
    rows = read_parquet(spark, golden.root / "analytics" / main.ANALYTICS_DAILY / f"dt={day}")
    got = sorted((r["content_id"], r["type"], r["day"], r["event_count"], r["watch_seconds"]) for r in rows)
    assert got == expected("expected-day.json", "day", day)


@pytest.mark.parametrize("day", DAYS)
def test_minute_counts_match_expected_minute(spark: SparkSession, golden: Lake, day: str) -> None:
    rows = read_parquet(spark, golden.root / "analytics" / main.ANALYTICS_MINUTE / f"dt={day}")
    got = sorted((r["content_id"], r["type"], r["minute"], r["event_count"], r["watch_seconds"]) for r in rows)
    assert got == expected("expected-minute.json", "minute", day)


@pytest.mark.parametrize("day", DAYS)
def test_curated_holds_each_valid_event_once(spark: SparkSession, golden: Lake, day: str) -> None:
    rows = read_parquet(spark, golden.root / "curated" / "events" / f"dt={day}")
    ids = [r["event_id"] for r in rows]
    assert len(ids) == len(set(ids))
    assert len(ids) == sum(r[3] for r in expected("expected-day.json", "day", day))


# What write_day sorts each output's files by (min/max statistics, byte-identical re-runs).
SORTED_BY = {
    "curated/events": ("content_id", "type", "occurred_at", "event_id"),
    "curated/quarantine": ("reason", "source_file", "raw"),
    f"analytics/{main.ANALYTICS_MINUTE}": ("content_id", "type", "minute"),
    f"analytics/{main.ANALYTICS_DAILY}": ("content_id", "type", "day"),
}


@pytest.mark.parametrize("table", sorted(SORTED_BY))
def test_each_output_file_is_sorted(spark: SparkSession, golden: Lake, table: str) -> None:
    keys = SORTED_BY[table]
    files = sorted((golden.root / table).glob("dt=*/*.parquet"))
    assert files
    for f in files:
        rows = [tuple(r) for r in spark.read.parquet(str(f)).select(*keys).collect()]
        assert rows == sorted(rows), f"{f.parent.name}/{f.name} is not sorted by {keys}"


@pytest.mark.parametrize("day", DAYS)
def test_quarantine_holds_each_malformed_line_with_its_reason(spark: SparkSession, golden: Lake, day: str) -> None:
    lines = fixture_lines()
    malformed = json.loads((FIXTURES / "malformed.json").read_text())
    want = sorted(
        (m["reason"], lines[m["line"] - 1].decode("utf-8")) for m in malformed if golden.placed.get(m["line"]) == day
    )
    rows = read_parquet(spark, golden.root / "curated" / "quarantine" / f"dt={day}")
    assert sorted((r["reason"], r["raw"]) for r in rows) == want
    assert want, "the fixtures put malformed lines with a valid timestamp on this day"


def test_top_content_ranks_the_day(spark: SparkSession, golden: Lake) -> None:
    per_content: dict[str, int] = {}
    for content, _type, _day, count, _ws in expected("expected-day.json", "day", DAYS[0]):
        per_content[content] = per_content.get(content, 0) + count
    want = sorted(per_content.items(), key=lambda kv: -kv[1])[:3]
    rows = read_parquet(spark, golden.root / "analytics" / main.ANALYTICS_TOP / f"dt={DAYS[0]}")
    got = sorted(rows, key=lambda r: r["rank"])
    assert [r["rank"] for r in got] == [1, 2, 3]
    assert [r["event_count"] for r in got] == [count for _, count in want]


def test_batch_view_holds_expected_minute_and_day_rows(golden: Lake, dynamodb_endpoint: str) -> None:
    items = scan(dynamodb_endpoint, golden.args.view_table or "")
    rows = [i for i in items if i["pk"].startswith("batch#")]
    got = sorted(
        (i["pk"], i["sk"], int(i["eventCount"]), int(i["watchSeconds"]), i["bucketStart"], i["updatedAt"]) for i in rows
    )
    want = []
    for day in DAYS:
        for content, typ, minute, count, ws in expected("expected-minute.json", "minute", day):
            want.append(
                (f"batch#{content}#{typ}", f"m#{minute}", count, ws, f"{minute}:00.000Z", "2026-11-22T01:00:00.000Z")
            )
        for content, typ, d, count, ws in expected("expected-day.json", "day", day):
            want.append(
                (f"batch#{content}#{typ}", f"d#{d}", count, ws, f"{d}T00:00:00.000Z", "2026-11-22T01:00:00.000Z")
            )
    assert got == sorted(want)


def raw_files(root: Path, day: str) -> list[Path]:
    return sorted(f for f in (root / "raw" / "events" / f"dt={day}").rglob("*") if f.is_file())


def iso_ms(epoch_ms: int) -> str:
    at = dt.datetime.fromtimestamp(epoch_ms // 1000, tz=dt.timezone.utc)
    return f"{at:%Y-%m-%dT%H:%M:%S}.{epoch_ms % 1000:03d}Z"


@pytest.mark.parametrize("day", DAYS)
def test_completion_item_describes_the_raw_objects_read(golden: Lake, dynamodb_endpoint: str, day: str) -> None:
    items = scan(dynamodb_endpoint, golden.args.view_table or "")
    completion = next(i for i in items if i["pk"] == "meta#batch" and i["sk"] == f"day#{day}")
    files = raw_files(golden.root, day)
    # Described from the filesystem here, independently of the job's listing.
    newest = max(int(f.stat().st_mtime * 1000) for f in files)
    assert {k: (int(v) if k in ("inputObjects", "inputBytes", "eventCount") else v) for k, v in completion.items()} == {
        "pk": "meta#batch",
        "sk": f"day#{day}",
        "day": day,
        "completedAt": "2026-11-22T01:00:00.000Z",
        "engine": "emr",
        "runId": completion["runId"],
        "inputListedAt": "2026-11-22T01:00:00.000Z",
        "inputObjects": len(files),
        "inputBytes": sum(f.stat().st_size for f in files),
        "inputLastModified": iso_ms(newest),
        "eventCount": sum(r[3] for r in expected("expected-day.json", "day", day)),
    }
    assert completion["runId"].startswith("local-"), "without --run-id: the Spark application id"


def test_no_other_meta_item_is_written(golden: Lake, dynamodb_endpoint: str) -> None:
    items = scan(dynamodb_endpoint, golden.args.view_table or "")
    assert sorted(i["sk"] for i in items if i["pk"] == "meta#batch") == [f"day#{d}" for d in DAYS]


def test_rerun_changes_nothing(spark: SparkSession, golden: Lake, dynamodb_endpoint: str) -> None:
    outputs = [golden.root / "curated", golden.root / "analytics"]
    before = [tree_digest(p) for p in outputs]
    items_before = scan(dynamodb_endpoint, golden.args.view_table or "")
    summary = main.run(spark, golden.args, now=NOW)
    assert [tree_digest(p) for p in outputs] == before
    assert all(before), "outputs exist"
    assert scan(dynamodb_endpoint, golden.args.view_table or "") == items_before
    assert summary["completion"]["sk"] == f"day#{DAYS[0]}"


def test_rerun_includes_a_late_event(
    spark: SparkSession, tmp_path: Path, view_table: str, dynamodb_endpoint: str
) -> None:
    lake = make_lake(tmp_path, view_table, dynamodb_endpoint)
    first = main.run(spark, replace(lake.args, run_id="run-1"), now=NOW)["completion"]
    late = {
        "eventId": "9f0e8d7c-6b5a-4c3d-8e2f-1a0b9c8d7e6f",
        "type": "heartbeat",
        "userId": "late-user",
        "contentId": "late-content",
        "occurredAt": "2026-11-20T23:58:30.000Z",
        "region": "IN-MH",
        "device": "web",
        "watchSeconds": 42,
    }
    # A later Firehose delivery: a new object in the same hour partition.
    lay_out([json.dumps(late).encode()], tmp_path / "raw" / "events", "streamlake-raw-1-2026-11-21-02-00-00-b")
    second = main.run(spark, replace(lake.args, run_id="run-2"), now=NOW)["completion"]
    daily = read_parquet(spark, tmp_path / "analytics" / main.ANALYTICS_DAILY / f"dt={DAYS[0]}")
    got = sorted((r["content_id"], r["type"], r["day"], r["event_count"], r["watch_seconds"]) for r in daily)
    want = sorted([*expected("expected-day.json", "day", DAYS[0]), ("late-content", "heartbeat", DAYS[0], 1, 42)])
    assert got == want
    items = scan(dynamodb_endpoint, view_table)
    assert [(i["sk"], int(i["eventCount"])) for i in items if i["pk"] == "batch#late-content#heartbeat"] == [
        ("d#2026-11-20", 1),
        ("m#2026-11-20T23:58", 1),
    ]
    # The re-run's completion item replaced the first one and describes the late object too.
    late_file = raw_files(tmp_path, DAYS[0])[-1]
    assert late_file.name == "streamlake-raw-1-2026-11-21-02-00-00-b.gz"
    assert (second["runId"], second["inputObjects"], second["eventCount"]) == (
        "run-2",
        first["inputObjects"] + 1,
        first["eventCount"] + 1,
    )
    assert second["inputBytes"] == first["inputBytes"] + late_file.stat().st_size
    completions = [i for i in scan(dynamodb_endpoint, view_table) if i["pk"] == "meta#batch"]
    assert [(i["sk"], i["runId"]) for i in completions] == [(f"day#{DAYS[0]}", "run-2")]


def test_fails_without_a_completion_item_when_the_view_write_fails(
    spark: SparkSession, tmp_path: Path, view_table: str, dynamodb_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    lake = make_lake(tmp_path, view_table, dynamodb_endpoint)

    def broken(*_args: object, **_kwargs: object) -> int:
        raise RuntimeError("views table unavailable")

    monkeypatch.setattr(main.batch_view, "write_view", broken)
    with pytest.raises(RuntimeError, match="views table unavailable"):
        main.run(spark, lake.args, now=NOW)
    assert [i for i in scan(dynamodb_endpoint, view_table) if i["pk"] == "meta#batch"] == []


def test_reads_exactly_the_listed_objects_even_with_glob_characters_in_names(
    spark: SparkSession, tmp_path: Path
) -> None:
    lake = make_lake(tmp_path, "unused", "http://127.0.0.1:9")
    # An object name Hadoop would otherwise expand as a glob pattern.
    odd = tmp_path / "raw" / "events" / f"dt={DAYS[0]}" / "hour=23" / "odd[1]{a,b}*?.gz"
    with gzip.open(odd, "wb") as out:
        out.write(b"not json\n")
    summary = main.run(spark, replace(lake.args, skip_view=True), now=NOW)
    assert summary["rawObjects"] == len(raw_files(tmp_path, DAYS[0]))
    assert summary["quarantinedRows"] == 1 + len(
        [m for m in json.loads((FIXTURES / "malformed.json").read_text()) if lake.placed.get(m["line"]) == DAYS[0]]
    )


def _with_unreadable_neighbours(raw: Path) -> None:
    # Other days hold files that fail any job that opens them: not gzip despite the name.
    for day in ("2026-11-19", "2026-11-22"):
        (raw / f"dt={day}" / "hour=00").mkdir(parents=True)
        (raw / f"dt={day}" / "hour=00" / "broken.gz").write_bytes(b"not gzip " * 1000)


def test_job_never_opens_other_days(spark: SparkSession, tmp_path: Path) -> None:
    lake = make_lake(tmp_path, "unused", "http://127.0.0.1:9")
    _with_unreadable_neighbours(tmp_path / "raw" / "events")
    summary = main.run(spark, replace(lake.args, skip_view=True), now=NOW)
    assert summary["curatedRows"] == sum(r[3] for r in expected("expected-day.json", "day", DAYS[0]))


def test_bytes_read_are_the_day_partition(spark: SparkSession, tmp_path: Path) -> None:
    make_lake(tmp_path, "unused", "http://127.0.0.1:9")
    raw = tmp_path / "raw" / "events"
    _with_unreadable_neighbours(raw)
    day_dir = raw / f"dt={DAYS[0]}"
    day_bytes = sum(f.stat().st_size for f in day_dir.rglob("*") if f.is_file())
    df = lake_read(spark, str(raw), DAYS[0])
    assert df.inputFiles() and all(f"/dt={DAYS[0]}/" in f for f in df.inputFiles())
    before = metrics.input_bytes(spark)
    stored_before = metrics.storage_bytes_read(spark)
    # The transform stage without the job's cache (reads from a cache count as input too).
    curated = transforms.curated_events(
        transforms.deduplicate(transforms.parse_and_validate(transforms.with_lineage(df), DAYS[0]))
    )
    transforms.daily_counts(transforms.minute_counts(curated)).collect()
    assert metrics.input_bytes(spark) - before == day_bytes
    assert metrics.storage_bytes_read(spark) - stored_before == day_bytes


def test_fails_when_the_day_has_no_raw_partition(spark: SparkSession, tmp_path: Path) -> None:
    lake = make_lake(tmp_path, "unused", "http://127.0.0.1:9")
    with pytest.raises(FileNotFoundError, match="dt=2026-11-25"):
        main.run(spark, replace(lake.args, date="2026-11-25", skip_view=True), now=NOW)


def test_quarantine_partition_is_emptied_when_a_rerun_finds_nothing_malformed(
    spark: SparkSession, tmp_path: Path
) -> None:
    lake = make_lake(tmp_path, "unused", "http://127.0.0.1:9")
    args = replace(lake.args, skip_view=True)
    main.run(spark, args, now=NOW)
    quarantine = tmp_path / "curated" / "quarantine" / f"dt={DAYS[0]}"
    assert any(quarantine.glob("*.parquet"))
    # Repair the day: keep only the lines the job accepted.
    day_dir = tmp_path / "raw" / "events" / f"dt={DAYS[0]}"
    bad = {m["line"] for m in json.loads((FIXTURES / "malformed.json").read_text())}
    shutil.rmtree(day_dir)
    good = [line for n, line in enumerate(fixture_lines(), start=1) if n not in bad]
    lay_out(good, tmp_path / "raw" / "events", "streamlake-raw-1-repaired")
    summary = main.run(spark, args, now=NOW)
    assert summary["quarantinedRows"] == 0
    assert not quarantine.exists()
