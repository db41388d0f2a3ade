#!/usr/bin/env bash
# A throwaway PostgreSQL server for the registry tests: Debian's package, a fresh cluster in a
# temporary directory, reachable only through a Unix socket in that directory, removed by `stop`.
#
#   eval "$(bash scripts/pg-test-cluster.sh start)"   # installs postgresql if missing; exports
#                                                     # NBPROMOTE_TEST_POSTGRES (a DSN) and PGTEST_DIR
#   bash scripts/pg-test-cluster.sh stop "$PGTEST_DIR"
#
# initdb and postgres refuse to run as root, so as root they run as the `postgres` user (runuser).
set -euo pipefail

find_bin() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
  [ -n "$dir" ] && [ -x "$dir/initdb" ] && echo "$dir"
}

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "${1:-}" in
start)
  bin=$(find_bin || true)
  if [ -z "$bin" ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      echo "installing postgresql (Debian package)…" >&2
      apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
      bin=$(find_bin || true)
    fi
  fi
  if [ -z "$bin" ]; then
    echo "echo 'PostgreSQL is not installed and cannot be installed here: PostgreSQL registry tests will skip' >&2"
    exit 0
  fi
  dir=$(mktemp -d /tmp/nbpromote-pg.XXXXXX)
  chmod 755 "$dir"
  [ "$(id -u)" = 0 ] && chown postgres "$dir"
  as_owner "$bin/initdb" -D "$dir/data" -U postgres -A trust --no-sync >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; exit 1; }
  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-c listen_addresses='' -k $dir -p 54329 -c fsync=off -c max_connections=60" start >&2 \
    || { cat "$dir/server.log" >&2; exit 1; }
  as_owner "$bin/createdb" -h "$dir" -p 54329 -U postgres nbpromote_test
  echo "export PGTEST_DIR=$dir"
  echo "export NBPROMOTE_TEST_POSTGRES='postgresql://postgres@/nbpromote_test?host=$dir&port=54329'"
  ;;
stop)
  dir=${2:?usage: stop DIR}
  bin=$(find_bin || true)
  if [ -n "$bin" ] && [ -d "$dir/data" ]; then
    as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
  ;;
*)
  echo "usage: $0 start | stop DIR" >&2
  exit 2
  ;;
esac
