#!/usr/bin/env bash
# ./tether cluster-demo: three relay nodes on this machine (the machine's Redis and PostgreSQL),
# the sample 'orders' function under a shim that knows all three, and what to try, printed.
# Ctrl-C (or SIGTERM) stops everything it started. Run through ./tether, which sets RELAY_JAR,
# SHIM_JAR and ROOT.
set -euo pipefail

PORT=9401
DIR=.tether/cluster-demo
REDIS_DB=
while [ $# -gt 0 ]; do
  case "$1" in
    --port) PORT="${2:?--port needs a number}"; shift 2 ;;
    --data-dir) DIR="${2:?--data-dir needs a folder}"; shift 2 ;;
    --redis-db) REDIS_DB="${2:?--redis-db needs 0-15}"; shift 2 ;;
    *) echo "tether: cluster-demo: unknown option '$1' (options: --port P, --data-dir D, --redis-db N)" >&2; exit 2 ;;
  esac
done
case "$PORT" in ''|*[!0-9]*) echo "tether: cluster-demo: --port takes a number, was '$PORT'" >&2; exit 2 ;; esac
FUNCTION_PORT=$((PORT + 3))
REDIS_HOST=127.0.0.1 REDIS_PORT=6379 PG_PORT=5432
JDBC="jdbc:postgresql://127.0.0.1:$PG_PORT/test?user=postgres"

fail() {
  echo "tether: cluster-demo: $*" >&2
  exit 1
}

# One Redis command over bash's /dev/tcp (no redis-cli needed); prints the reply's first line.
redis() {
  exec 3<>"/dev/tcp/$REDIS_HOST/$REDIS_PORT" || return 1
  printf '%s\r\n' "$@" >&3
  local line
  for _ in "$@"; do IFS= read -r -t 3 line <&3 || return 1; done
  exec 3>&-
  printf '%s\n' "${line%$'\r'}"
}

answers() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

answers "$REDIS_PORT" || fail "no Redis answers on $REDIS_HOST:$REDIS_PORT; start it (e.g. redis-server) and try again"
answers "$PG_PORT" || fail "no PostgreSQL answers on 127.0.0.1:$PG_PORT (database 'test', user postgres, trust); start it and try again"
for p in "$PORT" $((PORT + 1)) $((PORT + 2)) "$FUNCTION_PORT"; do
  ! answers "$p" || fail "port $p is taken (perhaps by an earlier demo; see lsof -i :$p); stop it, or pass another --port"
done

# A Redis database nobody else uses: the first empty one of 15..1, or the one given. Nothing is flushed.
if [ -z "$REDIS_DB" ]; then
  for n in 15 14 13 12 11 10 9 8 7 6 5 4 3 2 1; do
    if [ "$(redis "SELECT $n" DBSIZE)" = ":0" ]; then REDIS_DB=$n; break; fi
  done
  [ -n "$REDIS_DB" ] || fail "every Redis database 1-15 holds keys; pass --redis-db N for one Tether may share"
fi

PIDS=()
stop_all() {
  trap - INT TERM EXIT
  local pid
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap 'stop_all; exit 130' INT
trap 'stop_all; exit 143' TERM
trap stop_all EXIT

PUBLIC="http://127.0.0.1:$PORT"
mkdir -p "$DIR"
# The audit trail goes to a schema of this data directory's own: its chains continue with its key
# on the next run, and a demo in another folder (another key) never meets them.
SCHEMA="tether_demo_$(cd "$DIR" && pwd | sha256sum | cut -c1-12)"
java -cp "$RELAY_JAR" "$ROOT/examples/cluster/CreateSchema.java" "$JDBC" "$SCHEMA" ||
  fail "cannot create the schema $SCHEMA in PostgreSQL 127.0.0.1:$PG_PORT database test (see above)"
JDBC="$JDBC&currentSchema=$SCHEMA"
start_node() { # id port
  local id=$1 port=$2
  mkdir -p "$DIR/$id"
  printf '{"cluster": {"nodeId": "relay-%s", "redis": "redis://%s:%s/%s", "peerUrl": "ws://127.0.0.1:%s"},\n "audit": {"store": "postgresql", "jdbcUrl": "%s"}}\n' \
    "$id" "$REDIS_HOST" "$REDIS_PORT" "$REDIS_DB" "$port" "$JDBC" >"$DIR/relay-$id.json"
  java ${TETHER_JAVA_OPTS:--Xmx256m} -jar "$RELAY_JAR" relay --host 127.0.0.1 --port "$port" \
    --data-dir "$DIR/$id" --public-url "$PUBLIC" --config "$DIR/relay-$id.json" \
    >"$DIR/relay-$id.log" 2>&1 &
  PIDS+=($!)
  eval "PID_$id=$!"
  local i
  for i in $(seq 1 600); do
    grep -q "listening on" "$DIR/relay-$id.log" 2>/dev/null && return 0
    kill -0 "${PIDS[-1]}" 2>/dev/null || { tail -n 20 "$DIR/relay-$id.log" >&2; fail "node relay-$id exited; its log is $DIR/relay-$id.log"; }
    sleep 0.1
  done
  fail "node relay-$id did not start within 60 s; its log is $DIR/relay-$id.log"
}

start_node a "$PORT"
for id in b c; do # every node signs with node a's key (README, "A cluster of relays")
  mkdir -p "$DIR/$id/keys" && cp "$DIR/a/keys/signing-key.jwk.json" "$DIR/$id/keys/"
  chmod 700 "$DIR/$id/keys"
done
start_node b $((PORT + 1))
start_node c $((PORT + 2))

token() { java -jar "$RELAY_JAR" token "$@" --data-dir "$DIR/a"; }
AGENT=$(token agent --function orders --ttl 24h)
USER_TOKEN=$(token user --sub developer --functions orders --modes full,readonly --ttl 8h)
ADMIN=$(token user --sub admin --role admin --ttl 8h)

# The shim dials node b first, so DevTools on node a reaches it through a peer socket.
INSTANCE="cluster-demo-$$"
TETHER_AGENT_TOKEN="$AGENT" PORT="$FUNCTION_PORT" TETHER_INSTANCE="$INSTANCE" TETHER_PARENT_PID=$$ \
  TETHER_SHIM_JAVA="$(command -v java)" TETHER_SHIM_JAR="$SHIM_JAR" \
  sh "$ROOT/function-shim/src/layer/tether-shim" \
  --relay "ws://127.0.0.1:$((PORT + 1)),ws://127.0.0.1:$((PORT + 2)),ws://127.0.0.1:$PORT" \
  --function orders -- node "$ROOT/examples/orders/server.js" &
PIDS+=($!)
SHIM=$!
for i in $(seq 1 600); do
  if curl -fsS -H "Authorization: Bearer $USER_TOKEN" "$PUBLIC/api/functions" 2>/dev/null | grep -q "$INSTANCE" \
      && answers "$FUNCTION_PORT"; then
    break
  fi
  kill -0 "$SHIM" 2>/dev/null || fail "the sample function exited before it was ready; see its output above"
  [ "$i" -lt 600 ] || fail "the sample function was not registered within 60 s; see its output above"
  sleep 0.1
done

cat <<TEXT

Tether cluster demo is running: nodes relay-a $PUBLIC (pid $PID_a), relay-b http://127.0.0.1:$((PORT + 1)) (pid $PID_b), relay-c http://127.0.0.1:$((PORT + 2)) (pid $PID_c)
Redis $REDIS_HOST:$REDIS_PORT database $REDIS_DB, audit in PostgreSQL 127.0.0.1:$PG_PORT database test schema $SCHEMA; the function 'orders' on port $FUNCTION_PORT, its tunnel on relay-b. Ctrl-C stops everything.

1. The console of each node (click Debug next to 'orders'; the link signs you in as 'developer' for 8h):
     relay-a: $PUBLIC/#token=$USER_TOKEN
     relay-b: http://127.0.0.1:$((PORT + 1))/#token=$USER_TOKEN
     relay-c: http://127.0.0.1:$((PORT + 2))/#token=$USER_TOKEN
   Every node lists the instance; DevTools runs through relay-a (the public URL), which peers to relay-b.

2. Invoke the function (set a breakpoint in handler.js first):
     curl -s http://127.0.0.1:$FUNCTION_PORT/ -d '{"customer":"ada","items":[{"sku":"tea","unitPrice":4.5,"quantity":2}]}'

3. Failover: kill relay-b, which holds the function's tunnel; within seconds the shim is on relay-c:
     kill -9 $PID_b
     curl -s -H "Authorization: Bearer $USER_TOKEN" $PUBLIC/api/functions
   Then click Debug again in relay-a's console. (Ctrl-C still stops the rest.)

4. Admin (every node's sessions, terminate anywhere): $PUBLIC/admin/#token=$ADMIN

5. One audit trail for all three nodes, checked chain by chain:
     ./tether audit verify --config $DIR/relay-a.json --data-dir $DIR/a

TEXT
wait "$SHIM" || true
