"""Generates a benchmark data set in the raw layout: gzip NDJSON under raw/events/dt=YYYY-MM-DD/hour=HH/.

Day D gets `--events` events (about 300 bytes each, like the contract's events plus a few unknown client
fields), with ~0.5% exact re-sends and ~0.05% malformed lines; the day before and after get `--other-events`
each, so reading all of raw would cost visibly more than reading dt=D. Files are written by a process pool from
pre-built templates and cached under --out keyed by the parameters, so a second run reuses them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import os
import random
import sys
from multiprocessing import Pool
from pathlib import Path

FILES_PER_HOUR = 4
VERSION = 1
TYPES = ("heartbeat",) * 12 + ("view_start", "view_end", "view_end", "like", "like", "comment", "share")
REGIONS = (
    "ap-south-1/mumbai",
    "ap-south-1/delhi",
    "ap-south-1/bengaluru",
    "eu-west-2/london",
    "ap-southeast-2/sydney",
)
DEVICES = (
    "android-phone/pixel-9",
    "ios-phone/iphone-16",
    "android-tv/samsung-q80",
    "web/chrome-131",
    "fire-tv/stick-4k",
)
NETWORKS = ("wifi", "4g", "5g", "ethernet")
TEMPLATE = (
    '{{"eventId":"{eid}","type":"{type}","userId":"user-{user:010d}","contentId":"{content}",'
    '"occurredAt":"{at}","region":"{region}","device":"{device}"{ws},'
    '"sessionId":"{sid}","appVersion":"5.{minor}.{patch}","network":"{net}"}}'
)


def _uuid(rng: random.Random) -> str:
    h = f"{rng.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:32]}"


def _content(rng: random.Random) -> str:
    # A live final dominates; a long tail of other streams and clips.
    r = rng.random()
    if r < 0.4:
        return "match-2026-ind-aus-final-live"
    return f"clip-{int(rng.paretovariate(1.2)) % 500:04d}"


def _write_file(job: tuple[str, str, int, int, int, int]) -> int:
    path, day, hour, part, count, seed = job
    rng = random.Random(seed)
    base = dt.datetime.fromisoformat(day).replace(tzinfo=dt.timezone.utc) + dt.timedelta(hours=hour)
    start_ms = part * 3_600_000 // FILES_PER_HOUR
    span_ms = 3_600_000 // FILES_PER_HOUR
    lines: list[str] = []
    for i in range(count):
        if lines and rng.random() < 0.005:
            lines.append(lines[rng.randrange(max(0, len(lines) - 2000), len(lines))])  # exact re-send
            continue
        at = base + dt.timedelta(milliseconds=start_ms + i * span_ms // count)
        etype = rng.choice(TYPES)
        ws = f',"watchSeconds":{rng.randrange(1, 61)}' if etype in ("heartbeat", "view_end") else ""
        if rng.random() < 0.0005:
            ws = ',"watchSeconds":-1'  # malformed but placeable: Firehose still partitions it
        lines.append(
            TEMPLATE.format(
                eid=_uuid(rng),
                type=etype,
                user=rng.randrange(2_000_000),
                content=_content(rng),
                at=at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z",
                region=rng.choice(REGIONS),
                device=rng.choice(DEVICES),
                ws=ws,
                sid=_uuid(rng),
                minor=rng.randrange(20),
                patch=rng.randrange(10),
                net=rng.choice(NETWORKS),
            )
        )
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    tmp = path + ".tmp"
    with gzip.open(tmp, "wt", encoding="utf-8", compresslevel=1) as out:
        out.write("\n".join(lines))
        out.write("\n")
    os.replace(tmp, path)
    return len(lines)


def generate(out: Path, day: str, events: int, other_events: int, seed: int, processes: int) -> Path:
    """Returns the folder holding raw/events; reuses it when a complete set with these parameters exists."""
    key = f"v{VERSION}-d{day}-e{events}-o{other_events}-s{seed}"
    root = out / key
    done = root / "_COMPLETE"
    if done.exists():
        return root
    d = dt.date.fromisoformat(day)
    jobs = []
    for offset, total in ((-1, other_events), (0, events), (1, other_events)):
        the_day = (d + dt.timedelta(days=offset)).isoformat()
        files = 24 * FILES_PER_HOUR
        for f in range(files):
            hour, part = divmod(f, FILES_PER_HOUR)
            count = total // files + (1 if f < total % files else 0)
            # Firehose object names start with the delivery time, so names sort in delivery order.
            name = f"streamlake-raw-1-{the_day}-{hour:02d}-{part * 15:02d}-00-{f:04d}.gz"
            path = root / "raw" / "events" / f"dt={the_day}" / f"hour={hour:02d}" / name
            jobs.append((str(path), the_day, hour, part, count, seed * 1_000_003 + offset * 10_007 + f))
    with Pool(processes) as pool:
        written = sum(pool.imap_unordered(_write_file, jobs, chunksize=2))
    done.write_text(json.dumps({"lines": written, "day": day, "events": events, "otherEvents": other_events}))
    return root


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--out", default=".local/bench-data")
    p.add_argument("--day", default="2026-11-20")
    p.add_argument("--events", type=int, default=5_000_000)
    p.add_argument("--other-events", type=int, default=500_000)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--processes", type=int, default=os.cpu_count() or 2)
    a = p.parse_args(argv)
    print(generate(Path(a.out), a.day, a.events, a.other_events, a.seed, a.processes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
