"""Pure DataFrame -> DataFrame transforms of the daily batch job.

Nothing here reads or writes storage, reads the clock or depends on the session time zone: main.py extracts,
calls these, and loads. Every function is tested on its own with a local SparkSession.

Input of the chain is the raw text of one day (`value`, one NDJSON line per row) with two lineage columns added
at read time by `with_lineage`: the source file and the line's position in it, which together give the order in
which Firehose wrote the records (its object names start with the delivery time).
"""

from __future__ import annotations

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F
from pyspark.sql import types as T

from . import contract as C

# Malformed-record reasons, the same categories as test/fixtures/malformed.json (and the other layers):
# `schema:<field>` for a missing, wrongly typed or out-of-rule field, checked in contract field order.
REASON_INVALID_UTF8 = "invalid_utf8"
REASON_INVALID_JSON = "invalid_json"
REASON_NOT_AN_OBJECT = "not_an_object"
REASON_INVALID_TIMESTAMP = "invalid_timestamp"
REASON_WATCH_SECONDS_NOT_ALLOWED = "watch_seconds_not_allowed"
# Not a contract rule: the record is valid but sits in another day's partition (see parse_and_validate).
REASON_PARTITION_MISMATCH = "partition_mismatch"


def schema_reason(field: str) -> str:
    return f"schema:{field}"


SRC_FILE = "_src_file"
SRC_POS = "_src_pos"
FIRST_COPY = "_first_copy"

# Every contract field is read as a string: Spark renders a non-string token as its JSON text, which lets the
# checks below tell 12 from 12.5 instead of from_json nulling the whole record on a type error.
#
# Each line is parsed once, as the array `v` of the wrapper {"v":[line]}: from_json stops after the first JSON
# value, so on its own `{..} x`, `{..} }` or `{..}{..}` would pass as one object, whereas inside [ ] trailing
# text is a syntax error and `{..},{..}` gives two elements. A line is one JSON object exactly when the parse
# succeeded (no _corrupt: with a corrupt-record column any error marks the row, even where Spark keeps partial
# results) and `v` holds one non-null element (a bare `null` line gives [null]; any other scalar or an array
# fails), except that a `]` right after the object closes the wrapper's array early and hides what follows
# (`{..}] x`). So a line holding a `]` must also count two elements in `[line,0]`, which it does only when the
# wrapper's own `]` closed the array.
_CORRUPT = "_corrupt"
EVENT_SCHEMA = T.StructType(
    [T.StructField(name, T.StringType()) for name in (*C.REQUIRED_STRING_FIELDS, *C.OPTIONAL_FIELDS)]
)
LINE_SCHEMA = T.StructType([T.StructField("v", T.ArrayType(EVENT_SCHEMA)), T.StructField(_CORRUPT, T.StringType())])
# Strict JSON (RFC 8259): Spark's reader is lenient by default (single quotes, NaN, control characters).
JSON_OPTIONS = {
    "columnNameOfCorruptRecord": _CORRUPT,
    "allowSingleQuotes": "false",
    "allowNonNumericNumbers": "false",
    "allowUnquotedControlChars": "false",
    "allowNumericLeadingZeros": "false",
    "allowBackslashEscapingAnyCharacter": "false",
}

# Wrong JSON types. A string field whose rule a non-string's text could pass (userId, contentId, region, device:
# 12, true or {..} render as text that passes a length rule) is checked against the raw line, but only when its
# parsed text reads like such a rendering (a number, true/false, an object or an array): any other text can only
# come from a JSON string. watchSeconds must be a number, which its text cannot tell ("30" and 30 both give 30,
# null and absent both give null), so every line holding the key is checked. The patterns start with the quoted
# key, so Java's regex engine skips through the line to it (Boyer-Moore) instead of trying every position. An
# unescaped quote cannot occur inside a JSON string and a string followed by ':' is always a key, so they only
# match keys. Known limits: a nested unknown object reusing one of these keys, or a key given twice, can be
# misjudged when the top-level text is itself ambiguous (e.g. "123"), and for watchSeconds always.
_NOT_A_STRING = r'"\s*:\s*[^"\s]'
_NOT_A_NUMBER = r'"\s*:\s*[^\s0-9-]'
_JSON_SCALAR_PATTERN = r'^\s*(?:-?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?|"(?:[^"\\]|\\.)*"|true|false|null)\s*\z'
_INTEGER_PATTERN = r"^-?[0-9]{1,9}\z"

# Column names of the lake tables (snake_case: the Glue catalog lower-cases names, Athena matches Parquet case-
# insensitively). lib/contracts/spark-args.json lists the same schemas for the Glue tables.
CURATED_COLUMNS = (
    "event_id",
    "type",
    "user_id",
    "content_id",
    "occurred_at",
    "region",
    "device",
    "watch_seconds",
    "minute",
)
QUARANTINE_COLUMNS = ("reason", "raw", "source_file")


def with_lineage(raw: DataFrame) -> DataFrame:
    """Adds the source file and the position of each line in it. Call right after reading, before any shuffle.

    gzip files are not splittable, so one file is read by one task in order and monotonically_increasing_id
    grows with the line number inside a file; ordering by (file, id) is the order the lines were written.
    """
    return raw.withColumn(SRC_FILE, F.input_file_name()).withColumn(SRC_POS, F.monotonically_increasing_id())


def _fails(rule: Column) -> Column:
    """True when `rule` is false or null (a null field fails every rule)."""
    return F.coalesce(~rule, F.lit(True))


def _text(col: Column, max_len: int) -> Column:
    length = F.length(col)
    return (length >= 1) & (length <= max_len)


def _looks_like_a_non_string(text: Column) -> Column:
    """True when `text` could be Spark's rendering of a non-string JSON token: a number, true/false, {..}, [..]."""
    first = F.ascii(text)  # code point of the first character, 0 when empty
    return first.between(ord("0"), ord("9")) | first.isin(ord("-"), ord("["), ord("{")) | text.isin("true", "false")


def _has_key_with(value: Column, key: str, rest: str) -> Column:
    """True when the raw line holds `"key"` followed by `rest` (a regex for the colon and the value's start)."""
    return value.contains(f'{key}"') & value.rlike(f'"{key}{rest}')


def parse_and_validate(raw: DataFrame, day: str) -> DataFrame:
    """Parses each `value` line and names the first broken contract rule in `reason` (null when valid).

    Keeps `value` and the lineage columns and adds the contract fields as parsed (`eventId`, ...), `occurredAtTs`
    (timestamp) and `watchSecondsInt` (int or null). The checks and their precedence are the contract's, in
    field order (the golden fixtures' generator is the reference). A valid record of another day than `day` is
    `partition_mismatch`: Firehose partitions by occurredAt, so one here means a misplaced file; counting it in
    `day` would be wrong and dropping it silently would lose it.

    The JSON parse runs once per line in a projection of its own; every later check reads its fields.
    """
    value = F.col("value")
    trimmed = F.trim(value)
    fields = [f.name for f in EVENT_SCHEMA.fields]
    # Every JSON function is interpreted (no generated code), which keeps Spark from fusing the projection that
    # holds one with its neighbours: all of them sit in this first projection, each run only where it can matter,
    # so that the checks below compile into one stage. json_array_length is null for anything but an array.
    df = raw.select(
        *raw.columns,
        F.from_json(F.concat(F.lit('{"v":['), value, F.lit("]}")), LINE_SCHEMA, JSON_OPTIONS).alias("_p"),
        F.when(
            value.contains("]"), F.coalesce(F.json_array_length(F.concat(F.lit("["), value, F.lit(",0]"))), F.lit(0))
        ).alias("_n"),
        F.when(trimmed.startswith("["), F.json_array_length(trimmed)).alias("_array"),
    )
    first = F.get(F.col("_p.v"), 0)  # null, never an error, when v is empty or null
    df = df.select(
        *raw.columns,
        # A JSON array and nothing after it (trailing text after a first value is ignored, as for objects).
        (F.col("_array").isNotNull() & (F.col("_n") == 2)).alias("_array"),
        F.coalesce(
            F.col(f"_p.{_CORRUPT}").isNull()
            & (F.size("_p.v") == 1)
            & first.isNotNull()
            & (F.col("_n").isNull() | (F.col("_n") == 2)),
            F.lit(False),
        ).alias("_object"),
        *[first[name].alias(name) for name in fields],
    )
    at = F.col("occurredAt")
    ws = F.col("watchSeconds")
    df = (
        df.withColumn("_at_ok", at.rlike(C.OCCURRED_AT_PATTERN))
        # Only well-formed text is converted (its own rule names the other cases); the cast reads the trailing Z
        # as UTC whatever the session time zone is and gives null for an impossible instant (30 February, hour
        # 24, second 60).
        .withColumn("occurredAtTs", F.when(F.col("_at_ok"), F.expr("try_cast(occurredAt AS TIMESTAMP)")))
        .withColumn("watchSecondsInt", F.when(ws.rlike(_INTEGER_PATTERN), ws.cast("int")))
    )
    is_object = F.col("_object")
    ts = F.col("occurredAtTs")
    ws_int = F.col("watchSecondsInt")

    def typed(field: str, rule: Column) -> Column:
        text = F.col(field)
        return _fails(rule) | (_looks_like_a_non_string(text) & _has_key_with(value, field, _NOT_A_STRING))

    rules: list[tuple[Column, str]] = [
        # A line that is not UTF-8 decodes with replacement characters, so its re-encoding differs from its bytes.
        (F.encode(value, "UTF-8") != value.cast("binary"), REASON_INVALID_UTF8),
        # Unparseable: a lone JSON scalar or array is valid JSON but not an object; anything else is not JSON.
        (
            ~is_object & (trimmed.rlike(_JSON_SCALAR_PATTERN) | F.coalesce(F.col("_array"), F.lit(False))),
            REASON_NOT_AN_OBJECT,
        ),
        (~is_object, REASON_INVALID_JSON),
        (_fails(F.col("eventId").rlike(C.EVENT_ID_PATTERN)), schema_reason("eventId")),
        (_fails(F.col("type").isin(*C.EVENT_TYPES)), schema_reason("type")),
        (typed("userId", _text(F.col("userId"), C.USER_ID_MAX)), schema_reason("userId")),
        (typed("contentId", F.col("contentId").rlike(C.CONTENT_ID_PATTERN)), schema_reason("contentId")),
        (_fails(F.col("_at_ok")), schema_reason("occurredAt")),
        (ts.isNull(), REASON_INVALID_TIMESTAMP),
        (typed("region", _text(F.col("region"), C.REGION_MAX)), schema_reason("region")),
        (typed("device", _text(F.col("device"), C.DEVICE_MAX)), schema_reason("device")),
        (
            (ws.isNotNull() & _fails(ws_int.between(0, C.WATCH_SECONDS_MAX)))
            | _has_key_with(value, "watchSeconds", _NOT_A_NUMBER),
            schema_reason("watchSeconds"),
        ),
        (ws.isNotNull() & ~F.col("type").isin(*C.WATCH_TYPES), REASON_WATCH_SECONDS_NOT_ALLOWED),
        (F.substring(at, 1, 10) != F.lit(day), REASON_PARTITION_MISMATCH),
    ]
    reason = F.lit(None).cast("string")
    # Built from the last rule up so that the first matching rule wins (CASE WHEN evaluates lazily).
    for cond, name in reversed(rules):
        reason = F.when(cond, F.lit(name)).otherwise(reason)
    return df.withColumn("reason", reason).drop("_array", "_object", "_at_ok")


def quarantine(validated: DataFrame) -> DataFrame:
    """The malformed rows: reason, the raw line and the file it came from.

    Meant for cached rows (main.py's): over uncached ones Spark copies the whole parse and validation into this
    filter, once per field it reads.
    """
    return validated.where(F.col("reason").isNotNull()).select(
        "reason", F.col("value").alias("raw"), F.col(SRC_FILE).alias("source_file")
    )


def mark_first_copies(validated: DataFrame) -> DataFrame:
    """Adds FIRST_COPY: true on the one valid row per eventId written first (smallest source file, then line
    position), false on every other row (later copies and malformed rows), which all stay.

    A window takes the smallest (malformed?, file, position) of each eventId. Malformed rows go through it rather
    than being filtered out first, which Spark would do by copying the whole parse and validation into that
    filter; they simply never come first. Those without an eventId are keyed by their position instead (digits,
    never a valid eventId), so that they do not all land in one group. The window has no ordering, so rows are
    only sorted by that key after the shuffle.
    """
    key = F.coalesce(F.col("eventId"), F.col(SRC_POS).cast("string"))
    order = F.struct(F.col("reason").isNotNull(), F.col(SRC_FILE), F.col(SRC_POS))
    first = (order == F.min(order).over(Window.partitionBy(key))) & F.col("reason").isNull()
    return validated.withColumn(FIRST_COPY, F.coalesce(first, F.lit(False)))


def first_copies(marked: DataFrame) -> DataFrame:
    """The rows mark_first_copies marked, without the mark."""
    return marked.where(F.col(FIRST_COPY)).drop(FIRST_COPY)


def deduplicate(validated: DataFrame) -> DataFrame:
    """Valid rows only, one per eventId: the first written (smallest source file, then line position)."""
    return first_copies(mark_first_copies(validated))


def curated_events(deduped: DataFrame) -> DataFrame:
    """The curated event table: typed contract fields in lake column names, plus the minute bucket."""
    return deduped.select(
        F.col("eventId").alias("event_id"),
        F.col("type"),
        F.col("userId").alias("user_id"),
        F.col("contentId").alias("content_id"),
        F.col("occurredAtTs").alias("occurred_at"),
        F.col("region"),
        F.col("device"),
        F.col("watchSecondsInt").alias("watch_seconds"),
        F.substring(F.col("occurredAt"), 1, 16).alias("minute"),
    )


def minute_counts(curated: DataFrame) -> DataFrame:
    """count and sum(watch_seconds) (absent = 0) per (content_id, type, minute) of the curated events.

    `minute` (`yyyy-MM-ddTHH:mm`, UTC) is cut from the validated occurredAt text by curated_events, so the
    bucket never depends on a time zone.
    """
    return curated.groupBy("content_id", "type", "minute").agg(
        F.count(F.lit(1)).alias("event_count"),
        F.sum(F.coalesce(F.col("watch_seconds"), F.lit(0))).cast("long").alias("watch_seconds"),
    )


def daily_counts(minutes: DataFrame) -> DataFrame:
    """count and sum(watchSeconds) per (content_id, type, day), rolled up from the minute counts."""
    return minutes.groupBy("content_id", "type", F.substring("minute", 1, 10).alias("day")).agg(
        F.sum("event_count").cast("long").alias("event_count"),
        F.sum("watch_seconds").cast("long").alias("watch_seconds"),
    )


def top_content(daily: DataFrame, n: int) -> DataFrame:
    """The day's n content ids with the most events (all types), ties broken by watch time then id."""
    if n < 1:
        raise ValueError(f"top-n must be >= 1, got {n}")
    per_content = daily.groupBy("content_id").agg(
        F.sum("event_count").cast("long").alias("event_count"),
        F.sum("watch_seconds").cast("long").alias("watch_seconds"),
        F.sum(F.when(F.col("type") == "view_start", F.col("event_count")).otherwise(0)).cast("long").alias("views"),
    )
    order = Window.orderBy(F.desc("event_count"), F.desc("watch_seconds"), F.asc("content_id"))
    return (
        per_content.withColumn("rank", F.row_number().over(order))
        .where(F.col("rank") <= n)
        .select("rank", "content_id", "event_count", "watch_seconds", "views")
    )


def view_items(minutes: DataFrame, daily: DataFrame, updated_at: str) -> DataFrame:
    """Rows of the batch view (lib/contracts/view-table.json): one per minute and one per day bucket.

    `updated_at` is passed in (ISO instant) so that the function stays pure.
    """

    def pk() -> Column:
        sep = F.lit(C.VIEW_PK_SEPARATOR)
        return F.concat(F.lit(C.BATCH_VIEW), sep, F.col("content_id"), sep, F.col("type"))

    minute_rows = minutes.select(
        pk().alias("pk"),
        F.concat(F.lit(C.MINUTE_SK_PREFIX), F.col("minute")).alias("sk"),
        F.col("event_count").alias(C.ATTR_COUNT),
        F.col("watch_seconds").alias(C.ATTR_WATCH_SECONDS),
        F.concat(F.col("minute"), F.lit(":00.000Z")).alias(C.ATTR_BUCKET_START),
    )
    day_rows = daily.select(
        pk().alias("pk"),
        F.concat(F.lit(C.DAY_SK_PREFIX), F.col("day")).alias("sk"),
        F.col("event_count").alias(C.ATTR_COUNT),
        F.col("watch_seconds").alias(C.ATTR_WATCH_SECONDS),
        F.concat(F.col("day"), F.lit("T00:00:00.000Z")).alias(C.ATTR_BUCKET_START),
    )
    return minute_rows.unionByName(day_rows).withColumn(C.ATTR_UPDATED_AT, F.lit(updated_at))
