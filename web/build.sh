#!/usr/bin/env bash
# Builds the lab in the browser into web/dist/: the downhill-web crate for
# wasm32-unknown-unknown, its JavaScript bindings (wasm-bindgen-cli, the version in
# Cargo.lock), the page and the precomputed figures shown where WebGPU is missing.
# Serve it with `python3 -m http.server -d web/dist` and open http://localhost:8000/.
set -euo pipefail
web="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$web")"
target="${CARGO_TARGET_DIR:-$root/target}"
want="$(grep -A1 '^name = "wasm-bindgen"$' "$root/Cargo.lock" | sed -n 's/^version = "\(.*\)"/\1/p')"
have="$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" || true
if [ "$have" != "$want" ]; then
    echo "web/build.sh: needs wasm-bindgen-cli $want (found '${have:-none}'):" \
         "cargo install wasm-bindgen-cli --version $want" >&2
    exit 1
fi
cargo build --manifest-path "$root/Cargo.toml" -p downhill-web --release --target wasm32-unknown-unknown
rm -rf "$web/dist"
mkdir -p "$web/dist"
wasm-bindgen --target web --no-typescript --out-dir "$web/dist/pkg" \
    "$target/wasm32-unknown-unknown/release/downhill_web.wasm"
cp "$web/index.html" "$web/lab.js" "$web/lab.css" "$web/dist/"
cp -r "$web/fallback" "$web/dist/"
echo "web/build.sh: built $web/dist ($(du -sh "$web/dist/pkg" | cut -f1) of wasm and bindings)"
