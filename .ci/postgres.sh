#!/usr/bin/env bash
# .ci/postgres.sh DB — makes sure a local PostgreSQL serves database DB
# (Debian's `postgresql`, installed when missing; needs root), with a
# `leadscore` superuser role, and prints its URL. Used by .ci/run (tests)
# and benches/all.sh (the store benchmark).
set -euo pipefail
DB=${1:?usage: .ci/postgres.sh DATABASE}
if ! command -v pg_ctlcluster >/dev/null || [ -z "$(ls /usr/lib/postgresql 2>/dev/null)" ]; then
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
PG_VERSION="$(ls /usr/lib/postgresql | sort -n | tail -1)"
if ! pg_lsclusters -h | grep -q "^$PG_VERSION main"; then
    pg_createcluster "$PG_VERSION" main >&2
fi
pg_ctlcluster "$PG_VERSION" main start >&2 2>/dev/null || pg_ctlcluster "$PG_VERSION" main status >/dev/null
PG_PORT="$(pg_lsclusters -h | awk -v v="$PG_VERSION" '$1 == v && $2 == "main" {print $3}')"
su postgres -c "psql -p $PG_PORT -v ON_ERROR_STOP=1 -qc \"DO \\\$\\\$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'leadscore') THEN CREATE ROLE leadscore LOGIN SUPERUSER PASSWORD 'leadscore'; END IF; END \\\$\\\$\"" >&2
su postgres -c "psql -p $PG_PORT -tAc \"SELECT 1 FROM pg_database WHERE datname = '$DB'\"" | grep -q 1 \
    || su postgres -c "createdb -p $PG_PORT -O leadscore $DB" >&2
echo "postgres://leadscore:leadscore@127.0.0.1:$PG_PORT/$DB"
