#!/usr/bin/env bash
# `make run`: build Berth and run it.
# - As root (a throwaway machine): provision the unprivileged user `berth` with rootless
#   Podman, install Berth in /opt/berth and run it as that user's systemd service.
# - As anyone else: run it in the foreground against your own Podman socket.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
say() { echo "run: $*" >&2; }

.ci/tools.sh
.ci/build.sh

if [[ "$(id -u)" != 0 ]]; then
    say "serving as $(id -un); stop with Ctrl-C"
    exec target/release/berth serve "$@"
fi

user="${BERTH_USER:-berth}"
listen="${BERTH_LISTEN:-127.0.0.1:9443}"
say "provisioning the user $user with rootless Podman"
end2end/host/provision.sh --user "$user" >/dev/null
# shellcheck source=/dev/null
source "/run/berth-test-host/$user.env"
home="$BERTH_TEST_HOME"
as_user=(end2end/host/as-user.sh "$user")

install -d -m 0755 /opt/berth/bin /opt/berth/share/berth
install -m 0755 target/release/berth /opt/berth/bin/berth.new
mv -f /opt/berth/bin/berth.new /opt/berth/bin/berth
rm -rf /opt/berth/share/berth/site.new
cp -R target/site /opt/berth/share/berth/site.new
chmod -R a+rX /opt/berth/share/berth/site.new
rm -rf /opt/berth/share/berth/site
mv /opt/berth/share/berth/site.new /opt/berth/share/berth/site

# The unit comes from `berth install-service`; this machine has no journald, so a
# drop-in sends the output to a file.
"${as_user[@]}" /opt/berth/bin/berth install-service --listen "$listen" --no-start >/dev/null
log="$home/.local/state/berth/berth.log"
"${as_user[@]}" mkdir -p "$home/.config/systemd/user/berth.service.d" "$home/.local/state/berth"
"${as_user[@]}" tee "$home/.config/systemd/user/berth.service.d/log.conf" >/dev/null <<UNIT
[Service]
StandardOutput=append:$log
StandardError=append:$log
UNIT
"${as_user[@]}" systemctl --user daemon-reload
"${as_user[@]}" systemctl --user enable --quiet berth.service
"${as_user[@]}" systemctl --user restart berth.service

url="https://$listen"
deadline=$((SECONDS + 60))
until curl -fsk --max-time 2 "$url/healthz" >/dev/null 2>&1; do
    if ((SECONDS > deadline)); then
        say "Berth did not answer on $url within 60 s; its log:"
        tail -n 30 "$log" >&2 || true
        exit 1
    fi
    sleep 0.5
done
say "Berth is serving $url/ as the user $user (systemd user service berth.service)"
"${as_user[@]}" /opt/berth/bin/berth doctor >&2 || true
say "log: $log"
say "stop: end2end/host/as-user.sh $user systemctl --user stop berth.service"
