#!/usr/bin/env bash
# reboot.sh [--user NAME]
# Simulates a reboot of a provisioned user's rootless Podman, for the host panel's
# end-to-end test: stops every container of the user (as a power cut would leave
# them), stops the user's systemd --user (and with it podman.socket and the API
# service), then starts the manager again the way the host's boot would (logind
# does that for a lingering user). Whatever the manager then starts at boot
# (podman.socket, podman-restart.service) runs as on a real boot; nothing else is
# started. Processes of the user outside the manager (the Berth under test) are
# left alone. Exits when the manager has finished starting.
set -euo pipefail
BTH_PROG=reboot
# shellcheck source=lib.sh
source "$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

usage() { printf 'usage: %s [--user NAME]\n' "$0" >&2; exit 2; }

user=${BERTH_TEST_USER:-berth-test}
while (($#)); do
	case $1 in
	--user) (($# >= 2)) || usage; user=$2; shift 2 ;;
	--user=*) user=${1#--user=}; shift ;;
	*) usage ;;
	esac
done
valid_user_name "$user" || die "bad user name: $user"
require_root
exec 1>&2
take_lock
load_user "$user" || die "no such user: $user"
pid1_is_systemd && die "this host boots systemd as PID 1: reboot it for real instead"

log "stopping every container of $U_NAME"
as_user podman stop --all --time 0 >/dev/null

pidfile=$(manager_pidfile)
if pid=$(pidfile_pid "$pidfile"); then
	log "stopping systemd --user of $U_NAME (pid $pid)"
	kill -TERM "$pid"
	wait_until 60 pid_dead "$pid" || die "systemd --user of $U_NAME did not stop within 60 s"
fi
rm -f "$pidfile"

start_user_manager
log "systemd --user of $U_NAME started again; what it started at boot:"
as_user systemctl --user list-units --type=service --state=active --plain --no-legend >&2 || true
