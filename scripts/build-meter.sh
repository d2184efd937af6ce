#!/usr/bin/env bash
# Rebuilds native/ebur128-meter/ebur128_meter.wasm, the loudness meter adapters/loudness.ts loads, from its Rust
# source (the ebur128 crate at the version Cargo.lock pins). Needs cargo and the wasm32-unknown-unknown target
# (`rustup target add wasm32-unknown-unknown`); running Bolt does not, as the built module is committed.
# Its own test (cargo test, run first) checks the true peak against the crate's to the bit; afterwards
# `npm run test:unit` checks the build against the published one and a model of the true peak.
set -euo pipefail
cd "$(dirname "$0")/../native/ebur128-meter"
# On this machine first: the true peak it computes near loud samples only must equal the crate's over every point.
cargo test --release --locked
cargo build --release --locked --target wasm32-unknown-unknown
cp target/wasm32-unknown-unknown/release/ebur128_meter.wasm ebur128_meter.wasm
echo "build-meter: $(pwd)/ebur128_meter.wasm ($(wc -c < ebur128_meter.wasm) bytes, $(rustc --version))"
