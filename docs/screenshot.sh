#!/usr/bin/env bash
# Regenerate docs/briefing.png, the README's screenshot: run the demo, then shoot the latest briefing's first
# screen with headless Chromium (Debian: apt-get install chromium). Run from the repository root.
set -euo pipefail
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
tracker demo --out "$out/demo" >/dev/null
latest=$(ls -d "$out"/demo/briefings/*-W*/ | sort | tail -1)
chromium --headless=new --no-sandbox --disable-gpu --hide-scrollbars --window-size=1100,1400 \
  --screenshot="$(pwd)/docs/briefing.png" "file://${latest}briefing.html" 2>/dev/null
echo "docs/briefing.png from ${latest}briefing.html"
