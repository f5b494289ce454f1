#!/usr/bin/env bash
# Builds Berth as cargo-leptos would, without it: the browser bundle (wasm, JS, CSS,
# assets) into target/site, then the `berth` binary into target/release.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PWD/end2end/node_modules/.bin:$PATH"
say() { echo "build: [${SECONDS}s] $*" >&2; }

say "browser bundle (wasm)"
cargo build --locked --quiet -p app --lib --target wasm32-unknown-unknown \
    --profile wasm-release --no-default-features --features hydrate

site=target/site
staging=target/site.new
rm -rf "$staging"
mkdir -p "$staging/pkg"
wasm-bindgen --target web --no-typescript --out-dir "$staging/pkg" --out-name berth \
    target/wasm32-unknown-unknown/wasm-release/app.wasm
wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
    --enable-mutable-globals --enable-reference-types --enable-multivalue --strip-debug --strip-producers \
    "$staging/pkg/berth_bg.wasm" -o "$staging/pkg/berth_bg.wasm"
cp style/main.css "$staging/pkg/berth.css"
cp -R public/. "$staging/"
rm -rf "$site"
mv "$staging" "$site"

say "server (berth)"
cargo build --locked --quiet --release -p server --bin berth
say "done: target/release/berth, site in $site"
