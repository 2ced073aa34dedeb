"""Prints every Parquet file under a folder as JSON, read with pyarrow (not with the library that wrote it):
{relative path: {"schema": [[name, physical, logical, repetition]], "rows": [...]}}. Timestamps become ISO instants
with milliseconds (UTC), so INT96 and INT64 timestamps of the same instant print the same."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import pyarrow.parquet as pq


def cell(v: object) -> object:
    if isinstance(v, dt.datetime):
        if v.tzinfo is None:
            v = v.replace(tzinfo=dt.timezone.utc)
        u = v.astimezone(dt.timezone.utc)
        return u.strftime("%Y-%m-%dT%H:%M:%S.") + f"{u.microsecond // 1000:03d}Z"
    return v


def main(root: str) -> None:
    out = {}
    for f in sorted(Path(root).rglob("*.parquet")):
        pf = pq.ParquetFile(f)
        schema = []
        for i in range(len(pf.schema)):
            c = pf.schema.column(i)
            rep = pf.schema_arrow.field(c.name).nullable
            schema.append([c.name, c.physical_type, str(c.logical_type), "OPTIONAL" if rep else "REQUIRED"])
        rows = [{k: cell(v) for k, v in r.items()} for r in pf.read().to_pylist()]
        out[str(f.relative_to(root))] = {"schema": schema, "rows": rows}
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1])
