#!/usr/bin/env bash
# Installs (when missing) and starts PostgreSQL and Redis from Debian packages for the API's
# integration tests, then prints the connection settings as shell exports on stdout:
#
#   eval "$(.ci/start-services.sh)"
#
# Idempotent: running it again reuses what is installed and running. Everything except the export
# lines goes to stderr, so the eval above only ever sees the exports.
set -euo pipefail

DB_NAME="${TEST_DB_NAME:-shop_test}"
DB_USER="${TEST_DB_USER:-shop}"
DB_PASSWORD="${TEST_DB_PASSWORD:-shop_test_password}"
PG_PORT="${TEST_PG_PORT:-5432}"
REDIS_PORT="${TEST_REDIS_PORT:-6379}"
# A three-shard Redis Cluster (no replicas) for the API's cluster-mode client, as the platform runs Redis.
REDIS_CLUSTER_PORTS=(7000 7001 7002)
# A role with CREATEROLE and CREATEDB but no superuser, like RDS's master user, for the database bootstrap test.
ADMIN_USER="${TEST_PG_ADMIN_USER:-bootstrap_admin}"
ADMIN_PASSWORD="${TEST_PG_ADMIN_PASSWORD:-bootstrap/admin\\pw}"
# A database index of its own so tests never touch keys of a Redis someone uses for something else.
REDIS_DB="${TEST_REDIS_DB:-15}"

log() { echo "[start-services] $*" >&2; }

SUDO=()
if [ "$(id -u)" -ne 0 ]; then SUDO=(sudo); fi

as_postgres() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else sudo -u postgres "$@"; fi
}

wait_for() {
  local what="$1"; shift
  for _ in $(seq 1 60); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.5
  done
  log "$what did not become ready in 30 s"
  return 1
}

install_missing_packages() {
  local missing=()
  [ -x /usr/bin/pg_ctlcluster ] && compgen -G "/usr/lib/postgresql/*/bin/postgres" >/dev/null || missing+=(postgresql)
  command -v redis-server >/dev/null || missing+=(redis-server)
  if [ "${#missing[@]}" -eq 0 ]; then
    log "postgresql and redis-server already installed"
    return
  fi
  log "installing ${missing[*]}"
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

start_postgres() {
  local version
  version="$(find /usr/lib/postgresql -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -V | tail -n 1)"
  if ! pg_lsclusters -h | awk '{print $1" "$2}' | grep -qx "$version main"; then
    log "creating PostgreSQL $version cluster 'main'"
    "${SUDO[@]}" pg_createcluster --port "$PG_PORT" "$version" main >&2
  fi
  if pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" {print $4}' | grep -q online; then
    log "PostgreSQL $version already running"
  else
    log "starting PostgreSQL $version"
    "${SUDO[@]}" pg_ctlcluster "$version" main start >&2
  fi
  wait_for "PostgreSQL" pg_isready -h 127.0.0.1 -p "$PG_PORT"

  as_postgres psql -p "$PG_PORT" -v ON_ERROR_STOP=1 -qAt >&2 <<SQL
SELECT format('CREATE ROLE %I LOGIN PASSWORD %L', '$DB_USER', '$DB_PASSWORD')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$DB_USER') \gexec
SELECT format('ALTER ROLE %I LOGIN PASSWORD %L', '$DB_USER', '$DB_PASSWORD') \gexec
SELECT format('CREATE DATABASE %I OWNER %I', '$DB_NAME', '$DB_USER')
 WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = '$DB_NAME') \gexec
SELECT format('CREATE ROLE %I LOGIN', '$ADMIN_USER')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$ADMIN_USER') \gexec
SELECT format('ALTER ROLE %I LOGIN CREATEROLE CREATEDB NOSUPERUSER PASSWORD %L', '$ADMIN_USER', '$ADMIN_PASSWORD') \gexec
SQL
  log "database $DB_NAME owned by $DB_USER is ready"
}

start_redis() {
  if redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG; then
    log "Redis already running on port $REDIS_PORT"
    return
  fi
  log "starting Redis on port $REDIS_PORT"
  # Test data only: no persistence, loopback only.
  redis-server --daemonize yes --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no \
    --logfile "${TMPDIR:-/tmp}/redis-test-$REDIS_PORT.log" >&2
  wait_for "Redis" redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping
}

redis_cluster_healthy() {
  for port in "${REDIS_CLUSTER_PORTS[@]}"; do
    redis-cli -p "$port" cluster info 2>/dev/null | grep -q "cluster_state:ok" || return 1
  done
  [ "$(redis-cli -p "${REDIS_CLUSTER_PORTS[0]}" cluster nodes 2>/dev/null | awk '$8 == "connected"' | wc -l)" -eq "${#REDIS_CLUSTER_PORTS[@]}" ]
}

start_redis_cluster() {
  if redis_cluster_healthy; then
    log "Redis Cluster already running on ports ${REDIS_CLUSTER_PORTS[*]}"
    return
  fi
  local dir="${TMPDIR:-/tmp}/redis-cluster-test-$(id -u)"
  local nodes=()
  # Whatever an earlier run left behind (nodes still up, or nodes.conf files that remember an old cluster) makes
  # "--cluster create" refuse with "node is not empty"; test data is disposable, so start from nothing.
  for port in "${REDIS_CLUSTER_PORTS[@]}"; do
    if redis-cli -p "$port" ping >/dev/null 2>&1; then
      log "stopping a stale Redis node on port $port"
      redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true
      wait_for "stale Redis node $port to stop" sh -c "! redis-cli -p $port ping"
    fi
  done
  rm -rf "$dir"
  for port in "${REDIS_CLUSTER_PORTS[@]}"; do
    mkdir -p "$dir/$port"
    redis-server --daemonize yes --port "$port" --bind 127.0.0.1 --cluster-enabled yes \
      --cluster-config-file "$dir/$port/nodes.conf" --dir "$dir/$port" --save "" --appendonly no \
      --logfile "$dir/$port/redis.log" >&2
    wait_for "Redis node $port" redis-cli -p "$port" ping
    nodes+=("127.0.0.1:$port")
  done
  log "forming a Redis Cluster of ${nodes[*]}"
  redis-cli --cluster create "${nodes[@]}" --cluster-replicas 0 --cluster-yes >&2
  wait_for "Redis Cluster" sh -c "redis-cli -p ${REDIS_CLUSTER_PORTS[0]} cluster info | grep -q cluster_state:ok"
}

install_missing_packages
start_postgres
start_redis
start_redis_cluster

echo "export TEST_DATABASE_URL=postgres://$DB_USER:$DB_PASSWORD@127.0.0.1:$PG_PORT/$DB_NAME"
echo "export TEST_REDIS_URL=redis://127.0.0.1:$REDIS_PORT/$REDIS_DB"
echo "export TEST_REDIS_CLUSTER_URL=redis://127.0.0.1:${REDIS_CLUSTER_PORTS[0]}"
echo "export TEST_PG_ADMIN_USER='$ADMIN_USER'"
echo "export TEST_PG_ADMIN_PASSWORD='$ADMIN_PASSWORD'"
echo "export TEST_PG_HOST=127.0.0.1 TEST_PG_PORT=$PG_PORT"
