#!/usr/bin/env bash
# Installs what building (and, with --test, testing) Berth needs, skipping whatever
# is already installed: Debian packages, the wasm target, wasm-bindgen-cli at the
# exact Cargo.lock version, and the npm packages (Playwright, binaryen's wasm-opt).
# No browser or tool binary is downloaded from anywhere but the package registries.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
say() { echo "tools: [${SECONDS}s] $*" >&2; }

packages=(gcc pkg-config curl ca-certificates make)
command -v npm >/dev/null || packages+=(nodejs npm)
if [[ "${1:-}" == "--test" ]]; then
    packages+=(chromium fonts-dejavu-core)
fi

missing=()
for package in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$package")
    fi
done
if ((${#missing[@]})); then
    if [[ "$(id -u)" != 0 ]]; then
        say "missing Debian packages: ${missing[*]}"
        say "install them first: sudo apt-get install ${missing[*]}"
        exit 1
    fi
    say "installing ${missing[*]}"
    # The test host makes /run/systemd/system even where systemd is not PID 1; while it
    # exists, maintainer scripts call systemctl and fail. Hide it during apt.
    hid=0
    if [[ "$(cat /proc/1/comm)" != systemd ]] && rmdir /run/systemd/system 2>/dev/null; then
        hid=1
    fi
    rc=0
    apt-get -o DPkg::Lock::Timeout=600 update -qq &&
        DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
            --no-install-recommends "${missing[@]}" >/dev/null || rc=$?
    ((hid)) && mkdir -p /run/systemd/system
    ((rc == 0)) || { say "apt-get failed"; exit 1; }
fi

if ! command -v cargo >/dev/null; then
    say "cargo is missing: install the stable Rust toolchain with rustup first"
    exit 1
fi

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    say "adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
fi

# The CLI must match the wasm-bindgen crate exactly, or the bundle won't load.
wbg_version="$(awk '$0 == "name = \"wasm-bindgen\"" { getline; gsub(/"/, "", $3); print $3; exit }' Cargo.lock)"
if [[ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $wbg_version" ]]; then
    say "building wasm-bindgen-cli $wbg_version (about 8 minutes, once)"
    # Not --locked: its lockfile pins a yanked crate.
    cargo install --quiet wasm-bindgen-cli --version "$wbg_version"
fi

stamp=end2end/node_modules/.package-lock.sha256
want="$(sha256sum end2end/package-lock.json | cut -d' ' -f1)"
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
    say "installing npm packages in end2end/"
    (cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
    echo "$want" >"$stamp"
fi
