#!/usr/bin/env bash
# `make test`: every test, on a real rootless Podman. Needs root: it installs what is
# missing and provisions the unprivileged test user (end2end/host/provision.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
say() { echo "test: [${SECONDS}s] $*" >&2; }

if [[ "$(id -u)" != 0 ]]; then
    echo "make test provisions a test user with rootless Podman and needs root: sudo make test" >&2
    exit 2
fi

.ci/tools.sh --test
say "provisioning the test host"
end2end/host/provision.sh --user berth-test >/dev/null
set -a
# shellcheck source=/dev/null
source /run/berth-test-host/berth-test.env
set +a

.ci/build.sh

say "unit and integration tests"
cargo test --locked --release --workspace

# Berth refuses root, so the end-to-end server runs as the test user, from a copy it
# can read wherever this checkout lives.
install_dir=/opt/berth-test
rm -rf "$install_dir"
install -d -m 0755 "$install_dir/bin" "$install_dir/share/berth"
install -m 0755 target/release/berth "$install_dir/bin/berth"
cp -R target/site "$install_dir/share/berth/site"
chmod -R a+rX "$install_dir"

export BERTH_E2E_BIN="$install_dir/bin/berth"
export BERTH_E2E_DATA_DIR="$BERTH_TEST_HOME/berth-e2e"
rm -rf "$BERTH_E2E_DATA_DIR"

say "end-to-end tests (Chromium)"
cd end2end
npx playwright test
say "all tests passed"
