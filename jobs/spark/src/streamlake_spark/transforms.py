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

# Every contract field is read as a string: Spark renders a non-string token as its JSON text, which lets the
# checks below tell 12 from 12.5 instead of from_json nulling the whole record on a type error.
_CORRUPT = "_corrupt"
EVENT_SCHEMA = T.StructType(
    [T.StructField(name, T.StringType()) for name in (*C.REQUIRED_STRING_FIELDS, *C.OPTIONAL_FIELDS)]
)
PARSE_SCHEMA = T.StructType([*EVENT_SCHEMA.fields, T.StructField(_CORRUPT, T.StringType())])
# from_json stops after the first JSON value, so `{..} x` or `{..}{..}` would pass as one object. Lines that do
# not end with `}` or that hold `}{` / `},{` (which a valid event only has inside an array of objects) are parsed
# again wrapped in [ ]: there trailing text is a syntax error and `{..},{..}` gives two elements. Other lines
# skip that second, costlier parse.
_STRICT_SCHEMA = T.ArrayType(EVENT_SCHEMA)
_NEEDS_STRICT_PATTERN = r"\}\s*,?\s*\{"
# Strict JSON (RFC 8259): Spark's reader is lenient by default (single quotes, NaN, control characters).
JSON_OPTIONS = {
    "columnNameOfCorruptRecord": _CORRUPT,
    "allowSingleQuotes": "false",
    "allowNonNumericNumbers": "false",
    "allowUnquotedControlChars": "false",
    "allowNumericLeadingZeros": "false",
    "allowBackslashEscapingAnyCharacter": "false",
}

# Keys whose value token has the wrong JSON type, found in one pass over the raw line: a string field whose
# value is not a string (null included), or watchSeconds whose value is not a number. Only the string fields
# whose rule a number's text could pass (userId, contentId, region, device) need it; the UUID, enum and instant
# rules already reject any non-string. A lookahead checks the value so group 1 is the bare key for both cases.
# An unescaped quote cannot occur inside a JSON string and a string followed by ':' is always a key, so this
# only matches keys. Known limits: a nested unknown object reusing one of these keys, or a key given twice.
_TYPED_KEYS = ("userId", "contentId", "region", "device")
_WRONG_TYPE_PATTERN = r'"(?=(?:' + "|".join(_TYPED_KEYS) + r')"\s*:\s*[^"\s]|watchSeconds"\s*:\s*[^\s0-9-])([A-Za-z]+)"'
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


def parse_and_validate(raw: DataFrame, day: str) -> DataFrame:
    """Parses each `value` line and names the first broken contract rule in `reason` (null when valid).

    Keeps `value` and the lineage columns and adds the contract fields as parsed (`eventId`, ...), `occurredAtTs`
    (timestamp) and `watchSecondsInt` (int or null). The checks and their precedence are the contract's, in
    field order (the golden fixtures' generator is the reference). A valid record of another day than `day` is
    `partition_mismatch`: Firehose partitions by occurredAt, so one here means a misplaced file; counting it in
    `day` would be wrong and dropping it silently would lose it.
    """
    value = F.col("value")
    trimmed = F.trim(value)
    parsed = F.from_json(value, PARSE_SCHEMA, JSON_OPTIONS)
    df = raw.withColumn("_j", parsed)
    df = df.select("*", *[F.col("_j")[f.name].alias(f.name) for f in PARSE_SCHEMA.fields]).drop("_j")
    strict = F.from_json(F.concat(F.lit("["), value, F.lit("]")), _STRICT_SCHEMA, JSON_OPTIONS)

    # Computed once per row as columns: the CASE below would otherwise re-evaluate them in several branches.
    df = (
        df.withColumn("_wrong", F.regexp_extract_all(value, F.lit(_WRONG_TYPE_PATTERN), 1))
        .withColumn(
            "occurredAtTs",
            # Only well-formed text is parsed: Spark's default timeParserPolicy raises on text that its legacy
            # parser would have read (e.g. "+00:00"), and the format rule has its own reason anyway.
            F.when(
                F.col("occurredAt").rlike(C.OCCURRED_AT_PATTERN),
                F.try_to_timestamp(F.col("occurredAt"), F.lit(C.OCCURRED_AT_FORMAT)),
            ),
        )
        .withColumn(
            "watchSecondsInt",
            F.when(F.col("watchSeconds").rlike(_INTEGER_PATTERN), F.col("watchSeconds").cast("int")),
        )
    )
    corrupt = F.col(_CORRUPT).isNotNull()
    wrong_type = F.col("_wrong")
    ts = F.col("occurredAtTs")
    ws = F.col("watchSeconds")
    ws_int = F.col("watchSecondsInt")

    def typed(field: str, rule: Column) -> Column:
        return _fails(rule) | F.array_contains(wrong_type, field)

    rules: list[tuple[Column, str]] = [
        # A line that is not UTF-8 decodes with replacement characters, so its re-encoding differs from its bytes.
        (F.encode(value, "UTF-8") != value.cast("binary"), REASON_INVALID_UTF8),
        # Unparseable: a lone JSON scalar or array is valid JSON but not an object; anything else is not JSON.
        (
            corrupt & (trimmed.rlike(_JSON_SCALAR_PATTERN) | F.json_array_length(trimmed).isNotNull()),
            REASON_NOT_AN_OBJECT,
        ),
        (corrupt, REASON_INVALID_JSON),
        (
            (~trimmed.endswith("}") | trimmed.rlike(_NEEDS_STRICT_PATTERN))
            & F.coalesce(F.size(strict) != 1, F.lit(True)),
            REASON_INVALID_JSON,
        ),
        (_fails(F.col("eventId").rlike(C.EVENT_ID_PATTERN)), schema_reason("eventId")),
        (_fails(F.col("type").isin(*C.EVENT_TYPES)), schema_reason("type")),
        (typed("userId", _text(F.col("userId"), C.USER_ID_MAX)), schema_reason("userId")),
        (typed("contentId", F.col("contentId").rlike(C.CONTENT_ID_PATTERN)), schema_reason("contentId")),
        (_fails(F.col("occurredAt").rlike(C.OCCURRED_AT_PATTERN)), schema_reason("occurredAt")),
        (ts.isNull(), REASON_INVALID_TIMESTAMP),
        (typed("region", _text(F.col("region"), C.REGION_MAX)), schema_reason("region")),
        (typed("device", _text(F.col("device"), C.DEVICE_MAX)), schema_reason("device")),
        (
            F.array_contains(wrong_type, "watchSeconds")
            | (ws.isNotNull() & _fails(ws_int.between(0, C.WATCH_SECONDS_MAX))),
            schema_reason("watchSeconds"),
        ),
        (ws.isNotNull() & ~F.col("type").isin(*C.WATCH_TYPES), REASON_WATCH_SECONDS_NOT_ALLOWED),
        (F.substring(F.col("occurredAt"), 1, 10) != F.lit(day), REASON_PARTITION_MISMATCH),
    ]
    reason = F.lit(None).cast("string")
    # Built from the last rule up so that the first matching rule wins (CASE WHEN evaluates lazily).
    for cond, name in reversed(rules):
        reason = F.when(cond, F.lit(name)).otherwise(reason)
    return df.withColumn("reason", reason).drop(_CORRUPT, "_wrong")


def quarantine(validated: DataFrame) -> DataFrame:
    """The malformed rows: reason, the raw line and the file it came from."""
    return validated.where(F.col("reason").isNotNull()).select(
        "reason", F.col("value").alias("raw"), F.col(SRC_FILE).alias("source_file")
    )


def deduplicate(validated: DataFrame) -> DataFrame:
    """Valid rows only, one per eventId: the first written (smallest source file, then line position)."""
    first = Window.partitionBy("eventId").orderBy(F.col(SRC_FILE), F.col(SRC_POS))
    return (
        validated.where(F.col("reason").isNull())
        .withColumn("_rank", F.row_number().over(first))
        .where(F.col("_rank") == 1)
        .drop("_rank")
    )


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
