"""dlt, the ingestion benchmark's peer: one load of files or of a PostgreSQL table into Parquet
files on local disk, with dlt's fastest path for each (run by the Python of .deps/dlt-venv, which
`scripts/setup.sh --bench` installs; bench/ingest_cases.py calls it).

  files:    the filesystem source, CSV read by DuckDB into Arrow tables (`read_csv_duckdb`,
            use_pyarrow), NDJSON by dlt's line reader (`read_jsonl`, its only one for JSON lines)
  postgres: `sql_table` with the connectorx backend (Arrow tables straight from the server)
Both go to the filesystem destination with Parquet files (dlt's counterpart of a bronze table).
Prints the rows loaded."""
import argparse
import pathlib
import sys

import dlt
from dlt.sources.filesystem import filesystem, read_csv_duckdb, read_jsonl
from dlt.sources.sql_database import sql_table


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("kind", choices=["csv", "ndjson", "postgres"])
    parser.add_argument("--data", help="directory of the files")
    parser.add_argument("--url", help="postgresql:// URL")
    parser.add_argument("--table", default="t")
    parser.add_argument("--out", required=True)
    parser.add_argument("--work", required=True)
    args = parser.parse_args()

    pipeline = dlt.pipeline(
        pipeline_name="bench",
        pipelines_dir=args.work,
        destination=dlt.destinations.filesystem(bucket_url=pathlib.Path(args.out).as_uri()),
        dataset_name="bronze")
    if args.kind == "postgres":
        resource = sql_table(credentials=args.url, table=args.table, schema="public",
                             backend="connectorx", reflection_level="minimal")
    else:
        glob = "*.csv" if args.kind == "csv" else "*.ndjson"
        files = filesystem(bucket_url=pathlib.Path(args.data).as_uri(), file_glob=glob)
        reader = (read_csv_duckdb(chunk_size=500_000, use_pyarrow=True) if args.kind == "csv"
                  else read_jsonl(chunksize=10_000))
        resource = (files | reader).with_name(args.table)
    info = pipeline.run(resource, loader_file_format="parquet")
    info.raise_on_failed_jobs()
    rows = pipeline.last_trace.last_normalize_info.row_counts.get(args.table, 0)
    print(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
