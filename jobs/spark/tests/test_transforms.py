"""The pure transforms, one behaviour per test, on small hand-written inputs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pyspark.sql import DataFrame, SparkSession
from pyspark.testing import assertDataFrameEqual

from streamlake_spark import transforms as t

DAY = "2026-11-20"
BASE: dict[str, Any] = {
    "eventId": "0b0a2b8e-2c57-4d1e-9f1a-7d3c9b1e4f00",
    "type": "heartbeat",
    "userId": "u-1",
    "contentId": "match-42",
    "occurredAt": "2026-11-20T23:41:05.123Z",
    "region": "IN",
    "device": "android",
    "watchSeconds": 30,
}


def event(**changes: Any) -> str:
    body = dict(BASE)
    for key, value in changes.items():
        if value is _ABSENT:
            body.pop(key, None)
        else:
            body[key] = value
    return json.dumps(body)


_ABSENT = object()


def read_lines(spark: SparkSession, tmp_path: Path, lines: list[bytes], name: str = "part-0") -> DataFrame:
    path = tmp_path / name
    path.write_bytes(b"".join(line + b"\n" for line in lines))
    return t.with_lineage(spark.read.text(str(path)))


S = t.schema_reason
MALFORMED: list[tuple[str, bytes, str]] = [
    ("invalid utf-8", event(userId="u-X").encode().replace(b"u-X", b"u-\xff\xfe"), t.REASON_INVALID_UTF8),
    ("not json", b"not json at all", t.REASON_INVALID_JSON),
    ("truncated object", event().encode()[:40], t.REASON_INVALID_JSON),
    ("truncated array", b'[{"eventId": 1}', t.REASON_INVALID_JSON),
    ("single quotes", event().replace('"', "'").encode(), t.REASON_INVALID_JSON),
    ("NaN", event().replace("30", "NaN").encode(), t.REASON_INVALID_JSON),
    ("text after the object", (event() + " trailing").encode(), t.REASON_INVALID_JSON),
    ("two objects", (event() + event()).encode(), t.REASON_INVALID_JSON),
    ("two objects with a comma", (event() + "," + event()).encode(), t.REASON_INVALID_JSON),
    ("closing brace after the object", (event() + " }").encode(), t.REASON_INVALID_JSON),
    ("closing bracket after the object", (event() + "] x").encode(), t.REASON_INVALID_JSON),
    ("an object then a bracketed object", (event() + "],{}").encode(), t.REASON_INVALID_JSON),
    ("an object, null and a bracket", (event() + ",null] x").encode(), t.REASON_INVALID_JSON),
    (
        "control character in a string",
        event(userId="u\u0001").replace("\\u0001", "\x01").encode(),
        t.REASON_INVALID_JSON,
    ),
    ("array", b'[{"eventId": "x"}]', t.REASON_NOT_AN_OBJECT),
    ("array with text after it", b"[{}], 1", t.REASON_INVALID_JSON),
    ("two arrays", b"[1] [2]", t.REASON_INVALID_JSON),
    ("number", b"42", t.REASON_NOT_AN_OBJECT),
    ("string", b'"hello"', t.REASON_NOT_AN_OBJECT),
    ("null", b"null", t.REASON_NOT_AN_OBJECT),
    ("true", b" true ", t.REASON_NOT_AN_OBJECT),
    ("missing eventId", event(eventId=_ABSENT).encode(), S("eventId")),
    ("numeric eventId", event(eventId=12345).encode(), S("eventId")),
    ("bad uuid", event(eventId="not-a-uuid").encode(), S("eventId")),
    ("uuid with newline", event(eventId=BASE["eventId"] + "\n").encode(), S("eventId")),
    ("unknown type", event(type="pause").encode(), S("type")),
    ("null type", event(type=None).encode(), S("type")),
    ("missing userId", event(userId=_ABSENT).encode(), S("userId")),
    ("numeric userId", event(userId=123).encode(), S("userId")),
    ("empty userId", event(userId="").encode(), S("userId")),
    ("userId of 129 chars", event(userId="u" * 129).encode(), S("userId")),
    ("contentId with #", event(contentId="a#b").encode(), S("contentId")),
    ("numeric contentId", event(contentId=42).encode(), S("contentId")),
    ("boolean contentId", event(contentId=True).encode(), S("contentId")),
    ("missing occurredAt", event(occurredAt=_ABSENT).encode(), S("occurredAt")),
    ("no milliseconds", event(occurredAt="2026-11-20T23:41:05Z").encode(), S("occurredAt")),
    ("offset instead of Z", event(occurredAt="2026-11-20T23:41:05.123+00:00").encode(), S("occurredAt")),
    ("non-ASCII digit", event(occurredAt="2026-11-2\u0661T23:45:00.000Z").encode(), S("occurredAt")),
    ("epoch millis", event(occurredAt=1795218300000).encode(), S("occurredAt")),
    ("30 February", event(occurredAt="2026-02-30T10:00:00.000Z").encode(), t.REASON_INVALID_TIMESTAMP),
    ("hour 24", event(occurredAt="2026-11-20T24:00:00.000Z").encode(), t.REASON_INVALID_TIMESTAMP),
    ("leap second", event(occurredAt="2026-11-20T23:59:60.000Z").encode(), t.REASON_INVALID_TIMESTAMP),
    ("null region", event(region=None).encode(), S("region")),
    ("numeric region", event(region=7).encode(), S("region")),
    ("region of 65 chars", event(region="r" * 65).encode(), S("region")),
    ("empty device", event(device="").encode(), S("device")),
    ("object device", event(device={"os": "ios"}).encode(), S("device")),
    ("watchSeconds 3601", event(watchSeconds=3601).encode(), S("watchSeconds")),
    ("watchSeconds -1", event(watchSeconds=-1).encode(), S("watchSeconds")),
    ("watchSeconds 12.5", event(watchSeconds=12.5).encode(), S("watchSeconds")),
    ("watchSeconds 1e3", event().replace("30", "1e3").encode(), S("watchSeconds")),
    ("string watchSeconds", event(watchSeconds="30").encode(), S("watchSeconds")),
    ("null watchSeconds", event(watchSeconds=None).encode(), S("watchSeconds")),
    ("boolean watchSeconds", event(watchSeconds=True).encode(), S("watchSeconds")),
    ("bad watchSeconds on like", event(type="like", watchSeconds=-1).encode(), S("watchSeconds")),
    ("watchSeconds on like", event(type="like").encode(), t.REASON_WATCH_SECONDS_NOT_ALLOWED),
    ("first failing field wins", event(eventId=1, type="pause", userId="").encode(), S("eventId")),
    (
        "field order, not line order",
        json.dumps({"device": 1, **{k: v for k, v in BASE.items() if k != "device"}, "userId": 2}).encode(),
        S("userId"),
    ),
    ("another day", event(occurredAt="2026-11-21T00:00:00.000Z").encode(), t.REASON_PARTITION_MISMATCH),
]

VALID: list[tuple[str, bytes]] = [
    ("heartbeat with watchSeconds", event().encode()),
    ("unknown extra fields", event(extra={"nested": [1, 2]}, more="x").encode()),
    ("heartbeat without watchSeconds", event(watchSeconds=_ABSENT).encode()),
    ("view_end with 0", event(type="view_end", watchSeconds=0).encode()),
    ("view_end with 3600", event(type="view_end", watchSeconds=3600).encode()),
    ("like without watchSeconds", event(type="like", watchSeconds=_ABSENT).encode()),
    ("128 non-ASCII chars", json.dumps({**BASE, "userId": "é" * 128}, ensure_ascii=False).encode()),
    (
        "128 code points, 129 UTF-16 units",
        json.dumps({**BASE, "userId": "😀" + "u" * 127}, ensure_ascii=False).encode(),
    ),
    ("escaped quote in a value", event(device='tv "living room"').encode()),
    ("contract key inside a string value", event(device='x", "userId": 5').encode()),
    ("watchSeconds -0", event().replace("30", "-0").encode()),
    ("userId text that reads as a number", event(userId="123").encode()),
    ("nested object reusing contract keys", event(extra={"userId": 5, "device": None, "region": [1]}).encode()),
    ("contract key given twice, the last one valid", event().replace('"userId"', '"userId": 7, "userId"', 1).encode()),
    ("brackets inside a value", event(device="tv [living room]").encode()),
    (
        "spaces around tokens",
        b'  { "eventId" : "0b0a2b8e-2c57-4d1e-9f1a-7d3c9b1e4f00", "type" : "share", '
        b'"userId" : "u", "contentId" : "c", "occurredAt" : "2026-11-20T00:00:00.000Z", "region" : "r", '
        b'"device" : "d" }  ',
    ),
]


def _reasons(spark: SparkSession, tmp_path: Path, lines: list[bytes]) -> list[str | None]:
    # One file, one Spark job for all cases; the position column keeps the input order.
    df = t.parse_and_validate(read_lines(spark, tmp_path, lines), DAY)
    return [r.reason for r in df.orderBy(t.SRC_POS).select("reason").collect()]


def test_flags_each_malformed_line_with_its_reason(spark: SparkSession, tmp_path: Path) -> None:
    got = dict(zip([m[0] for m in MALFORMED], _reasons(spark, tmp_path, [m[1] for m in MALFORMED])))
    assert got == {case: reason for case, _, reason in MALFORMED}


def test_accepts_each_valid_line(spark: SparkSession, tmp_path: Path) -> None:
    got = dict(zip([v[0] for v in VALID], _reasons(spark, tmp_path, [v[1] for v in VALID])))
    assert got == {case: None for case, _ in VALID}


def test_parses_typed_fields(spark: SparkSession, tmp_path: Path) -> None:
    df = t.parse_and_validate(read_lines(spark, tmp_path, [event().encode()]), DAY)
    row = df.selectExpr("unix_micros(occurredAtTs) AS micros", "watchSecondsInt").first()
    assert row is not None
    # 2026-11-20T23:41:05.123Z as epoch microseconds (datetime(2026, 11, 20, 23, 41, 5, tzinfo=utc) = 1795218065 s).
    assert row.micros == 1_795_218_065_123_000
    assert row.watchSecondsInt == 30


def test_quarantine_keeps_reason_and_raw_line(spark: SparkSession, tmp_path: Path) -> None:
    lines = [event().encode(), b"{broken", event(type="pause").encode()]
    got = t.quarantine(t.parse_and_validate(read_lines(spark, tmp_path, lines), DAY)).drop("source_file")
    expected = spark.createDataFrame(
        [(t.REASON_INVALID_JSON, "{broken"), (t.schema_reason("type"), event(type="pause"))],
        "reason string, raw string",
    )
    assertDataFrameEqual(got, expected)


def test_deduplicate_keeps_first_written_per_event_id(spark: SparkSession, tmp_path: Path) -> None:
    first = event(userId="first")
    second = event(userId="second")
    third = event(userId="third")
    other = event(eventId="1b0a2b8e-2c57-4d1e-9f1a-7d3c9b1e4f01")
    # File names order the deliveries; inside a file the line order does.
    a = read_lines(spark, tmp_path, [first.encode(), second.encode(), other.encode()], name="a-2026-11-20-23-41")
    b = read_lines(spark, tmp_path, [third.encode()], name="b-2026-11-20-23-59")
    deduped = t.deduplicate(t.parse_and_validate(b.unionByName(a), DAY))
    assert sorted((r.eventId, r.userId) for r in deduped.collect()) == [
        (BASE["eventId"], "first"),
        ("1b0a2b8e-2c57-4d1e-9f1a-7d3c9b1e4f01", "u-1"),
    ]


def test_deduplicate_ignores_malformed_rows(spark: SparkSession, tmp_path: Path) -> None:
    lines = [event(type="pause").encode(), event(userId="valid").encode()]
    deduped = t.deduplicate(t.parse_and_validate(read_lines(spark, tmp_path, lines), DAY))
    assert [r.userId for r in deduped.collect()] == ["valid"]


def test_mark_first_copies_keeps_every_row_and_marks_the_first_valid_copy(spark: SparkSession, tmp_path: Path) -> None:
    # The malformed copy is written first: it must neither win nor be dropped.
    lines = [event(type="pause"), event(userId="first"), event(userId="later")]
    marked = t.mark_first_copies(t.parse_and_validate(read_lines(spark, tmp_path, [x.encode() for x in lines]), DAY))
    got = sorted((r.userId, r.reason or "", r[t.FIRST_COPY]) for r in marked.collect())
    assert got == [("first", "", True), ("later", "", False), ("u-1", t.schema_reason("type"), False)]
    assert [r.userId for r in t.first_copies(marked).collect()] == ["first"]


def _curated(spark: SparkSession, tmp_path: Path, lines: list[str]) -> DataFrame:
    validated = t.parse_and_validate(read_lines(spark, tmp_path, [line.encode() for line in lines]), DAY)
    return t.curated_events(t.deduplicate(validated))


def _uuid(i: int) -> str:
    return f"00000000-0000-4000-8000-{i:012d}"


SAMPLE = [
    event(eventId=_uuid(1), type="heartbeat", watchSeconds=30, occurredAt="2026-11-20T23:40:01.000Z"),
    event(eventId=_uuid(2), type="heartbeat", watchSeconds=25, occurredAt="2026-11-20T23:40:59.999Z"),
    event(eventId=_uuid(3), type="heartbeat", watchSeconds=_ABSENT, occurredAt="2026-11-20T23:41:00.000Z"),
    event(eventId=_uuid(4), type="like", watchSeconds=_ABSENT, occurredAt="2026-11-20T23:41:30.000Z"),
    event(eventId=_uuid(4), type="like", watchSeconds=_ABSENT, occurredAt="2026-11-20T23:41:30.000Z"),
    event(
        eventId=_uuid(5),
        type="view_start",
        watchSeconds=_ABSENT,
        contentId="other",
        occurredAt="2026-11-20T08:00:00.000Z",
    ),
]


def test_minute_counts(spark: SparkSession, tmp_path: Path) -> None:
    got = t.minute_counts(_curated(spark, tmp_path, SAMPLE))
    expected = spark.createDataFrame(
        [
            ("match-42", "heartbeat", "2026-11-20T23:40", 2, 55),
            ("match-42", "heartbeat", "2026-11-20T23:41", 1, 0),
            ("match-42", "like", "2026-11-20T23:41", 1, 0),
            ("other", "view_start", "2026-11-20T08:00", 1, 0),
        ],
        "content_id string, type string, minute string, event_count long, watch_seconds long",
    )
    assertDataFrameEqual(got, expected)


def test_daily_counts(spark: SparkSession, tmp_path: Path) -> None:
    got = t.daily_counts(t.minute_counts(_curated(spark, tmp_path, SAMPLE)))
    expected = spark.createDataFrame(
        [
            ("match-42", "heartbeat", DAY, 3, 55),
            ("match-42", "like", DAY, 1, 0),
            ("other", "view_start", DAY, 1, 0),
        ],
        "content_id string, type string, day string, event_count long, watch_seconds long",
    )
    assertDataFrameEqual(got, expected)


def test_top_content_ranks_by_events_then_watch_time_then_id(spark: SparkSession) -> None:
    daily = spark.createDataFrame(
        [
            ("b", "view_start", DAY, 5, 0),
            ("b", "heartbeat", DAY, 5, 100),
            ("a", "view_start", DAY, 4, 0),
            ("a", "heartbeat", DAY, 6, 100),
            ("c", "heartbeat", DAY, 10, 200),
            ("d", "like", DAY, 1, 0),
        ],
        "content_id string, type string, day string, event_count long, watch_seconds long",
    )
    expected = spark.createDataFrame(
        [(1, "c", 10, 200, 0), (2, "a", 10, 100, 4), (3, "b", 10, 100, 5)],
        "rank int, content_id string, event_count long, watch_seconds long, views long",
    )
    assertDataFrameEqual(t.top_content(daily, 3), expected)


def test_top_content_fails_when_n_is_not_positive(spark: SparkSession) -> None:
    daily = spark.createDataFrame(
        [], "content_id string, type string, day string, event_count long, watch_seconds long"
    )
    with pytest.raises(ValueError, match="top-n"):
        t.top_content(daily, 0)


def test_curated_events_columns(spark: SparkSession, tmp_path: Path) -> None:
    got = _curated(spark, tmp_path, [SAMPLE[0]])
    assert got.columns == list(t.CURATED_COLUMNS)
    row = got.first()
    assert row is not None
    assert (row.event_id, row.content_id, row.watch_seconds, row.minute) == (
        _uuid(1),
        "match-42",
        30,
        "2026-11-20T23:40",
    )


def test_view_items_follow_the_key_design(spark: SparkSession) -> None:
    minutes = spark.createDataFrame(
        [("match-42", "heartbeat", "2026-11-20T23:40", 2, 55)],
        "content_id string, type string, minute string, event_count long, watch_seconds long",
    )
    daily = spark.createDataFrame(
        [("match-42", "heartbeat", DAY, 2, 55)],
        "content_id string, type string, day string, event_count long, watch_seconds long",
    )
    expected = spark.createDataFrame(
        [
            (
                "batch#match-42#heartbeat",
                "m#2026-11-20T23:40",
                2,
                55,
                "2026-11-20T23:40:00.000Z",
                "2026-11-21T01:00:00.000Z",
            ),
            (
                "batch#match-42#heartbeat",
                "d#2026-11-20",
                2,
                55,
                "2026-11-20T00:00:00.000Z",
                "2026-11-21T01:00:00.000Z",
            ),
        ],
        "pk string, sk string, eventCount long, watchSeconds long, bucketStart string, updatedAt string",
    )
    assertDataFrameEqual(t.view_items(minutes, daily, "2026-11-21T01:00:00.000Z"), expected)
