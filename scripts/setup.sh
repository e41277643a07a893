#!/usr/bin/env bash
# Installs everything strata needs to build, run and test, from the package registries only.
# Idempotent: each step checks what is already there and does nothing when it is.
#   scripts/setup.sh            build + run dependencies
#   scripts/setup.sh --test     also the test dependencies (Python packages used as oracles)
#   scripts/setup.sh --bench    also the benchmark peers
#   scripts/setup.sh --fuzz     also clang and its libFuzzer runtime (make fuzz)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DUCKDB_VERSION="$(cat "$ROOT/DUCKDB_VERSION")"
DEPS="$ROOT/.deps"
DUCKDB_DIR="$DEPS/duckdb-$DUCKDB_VERSION"
WANT_TEST=0
WANT_BENCH=0
WANT_FUZZ=0
for arg in "$@"; do
  case "$arg" in
    --test) WANT_TEST=1 ;;
    --bench) WANT_TEST=1; WANT_BENCH=1 ;;
    --fuzz) WANT_FUZZ=1 ;;
    *) echo "setup.sh: unknown option '$arg'" >&2; exit 2 ;;
  esac
done

say() { printf '[setup] %s\n' "$*"; }

# --- Debian packages -------------------------------------------------------
DEBIAN_PACKAGES=(build-essential cmake ninja-build pkg-config
  libyaml-cpp-dev nlohmann-json3-dev libcli11-dev libsqlite3-dev libcpp-httplib-dev
  libgtest-dev libgmock-dev libssl-dev zlib1g-dev clang-format unzip ca-certificates tzdata)
# Real servers the tests run against (started by the test harness, never as a system service).
TEST_DEBIAN_PACKAGES=(postgresql mariadb-server)
# The JDBC client test compiles a Java program; Maven fetches the driver.
TEST_DEBIAN_PACKAGES+=(openjdk-17-jdk-headless maven)
if ((WANT_TEST)); then DEBIAN_PACKAGES+=("${TEST_DEBIAN_PACKAGES[@]}"); fi
# The fuzz targets (fuzz/Makefile) build with clang's libFuzzer, ASan and UBSan runtimes.
if ((WANT_FUZZ)); then DEBIAN_PACKAGES+=(clang-14 libclang-rt-14-dev); fi
missing=()
for p in "${DEBIAN_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  say "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
for tool in node npm python3; do
  command -v "$tool" >/dev/null || { say "installing $tool"; apt-get update -qq; apt-get install -y -qq nodejs npm python3 python3-pip >/dev/null; }
done

# --- DuckDB: library (npm), header (npm), extensions (PyPI), one version ----
EXTENSIONS=(httpfs iceberg avro postgres mysql)
# The marker records which extensions were fetched, so adding one to the list fetches again.
if [[ "$(cat "$DUCKDB_DIR/.complete" 2>/dev/null)" != "${EXTENSIONS[*]}" ]]; then
  say "fetching DuckDB $DUCKDB_VERSION (library, header, extensions)"
  rm -rf "$DUCKDB_DIR" && mkdir -p "$DUCKDB_DIR"/{lib,include,tmp}
  (cd "$DUCKDB_DIR/tmp" &&
    npm pack --silent "duckdb@$DUCKDB_VERSION" "@duckdb/node-bindings-linux-x64@$DUCKDB_VERSION-r.1" >/dev/null)
  tar -xzf "$DUCKDB_DIR"/tmp/duckdb-node-bindings-linux-x64-*.tgz -C "$DUCKDB_DIR/tmp" package/libduckdb.so
  mv "$DUCKDB_DIR/tmp/package/libduckdb.so" "$DUCKDB_DIR/lib/"
  tar -xzf "$DUCKDB_DIR/tmp/duckdb-$DUCKDB_VERSION.tgz" -C "$DUCKDB_DIR/tmp" package/src/duckdb/src/include/duckdb.h
  mv "$DUCKDB_DIR/tmp/package/src/duckdb/src/include/duckdb.h" "$DUCKDB_DIR/include/"
  ext_dir="$DUCKDB_DIR/extensions/v$DUCKDB_VERSION/linux_amd64"
  mkdir -p "$ext_dir"
  wheels=()
  for e in "${EXTENSIONS[@]}"; do wheels+=("duckdb-extension-$e==$DUCKDB_VERSION"); done
  python3 -m pip download --quiet --no-deps -d "$DUCKDB_DIR/tmp/wheels" "${wheels[@]}"
  for w in "$DUCKDB_DIR"/tmp/wheels/*.whl; do
    unzip -q -o -j "$w" '*.duckdb_extension' -d "$ext_dir"
  done
  # DuckDB loads the postgres and mysql extensions under their canonical names.
  for e in postgres mysql; do
    if [[ -f "$ext_dir/$e.duckdb_extension" ]]; then
      mv "$ext_dir/$e.duckdb_extension" "$ext_dir/${e}_scanner.duckdb_extension"
    fi
  done
  rm -rf "$DUCKDB_DIR/tmp"
  echo "${EXTENSIONS[*]}" >"$DUCKDB_DIR/.complete"
fi

# --- Python packages: test oracles and benchmark peers ----------------------
pip_need() { # pip_need NAME==VERSION...: installs those not already at that version
  local todo=()
  for spec in "$@"; do
    local name="${spec%%==*}" ver="${spec#*==}"
    name="${name%%\[*}"  # without extras: moto[server] is shown as moto
    [[ "$(python3 -m pip show "$name" 2>/dev/null | awk '/^Version:/{print $2}')" == "$ver" ]] || todo+=("$spec")
  done
  if ((${#todo[@]})); then
    say "installing Python packages: ${todo[*]}"
    python3 -m pip install --quiet --disable-pip-version-check "${todo[@]}"
  fi
}
if ((WANT_TEST)); then
  pip_need "duckdb==$DUCKDB_VERSION" "pytest==8.3.3" "psycopg==3.3.9" "psycopg-binary==3.3.9" \
    "pyiceberg==0.11.1" "pyarrow==21.0.0" "pyiceberg-core==0.8.0" \
    "moto[server]==5.2.5" "boto3==1.44.5" "pymysql==1.2.4" \
    "dbt-core==1.10.15" "dbt-duckdb==1.10.0" "openapi-spec-validator==0.9.0"
# pyiceberg/pyarrow: independent Iceberg readers (pyiceberg-core: its bucket transform for writes); moto/boto3: an S3 API server and its client;
# pymysql: a MariaDB client; dbt-core + dbt-duckdb: the oracle that runs the dbt test projects;
# openapi-spec-validator checks the HTTP API's OpenAPI document.
  # SQLAlchemy's PostgreSQL dialect reflects strata's catalog the way Superset does on connect.
  pip_need "sqlalchemy==2.0.44"
  # The PostgreSQL JDBC driver, for the Java client test (tests/e2e/jdbc).
  PGJDBC_VERSION=42.7.14
  if [[ ! -f "$DEPS/jdbc/postgresql-$PGJDBC_VERSION.jar" ]]; then
    say "fetching the PostgreSQL JDBC driver $PGJDBC_VERSION"
    mkdir -p "$DEPS/jdbc"
    mvn -q dependency:copy -Dartifact="org.postgresql:postgresql:$PGJDBC_VERSION" \
      -DoutputDirectory="$DEPS/jdbc"
  fi
fi
if ((WANT_BENCH)); then
  pip_need "duckdb==$DUCKDB_VERSION"
  # Apache Airflow, the orchestration benchmark's peer, in a virtual environment of its own: it
  # pins many packages that must not change the test tools' versions. duckdb for its tasks.
  venv_has() { # venv_has VENV NAME VERSION
    [[ "$("$1/bin/python" -m pip show "$2" 2>/dev/null | awk '/^Version:/{print $2}')" == "$3" ]]
  }
  venv_need() { # venv_need VENV NAME==VERSION...: a virtual environment with those packages
    local venv="$1" todo=0
    shift
    for spec in "$@"; do
      local name="${spec%%==*}"
      venv_has "$venv" "${name%%\[*}" "${spec#*==}" || todo=1
    done
    if ((todo)); then
      say "installing $* into $venv"
      [[ -x "$venv/bin/python" ]] || python3 -m venv "$venv"
      "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$@"
    fi
  }
  venv_need "$DEPS/airflow-venv" "apache-airflow==3.3.2" "duckdb==$DUCKDB_VERSION"
  # dlt, the ingestion benchmark's peer (bench/ingest_cases.py), with what its fastest paths use:
  # DuckDB and pyarrow for files, connectorx and SQLAlchemy (psycopg2) for PostgreSQL tables.
  venv_need "$DEPS/dlt-venv" "dlt[duckdb,filesystem,parquet,sql-database]==1.31.0" \
    "connectorx==0.4.6" "psycopg2-binary==2.9.13" "duckdb==$DUCKDB_VERSION"
fi
say "dependencies ready (DuckDB $DUCKDB_VERSION in $DUCKDB_DIR)"
