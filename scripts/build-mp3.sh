#!/usr/bin/env bash
# Rebuilds native/lame-mp3/lame_mp3.wasm, the MP3 encoder adapters/audio-codec.ts loads: LAME 3.100 (LGPL, its
# unmodified source as the mp3lame-sys 0.1.9 crate on crates.io carries it) and our native/lame-mp3/mp3_encoder.c,
# compiled for wasm32-wasi by zig 0.13.0's clang (the ziglang wheel from PyPI). Both downloads are pinned by
# SHA-256 and kept in ~/.cache/bolt (BOLT_CACHE); a second run downloads nothing. Running Bolt needs none of it:
# the built module is committed. Afterwards `npm run test:unit` checks it against the published LAME build.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
cache="${BOLT_CACHE:-$HOME/.cache/bolt}"
mkdir -p "$cache"

zig_version=0.13.0
zig_wheel_sha256=3ce0c9f16547e5d61b32e0d226926e9a2552ef4b91fccf7ab5ea1a623a77824b
lame_crate=mp3lame-sys-0.1.9
lame_crate_sha256=cba8102a6f54cde0eeee828fa06c2c6353e384aa4a487c3f9197b39e576fb174

zig="$cache/zig-$zig_version/ziglang/zig"
if [ ! -x "$zig" ]; then
  wheels="$(mktemp -d)"
  python3 -m pip download --quiet --no-deps --only-binary=:all: --platform manylinux_2_12_x86_64 "ziglang==$zig_version" -d "$wheels"
  wheel="$(ls "$wheels"/ziglang-*.whl)"
  echo "$zig_wheel_sha256  $wheel" | sha256sum --check --quiet
  python3 -m pip install --quiet --root-user-action=ignore --no-deps --target "$cache/zig-$zig_version" "$wheel"
  rm -rf "$wheels"
fi

lame="$cache/$lame_crate/lame-3.100"
if [ ! -d "$lame/libmp3lame" ]; then
  crate="$(mktemp)"
  curl -fsSL -o "$crate" "https://static.crates.io/crates/mp3lame-sys/$lame_crate.crate"
  echo "$lame_crate_sha256  $crate" | sha256sum --check --quiet
  tar -xzf "$crate" -C "$cache" "$lame_crate/lame-3.100"
  rm -f "$crate"
fi

sources=()
for f in bitstream encoder fft gain_analysis id3tag lame newmdct presets psymodel quantize_pvt quantize reservoir \
  set_get tables takehiro util vbrquantize VbrTag version; do
  sources+=("$lame/libmp3lame/$f.c")
done
cd "$here/native/lame-mp3"
# -O3 and 128-bit SIMD (every Node Bolt supports has it): speed, as the published build (-Oz) is made for size.
"$zig" cc -target wasm32-wasi -mexec-model=reactor -O3 -flto -msimd128 -DHAVE_CONFIG_H -DNDEBUG -w \
  -I. -I"$lame/include" -I"$lame/libmp3lame" "${sources[@]}" mp3_encoder.c -Wl,--strip-all -o lame_mp3.wasm
echo "build-mp3: $(pwd)/lame_mp3.wasm ($(wc -c < lame_mp3.wasm) bytes, zig $("$zig" version), LAME 3.100)"
