#!/usr/bin/env bash
# Reproduces the answer-engine numbers of docs/performance.md.
# Usage, from the project root: scripts/bench-engine.sh [path/to/shared/bench]
# Runs one thing at a time: the machine is shared and timings need quiet cores.
set -euo pipefail
bench=${1:-../shared/bench}
bin=$(mktemp -d)/xiaoer
trap 'rm -rf "$(dirname "$bin")"' EXIT

echo "## machine"
echo "nproc: $(nproc)"
lscpu | grep 'Model name' || true
go version
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"

CGO_ENABLED=0 go build -o "$bin" ./cmd/xiaoer

echo
echo "## FAQ matching (xiaoer eval on $bench, default thresholds)"
if [ -x "$bench/run.sh" ]; then
  "$bench/run.sh" "$bin"
else
  echo "no $bench/run.sh: skipped"
fi

echo
echo "## our own shop sets (bench/ecom-*: written by the project; dev is for reading errors, test for measuring)"
# Shops with a test set only (ecom-zh2, ecom-zh3, ecom-en2) were never
# looked at to change the engine.
for set in bench/ecom-*; do
  for part in dev test; do
    [ -f "$set/$part.jsonl" ] || continue
    printf '%s %s ' "$set" "$part"
    "$bin" eval --faq "$set/faq.jsonl" --queries "$set/$part.jsonl" --json | tail -n 1
  done
done

echo
echo "## built-in intent model on the held-out set"
"$bin" eval intents --queries internal/nlp/testdata/intents.jsonl | tail -n 3

echo
echo "## Go benchmarks (build and match on synthetic FAQs)"
go test ./internal/nlp/ -run '^$' -bench 'Build|With|Match|Normalize' -benchmem -benchtime 5x

echo
echo "## publishing one FAQ into a shop of 10,000 (SQLite store, engine update, background rebuild)"
go test ./internal/kb/ -run '^$' -bench PublishToAnswer -benchtime 5x
