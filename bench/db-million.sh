#!/usr/bin/env bash
# The database side for a big organization: loads 1,000,000 media rows (and their variants)
# for one organization into a stack's MariaDB with LOAD DATA, builds the filename search index
# and the media counts with the service's own migration (mediactl migrate, migration 5's
# backfill), then times through the API (nginx, keep-alive HTTPS, the list-page cache off and
# the rate limit raised, so every request reaches MariaDB): list with its total, each sort,
# search with and without a match, type filters, a deep page and batch, p50/p99 of
# BENCH_DB_REQUESTS requests each; then `mediactl reconcile` over the organization with its
# peak RSS (and an empty organization's, for comparison).
#
#   bench/db-million.sh              fresh stack in bench/work/db-stack (ports 26543..), loads, times, stops
#   BENCH_DB_ROWS=200000 bench/db-million.sh
#   BENCH_DB_ORGS=10                 the rows spread over 10 organizations (bigorg1..10; 10 × 100,000),
#                                    the API timed for bigorg1: what one organization costs beside others
#   BENCH_DB_BASE_PORT=N             other ports;  BENCH_DB_WORK=DIR  data elsewhere than bench/work
#   BENCH_DB_REQUESTS=100            requests per API case
#   BENCH_DB_RECONCILE=0             skip the reconcile runs
#   BENCH_DB_REUSE=1                 keep the stack's data of the last run when it holds the same rows
#                                    (no load, no backfill: times a new build against the same data)
#   BENCH_DB_UPGRADE=1               also migration 5 as an upgrade from 4 meets it: every index row's
#                                    type cleared (as migration 4 wrote them), then `mediactl migrate`
#   BENCH_DB_SQL=1                   also the SQL timings of the LIKE-only list queries (EXPLAIN,
#                                    128 MB then 1 GB buffer pool), as measured before the index
#   MEDIA_BIN_OVERRIDE=DIR           binaries from DIR instead of building
# Results: $work/db-results/<time>/ and the table printed last.
set -euo pipefail
# shellcheck source=../scripts/lib/stack.sh
. "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib/stack.sh"
cd "$STACK_REPO_DIR"

work=${BENCH_DB_WORK:-$STACK_REPO_DIR/bench/work}
base=${BENCH_DB_BASE_PORT:-26543}
rows=${BENCH_DB_ROWS:-1000000}
orgs=${BENCH_DB_ORGS:-1}
results=$work/db-results/$(date -u +%Y%m%dT%H%M%SZ)
read -r -a slugs <<<"$(python3 bench/lib/db_million.py slugs bigorg "$orgs")"
slug=${slugs[0]}
dataset="$rows media in $orgs organizations"
stack_started=no

stack_install_missing no
if [[ -n ${MEDIA_BIN_OVERRIDE:-} ]]; then
  bin=$(cd "$MEDIA_BIN_OVERRIDE" && pwd)
else
  swift build -c release >&2
  bin=$(swift build -c release --show-bin-path)
fi

# Every list reaches MariaDB (no list-page cache), and no request meets the rate limit.
export STACK_SETTING_OVERRIDES="MEDIA_CACHE_SECONDS=0 ${STACK_SETTING_OVERRIDES:-}" STACK_RATE_LIMIT=100000r/s
stack_configure "$work/db-stack" "$base" bench "$bin"
stack_ports_free || stack_die "a port in $base..$((base + STACK_PORT_SPAN - 1)) is in use (set BENCH_DB_BASE_PORT)"
reuse=no
if [[ ${BENCH_DB_REUSE:-0} == 1 && -f $work/db-stack/loaded && "$(cat "$work/db-stack/loaded")" == "$dataset" ]]; then
  reuse=yes
else
  rm -rf "$work/db-stack"
fi
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
for each in "${slugs[@]}"; do
  stack_mediactl org create "$each" --name "Big organization $each" --if-not-exists >&2
done
key=$(stack_mediactl key create --org "$slug" --name bench | sed '/^[[:space:]]*$/d' | tail -n1 | tr -d '[:space:]')
org_id=$(stack_db_admin -N -B media -e "SELECT id FROM organizations WHERE slug = '$slug'")
# The organization column of the generated rows holds its number (0..): ELT picks its id.
org_ids=$(for each in "${slugs[@]}"; do
  printf "'%s'," "$(stack_db_admin -N -B media -e "SELECT id FROM organizations WHERE slug = '$each'")"; done)
export BENCH_ORG_ID=$org_id BENCH_ORG_KEY=$key BENCH_ORG_SLUG=$slug BENCH_DB_ORGS=$orgs BENCH_DB_DATA=$work/db

# A buffer pool that holds the media table and the filename index (5 GB at 1,000,000 media),
# as a host for a library this size would have.
stack_db_admin -e "SET GLOBAL innodb_buffer_pool_size = 6442450944"
if [[ $reuse == no ]]; then
  # The generated files do not depend on the organization's id (set while loading): made once.
  if [[ "$(cat "$work/db/rows" 2>/dev/null)" != "$dataset" ]]; then
    stack_log "generating $dataset"
    rm -f "$work/db/rows"
    python3 bench/lib/db_million.py generate "$work/db" "$orgs" bigorg "$rows"
    echo "$dataset" >"$work/db/rows"
  fi
  stack_log "LOAD DATA (unique and foreign-key checks off for the load only)"
  start=$SECONDS
  stack_db_admin --local-infile=1 media <<SQL
SET unique_checks = 0, foreign_key_checks = 0, sql_log_bin = 0;
LOAD DATA LOCAL INFILE '$work/db/media.tsv' INTO TABLE media
  (id, @organization, bucket, object_key, version, filename, mime_type, size, width, height, checksum,
   alt, caption, description, is_private, status, created_at, updated_at, deleting_at)
  SET organization_id = ELT(@organization + 1, ${org_ids%,});
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

  # The index and the counts of the loaded rows: migration 5 run again (its column exists; its
  # backfill indexes every media without the right index rows, in batches), with a larger buffer pool.
  stack_db_admin media -e "DELETE FROM schema_migrations WHERE version = 5"
  stack_log "backfilling the filename index (mediactl migrate)"
  start=$SECONDS
  stack_mediactl migrate >&2
  seconds=$((SECONDS - start))
  stack_db_admin -N -B media -e "
    SELECT JSON_OBJECT('seconds', $seconds, 'gramRows', (SELECT COUNT(*) FROM media_filename_grams),
      'sizeMB', (SELECT ROUND(SUM(data_length + index_length) / 1048576) FROM information_schema.tables
                 WHERE table_schema = 'media' AND table_name = 'media_filename_grams'))" >"$results/backfill.json"
  stack_log "backfilled in ${seconds}s: $(cat "$results/backfill.json")"
  stack_db_admin media -e "ANALYZE TABLE media_filename_grams" >/dev/null
  cp "$results/load.json" "$results/backfill.json" "$work/db-stack/"
  echo "$dataset" >"$work/db-stack/loaded"
else
  stack_log "reusing the $dataset loaded and indexed by an earlier run (BENCH_DB_REUSE=1)"
  cp "$work/db-stack/load.json" "$work/db-stack/backfill.json" "$results/"
fi
if [[ ${BENCH_DB_UPGRADE:-0} == 1 ]]; then
  stack_log "upgrade: every index row's type cleared, then migration 5 again (mediactl migrate)"
  stack_db_admin media -e "UPDATE media_filename_grams SET mime_type = ''; DELETE FROM schema_migrations WHERE version = 5"
  start=$SECONDS
  stack_mediactl migrate >&2
  seconds=$((SECONDS - start))
  stack_db_admin -N -B media -e "
    SELECT JSON_OBJECT('seconds', $seconds, 'untyped', (SELECT COUNT(*) FROM media_filename_grams WHERE mime_type = ''))" \
    >"$results/upgrade.json"
  stack_log "migration 5 over type-less rows in ${seconds}s: $(cat "$results/upgrade.json")"
fi
# Warm the pool: one pass over the tables and the index (as on a host that has been serving).
stack_db_admin -N -B media -e "SELECT COUNT(*) FROM media FORCE INDEX (PRIMARY) WHERE filename <> '';
  SELECT COUNT(*) FROM media_filename_grams FORCE INDEX (PRIMARY); SELECT COUNT(*) FROM media FORCE INDEX (media_org_created)" >/dev/null

printf 'before: %s\n' "$(uptime)" >"$results/uptime.txt"
if [[ ${BENCH_DB_SQL:-0} == 1 ]]; then
  BENCH_LABEL=sql-like-only stack_with_env python3 bench/lib/db_million.py sql "$results"
fi
stack_with_env python3 bench/lib/db_million.py api "$results"
stack_mediactl org create empty --name "Empty organization" --if-not-exists >&2
# reconcile, peak RSS: "rows" reads every row (all "young" for the grace period, so no bucket
# is listed per row: the buckets are empty); "index" checks every media's index rows and the
# organization's count.
reconcile_orgs=(empty "$slug")
[[ ${BENCH_DB_RECONCILE:-1} == 0 ]] && reconcile_orgs=()
for org in "${reconcile_orgs[@]}"; do
  for pass in rows index; do
    if [[ $pass == rows ]]; then args=(--grace-minutes 100000000); else args=(--search-index-only --grace-minutes 0); fi
    stack_with_env /usr/bin/time -f '{"org": "'"$org"'", "pass": "'"$pass"'", "maxRssKB": %M, "seconds": %e}' \
      -o "$results/reconcile-$org-$pass.json" "$STACK_BIN_DIR/mediactl" reconcile --org "$org" "${args[@]}" \
      >"$results/reconcile-$org-$pass.txt" 2>&1 || true
    stack_log "reconcile $org ($pass): $(tail -n1 "$results/reconcile-$org-$pass.txt") $(cat "$results/reconcile-$org-$pass.json")"
  done
done
printf 'after: %s\n' "$(uptime)" >>"$results/uptime.txt"

{
  echo "Command: bench/db-million.sh   (BENCH_DB_ROWS=$rows BENCH_DB_ORGS=$orgs)"
  echo
  cat "$results/uptime.txt"
  echo
  python3 bench/lib/db_million.py report "$results"
} >"$results/table.md"
cat "$results/table.md"
