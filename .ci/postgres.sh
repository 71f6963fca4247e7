#!/usr/bin/env bash
# A throwaway PostgreSQL for the tests: `source .ci/postgres.sh start` initialises a
# server in a temp dir on a free port (as the `postgres` user when run as root: initdb
# refuses root), exports KITH_TEST_PG_DSN and PG_TEST_DIR; `.ci/postgres.sh stop DIR`
# stops it and removes the dir. Durability is off (fsync, synchronous_commit): test data
# is thrown away, and commits become cheap. Installs the Debian packages if missing.
set -euo pipefail

pg_bindir() {
    if command -v pg_config >/dev/null 2>&1 && [ -x "$(pg_config --bindir)/initdb" ]; then
        pg_config --bindir
        return
    fi
    local found
    found=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
    [ -n "$found" ] && echo "$found"
}

as_pg() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_start() {
    local bin dir port
    bin=$(pg_bindir || true)
    if [ -z "$bin" ]; then
        echo "== installing PostgreSQL (Debian packages)"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
        bin=$(pg_bindir)
    fi
    dir=$(mktemp -d /tmp/kith-pg.XXXXXX)
    chmod 0755 "$dir"
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$dir"
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    as_pg "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 \
        --no-sync >/dev/null
    as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w -o \
        "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
        start >/dev/null
    as_pg "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres kith_test
    export PG_TEST_DIR="$dir" PG_TEST_BIN="$bin"
    export KITH_TEST_PG_DSN="postgresql://postgres@127.0.0.1:$port/kith_test"
    echo "== PostgreSQL at $KITH_TEST_PG_DSN ($dir)"
}

pg_stop() {
    local dir=${1:-${PG_TEST_DIR:-}} bin
    [ -n "$dir" ] && [ -d "$dir/data" ] || return 0
    bin=${PG_TEST_BIN:-$(pg_bindir)}
    as_pg "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$dir"
}

case "${1:-}" in
    start) pg_start ;;
    stop) pg_stop "${2:-}" ;;
    *)
        # Run a command with a server up: .ci/postgres.sh run pytest tests/store
        if [ "${1:-}" = run ]; then shift; fi
        pg_start
        trap 'pg_stop "$PG_TEST_DIR"' EXIT
        "$@"
        ;;
esac
