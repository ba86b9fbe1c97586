#!/usr/bin/env bash
# Measures a hikeshi binary: time from start to GET /readyz answering 200 on an
# empty database, and resident memory 2 s after that, over 5 runs.
#   go build -o /tmp/hikeshi ./cmd/hikeshi && scripts/measure-startup.sh /tmp/hikeshi
set -euo pipefail
bin=${1:?usage: measure-startup.sh PATH-TO-HIKESHI-BINARY}
ls -l "$bin" | awk '{print "binary size: " $5 " bytes"}'
for i in 1 2 3 4 5; do
  dir=$(mktemp -d)
  port=$((19100 + i))
  start=$(date +%s%N)
  "$bin" serve --data-dir "$dir" --addr "127.0.0.1:$port" >/dev/null 2>&1 &
  pid=$!
  until curl -sf -o /dev/null "http://127.0.0.1:$port/readyz"; do
    kill -0 "$pid" 2>/dev/null || { echo "hikeshi exited before it was ready" >&2; exit 1; }
    sleep 0.005
  done
  end=$(date +%s%N)
  sleep 2
  rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
  echo "run $i: ready in $(((end - start) / 1000000)) ms, idle RSS ${rss} kB"
  kill -TERM "$pid"
  wait "$pid" 2>/dev/null || true
  rm -rf "$dir"
done
