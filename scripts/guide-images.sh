#!/usr/bin/env bash
# Copies the screenshots the guides show from the browser tests' artifacts
# (e2e/tests/guide.test.mjs writes them) into docs/img: 1000 pixels wide,
# 256 colours, each under 150 KB. Needs ImageMagick's convert.
#
#   go build -o xiaoer ./cmd/xiaoer && (cd e2e && npm ci && node --test tests/guide.test.mjs)
#   scripts/guide-images.sh
set -euo pipefail
cd "$(dirname "$0")/.."

# artifact -> docs/img name
shots=(
  "guide-admin-stats admin-stats"
  "guide-admin-gaps admin-gaps"
  "guide-admin-notify admin-notify"
  "guide-admin-system admin-system"
  "guide-desk-workbench desk-workbench"
)
for s in "${shots[@]}"; do
  read -r from to <<<"$s"
  src="e2e/artifacts/$from.png"
  dst="docs/img/$to.png"
  if [ ! -f "$src" ]; then
    echo "guide-images: $src is missing: run e2e/tests/guide.test.mjs first" >&2
    exit 1
  fi
  convert "$src" -resize 1000x -strip -colors 256 "PNG8:$dst"
  size=$(stat -c %s "$dst")
  echo "$dst: $((size / 1024)) KB"
  if [ "$size" -gt $((150 * 1024)) ]; then
    echo "guide-images: $dst is over 150 KB" >&2
    exit 1
  fi
done
