"""streamlake daily batch job: raw NDJSON -> curated Parquet, analytics tables and the DynamoDB batch view."""
