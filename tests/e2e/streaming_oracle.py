#!/usr/bin/env python3
"""Independent oracle for the "streaming" example: the six answers, from the raw files alone.

Uses the Python standard library only (csv, json, datetime, statistics), none of strata's code
and no SQL engine, and applies the platform's rules as they are specified:

* rejection -- a CSV record whose field count differs from the header's, or whose typed field
  (movies.duration_mins/size_mb INTEGER, streams.size_mb DOUBLE) is non-empty and not a number, is
  rejected; an NDJSON line that does not parse as a JSON object is rejected. Empty CSV fields are
  NULL.
* dedup -- streams are deduplicated on their exact (parsed) record; movies too.
* semantics -- timestamps are real instants (the written UTC offset is honoured); titles, book
  names and author names are matched case-insensitively; the sentinel movie titled "end" that
  closes the vendor's movie lists is not a movie; a movie is "based on a book" when it appears in a
  review's movie list next to at least one book.

    compute(data_dir) -> {"answers": {model: {column: value}}, "rejected": {...},
                          "rejected_total": {"internal": n, "vendor": n}, "rows": {...}}
    python3 streaming_oracle.py DATA_DIR    # prints that as JSON
"""

import csv
import json
import math
import re
import statistics
import sys
from datetime import datetime, timezone
from pathlib import Path

INTERNAL_TABLES = {
    "movies": (("title", "str"), ("duration_mins", "int"), ("original_language", "str"),
               ("size_mb", "int")),
    "users": (("first_name", "str"), ("last_name", "str"), ("email", "str")),
    "streams": (("movie_title", "str"), ("user_email", "str"), ("size_mb", "double"),
                ("start_at", "str"), ("end_at", "str")),
}
VENDOR_TABLES = ("authors", "books", "reviews")

_INTEGER = re.compile(r"[+-]?[0-9]+")
_DOUBLE = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?")

OUTAGE_START = datetime(2021, 12, 25, 7, 0, tzinfo=timezone.utc)
OUTAGE_END = datetime(2021, 12, 25, 12, 0, tzinfo=timezone.utc)
LAST_WEEK_START = datetime(2021, 12, 25, 0, 0, tzinfo=timezone.utc)
SENTINEL_MOVIE = "end"


def _files(data_dir, side, table, suffix):
    return sorted((Path(data_dir) / side / table).glob("*" + suffix))


def _convert(value, kind):
    """Returns (ok, value) for one CSV field."""
    if value == "":
        return True, None
    if kind == "int":
        return (True, int(value)) if _INTEGER.fullmatch(value) else (False, None)
    if kind == "double":
        return (True, float(value)) if _DOUBLE.fullmatch(value) else (False, None)
    return True, value


def read_csv_table(paths, spec):
    """Parses CSV files (header + RFC 4180 records). Returns (rows as tuples, rejected count)."""
    names = [name for name, _ in spec]
    rows, rejected = [], 0
    for path in paths:
        with open(path, newline="", encoding="utf-8") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            if header != names:
                raise ValueError(f"{path}: header {header!r}, expected {names!r}")
            for record in reader:
                if len(record) != len(spec):
                    rejected += 1
                    continue
                values = []
                for value, (_, kind) in zip(record, spec):
                    ok, converted = _convert(value, kind)
                    if not ok:
                        break
                    values.append(converted)
                if len(values) == len(spec):
                    rows.append(tuple(values))
                else:
                    rejected += 1
    return rows, rejected


def read_ndjson_table(paths):
    """Parses NDJSON files, one object a line. Returns (objects, rejected count)."""
    objects, rejected = [], 0
    for path in paths:
        with open(path, encoding="utf-8", newline="\n") as handle:
            for line in handle:
                line = line.rstrip("\r\n")
                if not line.strip():
                    continue
                try:
                    value = json.loads(line)
                except ValueError:
                    rejected += 1
                    continue
                if isinstance(value, dict):
                    objects.append(value)
                else:
                    rejected += 1
    return objects, rejected


def _lower(value):
    return value.lower() if isinstance(value, str) else None


def _get(obj, *keys):
    for key in keys:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


def _instant(text):
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:  # the session time zone is UTC
        value = value.replace(tzinfo=timezone.utc)
    return value


def compute(data_dir):
    data_dir = Path(data_dir)
    internal, rejected_internal = {}, {}
    for table, spec in INTERNAL_TABLES.items():
        internal[table], rejected_internal[table] = read_csv_table(
            _files(data_dir, "internal", table, ".csv"), spec)
    vendor, rejected_vendor = {}, {}
    for table in VENDOR_TABLES:
        vendor[table], rejected_vendor[table] = read_ndjson_table(
            _files(data_dir, "vendor", table, ".ndjson"))

    # Deduplicated streams, with instants.
    streams = []
    for title, email, size_mb, start_at, end_at in set(internal["streams"]):
        start, end = _instant(start_at), _instant(end_at)
        streams.append({"key": _lower(title), "email": email, "size_mb": size_mb,
                        "start": start, "end": end,
                        "seconds": (end - start).total_seconds()})

    # Review pairs (book key, movie key), sentinel removed.
    pairs = set()
    for review in vendor["reviews"]:
        books = review.get("books") or []
        movies = review.get("movies") or []
        for book in books:
            book_key = _lower(_get(book, "metadata", "title"))
            for movie in movies:
                movie_key = _lower(_get(movie, "title"))
                if movie_key is None or movie_key == SENTINEL_MOVIE:
                    continue
                pairs.add((book_key, movie_key))

    streamed = {s["key"] for s in streams if s["key"] is not None}
    based_on_books = {movie for _, movie in pairs}

    # 1. Share of streamed movies based on books.
    total = len(streamed)
    based = len(streamed & based_on_books)
    q1 = {"total_streamed_movies": total, "streamed_movies_based_on_books": based,
          "pct_based_on_books": based / total if total else None}

    # 2. Users streaming Unforgiven during the outage (sessions overlapping the window).
    q2 = {"users_affected": len({
        s["email"] for s in streams
        if s["key"] == "unforgiven" and s["email"] is not None
        and s["start"] <= OUTAGE_END and s["end"] >= OUTAGE_START})}

    # 3. Streamed movies based on books by Singaporean authors.
    singaporean_authors = set()
    for author in vendor["authors"]:
        name = _lower(_get(author, "metadata", "name"))
        for nationality in author.get("nationalities") or []:
            if name is not None and _get(nationality, "slug") == "singaporeans":
                singaporean_authors.add(name)
    singaporean_books = {
        _lower(book.get("name")) for book in vendor["books"]
        if book.get("name") is not None and _lower(book.get("author")) in singaporean_authors}
    q3 = {"movies": len({movie for book, movie in pairs
                         if book in singaporean_books and movie in streamed})}

    # 4. Average streaming duration, minutes.
    minutes = [s["seconds"] / 60 for s in streams]
    q4 = {"avg_minutes": math.fsum(minutes) / len(minutes) if minutes else None}

    # 5. Median streaming size, GB (1 GB = 1000 MB), not rounded.
    sizes = [s["size_mb"] for s in streams if s["size_mb"] is not None]
    q5 = {"median_gb": statistics.median(sizes) / 1000 if sizes else None}

    # 6. Users who watched at least half of a movie in the last week (from Dec 25, 00:00 UTC).
    durations = {}
    for title, duration_mins, _, _ in set(internal["movies"]):
        if title is not None:
            durations.setdefault(title.lower(), set()).add(duration_mins)
    users = set()
    for s in streams:
        if s["start"] < LAST_WEEK_START or s["email"] is None:
            continue
        for duration_mins in durations.get(s["key"], ()):
            # minutes watched >= duration_mins / 2, compared exactly in seconds
            if duration_mins is not None and s["seconds"] >= duration_mins * 30:
                users.add(s["email"])
    q6 = {"users": len(users)}

    rejected = {"internal": rejected_internal, "vendor": rejected_vendor}
    return {
        "answers": {
            "q1_movies_based_on_books": q1,
            "q2_users_affected": q2,
            "q3_singaporean_book_movies": q3,
            "q4_avg_streaming_duration": q4,
            "q5_median_streaming_size": q5,
            "q6_users_watched_half": q6,
        },
        "rejected": rejected,
        "rejected_total": {side: sum(counts.values()) for side, counts in rejected.items()},
        "rows": {
            "internal": {table: len(rows) for table, rows in internal.items()},
            "vendor": {table: len(rows) for table, rows in vendor.items()},
            "streams_deduplicated": len(streams),
        },
    }


def main(argv):
    if len(argv) != 2:
        print(f"usage: {argv[0]} DATA_DIR  (the directory holding internal/ and vendor/)",
              file=sys.stderr)
        return 2
    print(json.dumps(compute(argv[1]), indent=2, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
