#!/usr/bin/env bash
# A whole cluster on one machine, loopback only (issue 16):
#   PostgreSQL   127.0.0.1:$CLUSTER_PG_PORT (5433)   provisioning and CDRs, database "vgw"
#   Redis        127.0.0.1:$CLUSTER_REDIS_PORT (6390) live state, no persistence
#   Kamailio     127.0.0.1:$CLUSTER_SIP_PORT (5060)  the SIP edge (deploy/kamailio/kamailio.cfg)
#   node-a       HTTP 3001, SIP 5071, RTP 40000-40999
#   node-b       HTTP 3002, SIP 5072, RTP 41000-41999
#
#   bash scripts/cluster.sh up       installs missing Debian packages, builds if dist/ is missing, starts all
#   bash scripts/cluster.sh down     stops all (data and logs stay in .cluster/)
#   bash scripts/cluster.sh status   what runs, and Kamailio's view of the nodes
#   bash scripts/cluster.sh clean    down, then deletes .cluster/
#
# Everything lives under .cluster/ (pids, logs, data dirs). The admin API key both nodes accept
# is in .cluster/admin-api-key. As root, PostgreSQL runs as the `postgres` user (it refuses root).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
STATE="$ROOT/.cluster"
PG_PORT=${CLUSTER_PG_PORT:-5433}
REDIS_PORT=${CLUSTER_REDIS_PORT:-6390}
SIP_PORT=${CLUSTER_SIP_PORT:-5060}
PING_INTERVAL=${CLUSTER_PING_INTERVAL:-2}
NODES=(node-a node-b)
declare -A HTTP_PORT=([node-a]=3001 [node-b]=3002)
declare -A NODE_SIP_PORT=([node-a]=5071 [node-b]=5072)
declare -A RTP_PORTS=([node-a]=40000-40999 [node-b]=41000-41999)
DB_URL="postgres://postgres@127.0.0.1:$PG_PORT/vgw"
REDIS_URL="redis://127.0.0.1:$REDIS_PORT"
KAM_CTL="unix:$STATE/kamailio/ctl.sock"

log() { echo "cluster: $*"; }
die() { echo "cluster: $*" >&2; exit 1; }

pg_bin() {
  local v
  v=$(ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -1)
  [ -n "$v" ] && [ -x "/usr/lib/postgresql/$v/bin/pg_ctl" ] || die "PostgreSQL server binaries not found under /usr/lib/postgresql (Debian package postgresql)"
  echo "/usr/lib/postgresql/$v/bin"
}

# Runs a PostgreSQL tool as the postgres user when we are root.
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# The pid in $1 belongs to a live process.
alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# Waits up to $2 s for `$1` (a command) to succeed.
wait_for() {
  local cmd=$1 secs=$2 i
  for ((i = 0; i < secs * 5; i++)); do
    if eval "$cmd" >/dev/null 2>&1; then return 0; fi
    sleep 0.2
  done
  return 1
}

port_busy() { # proto port
  if [ "$1" = udp ]; then ss -Hlun "sport = :$2" | grep -q .; else ss -Hltn "sport = :$2" | grep -q .; fi
}

prepare() {
  bash "$ROOT/scripts/install-system-deps.sh" postgresql redis-server kamailio espeak-ng
  if [ ! -f "$ROOT/dist/cli/vgw.js" ]; then
    log "building (dist/ is missing)"
    (cd "$ROOT" && npm run build)
  fi
  mkdir -p "$STATE"
  [ -f "$STATE/admin-api-key" ] || od -An -tx1 -N24 /dev/urandom | tr -d ' \n' > "$STATE/admin-api-key"
}

start_postgres() {
  local bin data="$STATE/pg/data"
  bin=$(pg_bin)
  if as_pg "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then log "postgres already runs"; return; fi
  mkdir -p "$STATE/pg"
  [ "$(id -u)" = 0 ] && chown postgres:postgres "$STATE/pg"
  if [ ! -f "$data/PG_VERSION" ]; then
    as_pg "$bin/initdb" -D "$data" -U postgres -A trust -E UTF8 --locale=C >"$STATE/pg/initdb.log"
  fi
  port_busy tcp "$PG_PORT" && die "TCP port $PG_PORT is taken (set CLUSTER_PG_PORT)"
  as_pg "$bin/pg_ctl" -D "$data" -l "$STATE/pg/server.log" -w -t 60 \
    -o "-p $PG_PORT -k $STATE/pg -c listen_addresses=127.0.0.1" start >/dev/null
  if ! as_pg "$bin/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='vgw'" | grep -q 1; then
    as_pg "$bin/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -qc 'CREATE DATABASE vgw'
  fi
  log "postgres on 127.0.0.1:$PG_PORT ($DB_URL)"
}

start_redis() {
  if alive "$STATE/redis.pid"; then log "redis already runs"; return; fi
  port_busy tcp "$REDIS_PORT" && die "TCP port $REDIS_PORT is taken (set CLUSTER_REDIS_PORT)"
  redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save '' --appendonly no --daemonize yes \
    --dir "$STATE" --pidfile "$STATE/redis.pid" --logfile "$STATE/redis.log"
  wait_for "redis-cli -p $REDIS_PORT ping | grep -q PONG" 10 || die "redis did not answer PING (see $STATE/redis.log)"
  log "redis on $REDIS_URL"
}

start_kamailio() {
  local dir="$STATE/kamailio"
  if alive "$dir/kamailio.pid"; then log "kamailio already runs"; return; fi
  port_busy udp "$SIP_PORT" && die "UDP port $SIP_PORT is taken (a system kamailio? set CLUSTER_SIP_PORT)"
  mkdir -p "$dir"
  : >"$dir/dispatcher.list"
  for n in "${NODES[@]}"; do echo "1 sip:127.0.0.1:${NODE_SIP_PORT[$n]} 0 0" >>"$dir/dispatcher.list"; done
  setsid kamailio -DD -E -f "$ROOT/deploy/kamailio/kamailio.cfg" -Y "$dir" -w "$dir" -m 256 -M 8 \
    -A LISTEN_IP=127.0.0.1 -A "LISTEN_PORT=$SIP_PORT" -A "DS_LIST_FILE=\"$dir/dispatcher.list\"" \
    -A "DS_PING_INTERVAL=$PING_INTERVAL" -A "CTL_SOCKET=\"$KAM_CTL\"" \
    </dev/null >"$dir/kamailio.log" 2>&1 &
  echo $! >"$dir/kamailio.pid"
  wait_for "kamcmd -s $KAM_CTL core.version" 10 || die "kamailio did not start (see $dir/kamailio.log)"
  log "kamailio on udp/tcp 127.0.0.1:$SIP_PORT, nodes: $(tr '\n' ' ' <"$dir/dispatcher.list")"
}

start_node() {
  local n=$1 dir="$STATE/$1"
  if alive "$dir/vgw.pid"; then log "$n already runs"; return; fi
  port_busy tcp "${HTTP_PORT[$n]}" && die "TCP port ${HTTP_PORT[$n]} for $n is taken"
  mkdir -p "$dir/data"
  # One simple command in the background, so $! is the node itself (and `down` signals it).
  setsid env VGW_DATABASE_URL="$DB_URL" VGW_REDIS_URL="$REDIS_URL" VGW_NODE_ID="$n" \
    VGW_HTTP_ADDRESS=127.0.0.1 VGW_HTTP_PORT="${HTTP_PORT[$n]}" \
    VGW_SIP_ADDRESS=127.0.0.1 VGW_SIP_PORT="${NODE_SIP_PORT[$n]}" VGW_RTP_PORTS="${RTP_PORTS[$n]}" \
    VGW_DATA_DIR="$dir/data" VGW_SIMULATOR=0 VGW_SIP_TRUSTED_PROXIES=127.0.0.1 VGW_ADMIN_API_KEY="$(cat "$STATE/admin-api-key")" \
    node "$ROOT/bin/vgw.js" start </dev/null >"$dir/vgw.log" 2>&1 &
  echo $! >"$dir/vgw.pid"
  if ! wait_for "curl -sf http://127.0.0.1:${HTTP_PORT[$n]}/health" 30; then
    die "$n did not become healthy on http://127.0.0.1:${HTTP_PORT[$n]} (see $dir/vgw.log)"
  fi
  log "$n: http://127.0.0.1:${HTTP_PORT[$n]}, sip 127.0.0.1:${NODE_SIP_PORT[$n]} (log $dir/vgw.log)"
}

# SIGTERM to the process in pid file $2 (named $1), SIGKILL after $3 s.
stop_pid() {
  local name=$1 file=$2 secs=${3:-10} pid i
  if ! alive "$file"; then rm -f "$file"; return; fi
  pid=$(cat "$file")
  kill -TERM "$pid"
  for ((i = 0; i < secs * 5; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  if kill -0 "$pid" 2>/dev/null; then log "$name did not stop in ${secs}s: SIGKILL"; kill -KILL "$pid"; fi
  rm -f "$file"
  log "$name stopped"
}

up() {
  prepare
  start_postgres
  start_redis
  start_kamailio
  for n in "${NODES[@]}"; do start_node "$n"; done
  log "up. admin API key: $(cat "$STATE/admin-api-key"); SIP entry: 127.0.0.1:$SIP_PORT"
}

down() {
  for n in "${NODES[@]}"; do stop_pid "$n" "$STATE/$n/vgw.pid" 30; done
  stop_pid kamailio "$STATE/kamailio/kamailio.pid" 5
  stop_pid redis "$STATE/redis.pid" 5
  if [ -f "$STATE/pg/data/PG_VERSION" ] && as_pg "$(pg_bin)/pg_ctl" -D "$STATE/pg/data" status >/dev/null 2>&1; then
    as_pg "$(pg_bin)/pg_ctl" -D "$STATE/pg/data" -m fast -w stop >/dev/null
    log "postgres stopped"
  fi
}

status() {
  local n
  if [ -f "$STATE/pg/data/PG_VERSION" ] && as_pg "$(pg_bin)/pg_ctl" -D "$STATE/pg/data" status >/dev/null 2>&1; then
    echo "postgres   running  127.0.0.1:$PG_PORT"
  else echo "postgres   stopped"; fi
  if alive "$STATE/redis.pid"; then echo "redis      running  127.0.0.1:$REDIS_PORT (pid $(cat "$STATE/redis.pid"))"; else echo "redis      stopped"; fi
  if alive "$STATE/kamailio/kamailio.pid"; then
    echo "kamailio   running  127.0.0.1:$SIP_PORT (pid $(cat "$STATE/kamailio/kamailio.pid"))"
    kamcmd -s "$KAM_CTL" dispatcher.list 2>/dev/null | awk '/URI:/ {u=$2} /FLAGS:/ {print "  dispatcher " u " " $2}' || true
  else echo "kamailio   stopped"; fi
  for n in "${NODES[@]}"; do
    if alive "$STATE/$n/vgw.pid"; then
      local health
      health=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:${HTTP_PORT[$n]}/health" || true)
      echo "$n     running  http ${HTTP_PORT[$n]} (health $health), sip ${NODE_SIP_PORT[$n]} (pid $(cat "$STATE/$n/vgw.pid"))"
    else echo "$n     stopped"; fi
  done
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  clean) down; rm -rf "$STATE"; log "removed $STATE" ;;
  *) echo "usage: $0 up|down|status|clean" >&2; exit 2 ;;
esac
