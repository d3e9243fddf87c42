#!/usr/bin/env bash
# Installs the project's non-Rust tools into ./.tools from the package registries, so a clean
# clone needs nothing installed by hand. Safe to re-run: it does nothing when the tools are there.
# Prints the directory to put on PATH.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
tools="$root/.tools"
buf_version="1.75.0"
mkdir -p "$tools"

if ! "$tools/node_modules/.bin/buf" --version 2>/dev/null | grep -qx "$buf_version"; then
  echo "installing buf $buf_version into .tools" >&2
  npm install --prefix "$tools" --no-audit --no-fund --loglevel=error "@bufbuild/buf@$buf_version" >&2
fi
echo "$tools/node_modules/.bin"
