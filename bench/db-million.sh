#!/usr/bin/env bash
# The database side for a big organization: loads 1,000,000 media rows (and their variants)
# for one organization into a stack's MariaDB with LOAD DATA, then times every list query the
# service runs (MediaStore.list: each sort and order, a deep page, search, type prefix, the
# COUNT(*) for `total`, the variants of a page) with EXPLAIN, first with the stack's 128 MB
# buffer pool, then with 1 GB, and GET /api/v1/media/list through nginx for the same cases.
#
#   bench/db-million.sh              fresh stack in bench/work/db-stack (ports 26543..), loads, times, stops
#   BENCH_DB_ROWS=200000 bench/db-million.sh
# The API answers a list whose queries outlive DB_QUERY_TIMEOUT_SECONDS (10 s) with 503: the
# table shows it.
#   MEDIA_BIN_OVERRIDE=DIR           binaries from DIR instead of building
# Results: bench/work/db-results/<time>/ and the table printed last.
set -euo pipefail
# shellcheck source=../scripts/lib/stack.sh
. "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib/stack.sh"
cd "$STACK_REPO_DIR"

work=$STACK_REPO_DIR/bench/work
base=${BENCH_DB_BASE_PORT:-26543}
rows=${BENCH_DB_ROWS:-1000000}
results=$work/db-results/$(date -u +%Y%m%dT%H%M%SZ)
slug=bigorg
stack_started=no

stack_install_missing no
if [[ -n ${MEDIA_BIN_OVERRIDE:-} ]]; then
  bin=$(cd "$MEDIA_BIN_OVERRIDE" && pwd)
else
  swift build -c release >&2
  bin=$(swift build -c release --show-bin-path)
fi

stack_configure "$work/db-stack" "$base" bench "$bin"
stack_ports_free || stack_die "a port in $base..$((base + STACK_PORT_SPAN - 1)) is in use (set BENCH_DB_BASE_PORT)"
rm -rf "$work/db-stack"
mkdir -p "$results"
ln -sfn "$results" "$work/db-results/latest"

finish() {
  local rc=$?
  trap - EXIT INT TERM
  set +e
  [[ $stack_started == yes ]] && stack_stop_all
  exit "$rc"
}
trap finish EXIT
trap 'exit 130' INT TERM

stack_started=yes
stack_start_all
stack_mediactl org create "$slug" --name "Big organization" --if-not-exists >&2
key=$(stack_mediactl key create --org "$slug" --name bench | sed '/^[[:space:]]*$/d' | tail -n1 | tr -d '[:space:]')
org_id=$(stack_db_admin -N -B media -e "SELECT id FROM organizations WHERE slug = '$slug'")
export BENCH_ORG_ID=$org_id BENCH_ORG_KEY=$key

# The generated files do not depend on the organization's id (set while loading): made once.
if [[ "$(cat "$work/db/rows" 2>/dev/null)" != "$rows" ]]; then
  stack_log "generating $rows media rows for $slug"
  rm -f "$work/db/rows"
  python3 bench/lib/db_million.py generate "$work/db" "-" "$slug" "$rows"
  echo "$rows" >"$work/db/rows"
fi
stack_log "LOAD DATA (unique and foreign-key checks off for the load only)"
start=$SECONDS
stack_db_admin --local-infile=1 media <<SQL
SET unique_checks = 0, foreign_key_checks = 0, sql_log_bin = 0;
LOAD DATA LOCAL INFILE '$work/db/media.tsv' INTO TABLE media
  (id, @organization, bucket, object_key, version, filename, mime_type, size, width, height, checksum,
   alt, caption, description, is_private, status, created_at, updated_at, deleting_at)
  SET organization_id = '$org_id';
LOAD DATA LOCAL INFILE '$work/db/variants.tsv' INTO TABLE media_variants
  (media_id, name, object_key, mime_type, size, width, height, created_at);
SET unique_checks = 1, foreign_key_checks = 1;
ANALYZE TABLE media, media_variants;
SQL
seconds=$((SECONDS - start))
stack_db_admin -N -B media -e "
  SELECT JSON_OBJECT('rows', (SELECT COUNT(*) FROM media), 'variantRows', (SELECT COUNT(*) FROM media_variants),
    'seconds', $seconds,
    'sizeMB', (SELECT ROUND(SUM(data_length + index_length) / 1048576) FROM information_schema.tables
               WHERE table_schema = 'media' AND table_name IN ('media', 'media_variants')))" >"$results/load.json"
stack_log "loaded in ${seconds}s: $(cat "$results/load.json")"

printf 'before: %s\n' "$(uptime)" >"$results/uptime.txt"
BENCH_LABEL=sql-buffer-pool-128M stack_with_env python3 bench/lib/db_million.py sql "$results"
stack_with_env python3 bench/lib/db_million.py api "$results"
stack_db_admin -e "SET GLOBAL innodb_buffer_pool_size = 1073741824"
sleep 2
# Warm the larger pool (one pass over every case), then time.
BENCH_LABEL=sql-warm stack_with_env python3 bench/lib/db_million.py sql "$results" 2>/dev/null
BENCH_LABEL=sql-buffer-pool-1G stack_with_env python3 bench/lib/db_million.py sql "$results"
printf 'after: %s\n' "$(uptime)" >>"$results/uptime.txt"

{
  echo "Command: bench/db-million.sh   (BENCH_DB_ROWS=$rows)"
  echo
  cat "$results/uptime.txt"
  echo
  python3 bench/lib/db_million.py report "$results"
} >"$results/table.md"
cat "$results/table.md"
