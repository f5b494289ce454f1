#!/usr/bin/env bash
# `make bench`: every benchmark, each printing its ratios. The Podman ones run against
# the test host's rootless Podman, so this provisions it first (as `make test` does).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

if [[ "$(id -u)" != 0 ]]; then
    echo "make bench provisions a test user with rootless Podman and needs root: sudo make bench" >&2
    exit 2
fi

.ci/tools.sh
end2end/host/provision.sh --user berth-test >/dev/null
set -a
# shellcheck source=/dev/null
source /run/berth-test-host/berth-test.env
set +a

cargo bench --locked -p server --bench login_flood
cargo bench --locked -p server --bench podman_views
cargo bench --locked -p server --bench stacks
cargo bench --locked -p server --bench webhook
cargo bench --locked -p compose --bench parse
