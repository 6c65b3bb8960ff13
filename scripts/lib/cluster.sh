# shellcheck shell=bash
# A small data centre on this one machine, for scripts/test-cluster: one network namespace per
# host, each joined by a veth link to a bridge that lives in a namespace of its own, so every
# address (10.77.0.0/24) exists only inside the namespaces and nothing leaves the machine.
#
#   client 10.77.0.2    the load generator and the checks
#   lb     10.77.0.10   HAProxy, TLS passed through to the app hosts' nginx
#   app1   10.77.0.11   nginx + media-api + media-worker, as one systemd host would run them
#   app2   10.77.0.12
#   db1-3  10.77.0.21-23  MariaDB Galera
#   redis1-3 10.77.0.31-33  Redis (redis1 the first primary) and a Sentinel on each
#   s3     10.77.0.50   SeaweedFS
#
# Sourced after stack.sh. State lives in $CLUSTER_DATA (outside the repository: MariaDB runs
# as the mysql user, and its rsync state transfer must reach the data folders).

readonly CLUSTER_PREFIX=mcl
readonly CLUSTER_NET=10.77.0
readonly CLUSTER_HOSTS="client lb app1 app2 db1 db2 db3 redis1 redis2 redis3 s3"
readonly CLUSTER_APP_PORT=27443
readonly CLUSTER_LB_PORT=443
CLUSTER_DATA=${CLUSTER_DATA:-/var/tmp/media-cluster}
# The rolling upgrade's new release: this tree plus one expand-only migration, in a copy kept
# between runs with its own build folder (a rerun compiles only what changed).
CLUSTER_NEXT_TREE=${CLUSTER_NEXT_TREE:-/var/cache/media-service-test/cluster-next}
readonly CLUSTER_NEXT_MIGRATION=9100

cluster_log() { printf '[cluster] %s\n' "$*" >&2; }

cluster_address() {
  case $1 in
    client) echo "$CLUSTER_NET.2" ;;
    lb) echo "$CLUSTER_NET.10" ;;
    app[12]) echo "$CLUSTER_NET.1${1#app}" ;;
    db[123]) echo "$CLUSTER_NET.2${1#db}" ;;
    redis[123]) echo "$CLUSTER_NET.3${1#redis}" ;;
    s3) echo "$CLUSTER_NET.50" ;;
    *) stack_die "unknown cluster host '$1'" ;;
  esac
}

cluster_ns() { echo "$CLUSTER_PREFIX-$1"; }
cluster_in() { local host=$1; shift; ip netns exec "$(cluster_ns "$host")" "$@"; }

# ---------------------------------------------------------------------------------------
# Network

# One-way delay added on every host's link (so a round trip between two hosts costs twice
# this), when the kernel has netem; CLUSTER_NETEM says what was applied.
CLUSTER_DELAY=${CLUSTER_DELAY:-0.25ms}
CLUSTER_NETEM=none

cluster_net_up() {
  local sw host veth peer
  sw=$(cluster_ns sw)
  ip netns add "$sw"
  ip -n "$sw" link set lo up
  ip -n "$sw" link add br0 type bridge
  ip -n "$sw" link set br0 up
  for host in $CLUSTER_HOSTS; do
    ip netns add "$(cluster_ns "$host")"
    veth=v-$host peer=h-$host
    ip link add "$veth" type veth peer name "$peer"
    ip link set "$veth" netns "$sw"
    ip link set "$peer" netns "$(cluster_ns "$host")"
    ip -n "$sw" link set "$veth" master br0 up
    ip -n "$(cluster_ns "$host")" link set lo up
    ip -n "$(cluster_ns "$host")" link set "$peer" name eth0
    ip -n "$(cluster_ns "$host")" addr add "$(cluster_address "$host")/24" dev eth0
    ip -n "$(cluster_ns "$host")" link set eth0 up
  done
  if cluster_in client tc qdisc add dev eth0 root netem delay "$CLUSTER_DELAY" 2>/dev/null; then
    for host in $CLUSTER_HOSTS; do
      [[ $host == client ]] && continue
      cluster_in "$host" tc qdisc add dev eth0 root netem delay "$CLUSTER_DELAY"
    done
    CLUSTER_NETEM="netem delay $CLUSTER_DELAY per link"
  else
    CLUSTER_NETEM="none (this kernel has no sch_netem: links are veth speed)"
  fi
  echo "$CLUSTER_NETEM" >"$CLUSTER_DATA/latency.txt"
  cluster_log "network up: $(wc -w <<<"$CLUSTER_HOSTS") hosts on $CLUSTER_NET.0/24; latency: $CLUSTER_NETEM"
}

# Kills whatever still runs in a namespace, then removes it (its veth goes with it).
cluster_net_down() {
  local host ns
  for host in $CLUSTER_HOSTS sw; do
    ns=$(cluster_ns "$host")
    ip netns list | grep -qw "^$ns" || continue
    ip netns pids "$ns" 2>/dev/null | xargs -r kill -KILL 2>/dev/null || true
    ip netns del "$ns" 2>/dev/null || true
  done
}

# ---------------------------------------------------------------------------------------
# Processes that are not a stack service: pid files in $CLUSTER_DATA/run

cluster_spawn() {
  local name=$1 host=$2
  shift 2
  mkdir -p "$CLUSTER_DATA/run" "$CLUSTER_DATA/logs"
  printf '\n==== %s starting %s ====\n' "$(date -u +%FT%TZ)" "$name" >>"$CLUSTER_DATA/logs/$name.log"
  ip netns exec "$(cluster_ns "$host")" setsid "$@" </dev/null >>"$CLUSTER_DATA/logs/$name.log" 2>&1 &
  echo $! >"$CLUSTER_DATA/run/$name.pid"
  disown $!
}

cluster_pid() {
  local file=$CLUSTER_DATA/run/$1.pid pid
  [[ -f $file ]] || return 1
  pid=$(<"$file")
  kill -0 "$pid" 2>/dev/null && echo "$pid"
}

# cluster_await NAME TIMEOUT WHAT COMMAND... — like stack_wait, for cluster processes.
cluster_await() {
  local name=$1 timeout=$2 what=$3
  shift 3
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    if ! cluster_pid "$name" >/dev/null; then
      cluster_log "$name exited while waiting for: $what"; tail -n 30 "$CLUSTER_DATA/logs/$name.log" >&2; return 1
    fi
    if ((SECONDS >= deadline)); then
      cluster_log "$name not ready after ${timeout}s: $what"; tail -n 30 "$CLUSTER_DATA/logs/$name.log" >&2; return 1
    fi
    sleep 0.2
  done
}

# ---------------------------------------------------------------------------------------
# MariaDB Galera: db1 bootstraps the cluster, db2 and db3 join it by an rsync state transfer.

cluster_db_dir() { echo "$CLUSTER_DATA/$1"; }

cluster_db_admin() {
  local host=$1
  shift
  mariadb --no-defaults --socket="$(cluster_db_dir "$host")/mysqld.sock" --user=root "$@"
}

# cluster_db_start HOST [new] — "new" bootstraps a cluster from this node.
cluster_db_start() {
  local host=$1 mode=${2:-join} dir address extra=()
  dir=$(cluster_db_dir "$host")
  address=$(cluster_address "$host")
  mkdir -p "$dir/data" "$dir/tmp"
  if [[ $mode == new && ! -d $dir/data/mysql ]]; then
    mariadb-install-db --no-defaults --user=mysql --datadir="$dir/data" --skip-test-db \
      --auth-root-authentication-method=socket >>"$CLUSTER_DATA/logs/$host.log" 2>&1
  fi
  chown -R mysql:mysql "$dir"
  [[ $mode == new ]] && extra=(--wsrep-new-cluster)
  cluster_spawn "$host" "$host" mariadbd --no-defaults --user=mysql --datadir="$dir/data" \
    --tmpdir="$dir/tmp" --socket="$dir/mysqld.sock" --port=3306 --bind-address="$address" \
    --pid-file="$dir/mysqld.pid" --log-error="$dir/error.log" --skip-name-resolve \
    --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci \
    --innodb-buffer-pool-size=96M --max-connections=300 \
    --binlog-format=ROW --default-storage-engine=InnoDB --innodb-autoinc-lock-mode=2 \
    --wsrep-on=ON --wsrep-provider=/usr/lib/galera/libgalera_smm.so --wsrep-cluster-name=media \
    --wsrep-cluster-address="gcomm://$CLUSTER_NET.21,$CLUSTER_NET.22,$CLUSTER_NET.23" \
    --wsrep-node-address="$address" --wsrep-node-name="$host" --wsrep-sst-method=rsync \
    --wsrep-provider-options="gcache.size=64M;evs.keepalive_period=PT0.5S;evs.suspect_timeout=PT2S;evs.inactive_timeout=PT4S;evs.install_timeout=PT4S" \
    "${extra[@]}"
}

cluster_db_synced() {
  [[ $(cluster_db_admin "$1" -N -e "SHOW STATUS LIKE 'wsrep_local_state_comment'" 2>/dev/null | awk '{print $2}') == Synced ]]
}

cluster_db_size() {
  cluster_db_admin "$1" -N -e "SHOW STATUS LIKE 'wsrep_cluster_size'" 2>/dev/null | awk '{print $2}'
}

cluster_db_await() {
  cluster_await "$1" "${2:-180}" "$1 is Synced in the Galera cluster" cluster_db_synced "$1"
}

cluster_db_provision() {
  local pw=${DB_PASSWORD//\'/\'\'}
  cluster_db_admin db1 <<SQL
CREATE DATABASE IF NOT EXISTS media CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER IF NOT EXISTS 'media'@'$CLUSTER_NET.%' IDENTIFIED BY '$pw';
ALTER USER 'media'@'$CLUSTER_NET.%' IDENTIFIED BY '$pw';
GRANT ALL PRIVILEGES ON media.* TO 'media'@'$CLUSTER_NET.%';
SQL
}

# ---------------------------------------------------------------------------------------
# Redis: redis1 starts as the primary, redis2 and redis3 replicate it; a Sentinel on each.

cluster_redis_start() {
  local host=$1 dir address replica=()
  dir=$CLUSTER_DATA/$host
  address=$(cluster_address "$host")
  mkdir -p "$dir"
  # A restarted node comes back as a replica of whoever Sentinel made primary meanwhile.
  [[ $host != redis1 || -f $dir/was-started ]] && replica=(--replicaof "$(cluster_redis_primary || echo "$CLUSTER_NET.31")" 6379)
  touch "$dir/was-started"
  cluster_spawn "$host" "$host" redis-server --port 6379 --bind "$address" 127.0.0.1 --protected-mode no \
    --dir "$dir" --appendonly yes --appendfsync everysec --daemonize no --logfile "" \
    --replica-announce-ip "$address" --min-replicas-to-write 1 --min-replicas-max-lag 10 "${replica[@]}"
}

cluster_sentinel_start() {
  local host=$1 dir address
  dir=$CLUSTER_DATA/$host
  address=$(cluster_address "$host")
  mkdir -p "$dir"
  # Sentinel rewrites its file with what it learns; written once, kept across restarts.
  [[ -f $dir/sentinel.conf ]] || cat >"$dir/sentinel.conf" <<EOF
port 26379
bind $address 127.0.0.1
protected-mode no
dir $dir
sentinel announce-ip $address
sentinel monitor media $CLUSTER_NET.31 6379 2
sentinel down-after-milliseconds media 2000
sentinel failover-timeout media 10000
sentinel parallel-syncs media 1
EOF
  cluster_spawn "sentinel-$host" "$host" redis-server "$dir/sentinel.conf" --sentinel
}

# The primary the Sentinels agree on now (asked of the first that answers).
cluster_redis_primary() {
  local host answer
  for host in redis1 redis2 redis3; do
    answer=$(cluster_in "$host" redis-cli -h 127.0.0.1 -p 26379 sentinel get-master-addr-by-name media 2>/dev/null | head -n1) || continue
    [[ $answer =~ ^[0-9.]+$ ]] && { echo "$answer"; return 0; }
  done
  return 1
}

cluster_redis_ready() {
  local host=$1
  [[ $(cluster_in "$host" redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null) == PONG ]] || return 1
  [[ $host == redis1 ]] && return 0
  cluster_in "$host" redis-cli -h 127.0.0.1 -p 6379 info replication 2>/dev/null | grep -q 'master_link_status:up'
}

cluster_sentinels_ready() {
  local n
  n=$(cluster_in redis1 redis-cli -h 127.0.0.1 -p 26379 sentinel sentinels media 2>/dev/null | grep -c '^name$')
  ((n >= 2))
}

# ---------------------------------------------------------------------------------------
# S3 and the app hosts: the stack's own functions, run inside the host's namespace.

# cluster_stack HOST FUNCTION... — runs stack functions for HOST's stack inside its namespace.
cluster_stack() {
  local host=$1
  shift
  cluster_in "$host" bash -c '
    set -euo pipefail
    . "$1/scripts/lib/stack.sh"
    . "$1/scripts/lib/cluster.sh"
    host=$2; shift 2
    cluster_stack_configure "$host"
    if [[ -f $STACK_SECRETS_FILE ]]; then stack_load_secrets; fi
    for f in "$@"; do "$f"; done
  ' _ "$STACK_REPO_DIR" "$host" "$@"
}

# Settings of every stack in the cluster: the shared servers instead of local ones. A host the
# rolling upgrade reached runs the new release's binaries.
cluster_stack_configure() {
  local host=$1 net=$CLUSTER_NET bin=$CLUSTER_BIN_DIR
  [[ -f $CLUSTER_DATA/upgraded-$host ]] && bin=$(cluster_next_bin_dir)
  stack_configure "$CLUSTER_DATA/$host" "$CLUSTER_APP_PORT" test "$bin"
  export STACK_LISTEN_ADDRESS=0.0.0.0
  export STACK_TLS_NAMES="DNS:localhost,IP:127.0.0.1,IP:$net.10,IP:$net.11,IP:$net.12"
  export STACK_SETTING_OVERRIDES="DB_HOSTS=$net.21:3306,$net.22:3306,$net.23:3306 DB_HOST=$net.21 DB_PORT=3306
    REDIS_SENTINELS=$net.31:26379,$net.32:26379,$net.33:26379 REDIS_SENTINEL_MASTER=media REDIS_MIN_REPLICAS_ACKED=1
    S3_ENDPOINT=http://$net.50:$((CLUSTER_APP_PORT + 4)) CDN_BASE_URL=http://$net.50:$((CLUSTER_APP_PORT + 4))/media"
}

# The cluster's secrets and TLS, made once and copied to every stack so all hosts share the
# database password, S3 keys, transform key, demo key and server certificate.
cluster_share_secrets() {
  local host
  for host in s3 app1 app2; do
    mkdir -p "$CLUSTER_DATA/$host"
    cp "$CLUSTER_DATA/shared/secrets.env" "$CLUSTER_DATA/$host/secrets.env"
    rm -rf "$CLUSTER_DATA/$host/tls"
    cp -r "$CLUSTER_DATA/shared/tls" "$CLUSTER_DATA/$host/tls"
  done
}

cluster_app_start() {
  cluster_stack "$1" stack_prepare stack_start_worker stack_start_api stack_start_nginx
}

# Reconcile as an operator would, from an app host (exit 1 means problems: printed, not fatal).
cluster_reconcile() { stack_mediactl reconcile || true; }

# Every process of an app host, at once, as a power cut would.
cluster_app_kill() {
  local pids
  pids=$(ip netns pids "$(cluster_ns "$1")")
  [[ -n $pids ]] || stack_die "nothing runs on $1 to kill"
  # shellcheck disable=SC2086
  kill -KILL $pids
}

# ---------------------------------------------------------------------------------------
# Load balancer

cluster_lb_start() {
  local dir=$CLUSTER_DATA/lb
  mkdir -p "$dir"
  cat >"$dir/haproxy.cfg" <<EOF
global
    maxconn 4000
    stats socket $dir/admin.sock mode 600 level admin
defaults
    mode tcp
    timeout connect 2s
    # /healthz answers within 2 s even while a dependency is down: a slower answer is not a
    # dead host (at inter's 500 ms a health check would take both hosts out at once).
    timeout check 3s
    timeout client 120s
    timeout server 120s
    retries 3
    option redispatch
frontend https
    bind $(cluster_address lb):$CLUSTER_LB_PORT
    default_backend apps
backend apps
    balance roundrobin
    # A host whose nginx answers /healthz is up; 503 "degraded" is the service saying a
    # shared dependency is down, which the other host shares, so it still takes traffic.
    option httpchk GET /healthz
    http-check expect rstatus ^(200|503)$
    default-server inter 500ms fall 2 rise 2 check-ssl verify none on-marked-down shutdown-sessions
    server app1 $(cluster_address app1):$CLUSTER_APP_PORT check
    server app2 $(cluster_address app2):$CLUSTER_APP_PORT check
EOF
  cluster_spawn lb lb haproxy -db -f "$dir/haproxy.cfg"
}

cluster_lb_answers() {
  cluster_in client curl -sS -o /dev/null --max-time 3 --cacert "$CLUSTER_DATA/shared/tls/ca.pem" \
    "https://$(cluster_address lb)/healthz"
}

# ---------------------------------------------------------------------------------------
# The new release

cluster_next_bin_dir() { echo "$CLUSTER_NEXT_TREE/.build/debug"; }

cluster_build_next() {
  cluster_log "building the new release (this tree + migration $CLUSTER_NEXT_MIGRATION) in $CLUSTER_NEXT_TREE"
  mkdir -p "$CLUSTER_NEXT_TREE"
  python3 "$STACK_REPO_DIR/scripts/lib/next_tree.py" "$CLUSTER_NEXT_TREE" "$CLUSTER_NEXT_MIGRATION" \
    "cluster test: an expand-only upgrade" \
    "ALTER TABLE media ADD COLUMN IF NOT EXISTS upgrade_note VARCHAR(64) NULL" \
    "CREATE TABLE IF NOT EXISTS upgrade_probe (id INT NOT NULL PRIMARY KEY) ENGINE=InnoDB"
  (cd "$CLUSTER_NEXT_TREE" && swift build >"$CLUSTER_NEXT_TREE/build.log" 2>&1) ||
    { tail -n 30 "$CLUSTER_NEXT_TREE/build.log" >&2; stack_die "the new release did not build"; }
}

# ---------------------------------------------------------------------------------------
# Whole cluster

cluster_up() {
  local tool missing=()
  for tool in haproxy socat galera-4 rsync; do stack_pkg_installed "$tool" || missing+=("$tool"); done
  ((${#missing[@]} == 0)) || stack_apt_install "${missing[@]}"
  mkdir -p "$CLUSTER_DATA/shared" "$CLUSTER_DATA/logs" "$CLUSTER_DATA/run"
  chmod 755 "$CLUSTER_DATA"
  (
    stack_configure "$CLUSTER_DATA/shared" "$CLUSTER_APP_PORT" test "$CLUSTER_BIN_DIR"
    STACK_TLS_NAMES="DNS:localhost,IP:127.0.0.1,IP:$CLUSTER_NET.10,IP:$CLUSTER_NET.11,IP:$CLUSTER_NET.12"
    stack_ensure_secrets
    stack_ensure_tls
  )
  cluster_share_secrets
  cluster_net_up

  local host
  cluster_db_start db1 new
  for host in redis1 redis2 redis3; do cluster_redis_start "$host"; done
  cluster_stack s3 stack_prepare stack_launch_s3
  cluster_db_await db1 120
  cluster_db_start db2
  cluster_db_await db2 180
  cluster_db_start db3
  for host in redis1 redis2 redis3; do
    cluster_await "$host" 30 "$host answers (and replicates)" cluster_redis_ready "$host"
    cluster_sentinel_start "$host"
  done
  cluster_db_await db3 180
  cluster_log "Galera: $(cluster_db_size db1) nodes synced"
  (stack_configure "$CLUSTER_DATA/shared" "$CLUSTER_APP_PORT" test "$CLUSTER_BIN_DIR"; stack_load_secrets; cluster_db_provision)
  cluster_await sentinel-redis1 30 "the Sentinels see each other" cluster_sentinels_ready
  cluster_stack s3 stack_await_s3
  cluster_stack app1 stack_prepare stack_migrate stack_ensure_demo_key
  # The demo key app1 made is the cluster's: app2 (and the client) use the same one.
  cp "$CLUSTER_DATA/app1/secrets.env" "$CLUSTER_DATA/shared/secrets.env"
  cp "$CLUSTER_DATA/app1/secrets.env" "$CLUSTER_DATA/app2/secrets.env"
  cluster_app_start app1
  cluster_app_start app2
  cluster_lb_start
  cluster_await lb 30 "the load balancer answers /healthz" cluster_lb_answers
  cluster_log "cluster up: https://$(cluster_address lb)/ from namespace $(cluster_ns client)"
}

cluster_down() {
  cluster_net_down
  rm -f /tmp/seaweedfs-*-"$((CLUSTER_APP_PORT + 4))".sock 2>/dev/null || true
}
