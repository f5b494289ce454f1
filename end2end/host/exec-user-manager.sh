#!/usr/bin/env bash
# Internal helper of provision.sh (runs as root, started under setsid):
#   exec-user-manager.sh PIDFILE UID GID USER HOME RUNTIME_DIR CGROUP_PROCS...
# Moves itself into each delegated cgroup (the CGROUP_PROCS files), writes its
# pid, then becomes the user's `systemd --user` (same pid). Its stdout/stderr
# are provision's log file: startup failures show there. (No journald runs on
# these machines: units' own output is lost; containers log to k8s-file.)
set -euo pipefail
(($# >= 6)) || { echo "exec-user-manager: bad arguments" >&2; exit 2; }
pidfile=$1 uid=$2 gid=$3 user=$4 home=$5 runtime=$6
shift 6
for procs in "$@"; do
	printf '%s\n' "$$" >"$procs"
done
printf '%s\n' "$$" >"$pidfile"
cd -- "$home"
exec setpriv --reuid="$uid" --regid="$gid" --init-groups -- env -i \
	"HOME=$home" "USER=$user" "LOGNAME=$user" "SHELL=/bin/bash" \
	"PATH=/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin" \
	"LANG=C.UTF-8" "XDG_RUNTIME_DIR=$runtime" \
	/lib/systemd/systemd --user
