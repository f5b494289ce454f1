#!/usr/bin/env bash
# as-user.sh USER CMD [ARGS...]
# Runs CMD as USER with a login-like environment (HOME USER LOGNAME SHELL PATH
# XDG_RUNTIME_DIR=/run/user/UID, DBUS_SESSION_BUS_ADDRESS when that user's bus
# socket exists, LANG, TERM) and the home as working directory. No shell is
# involved: CMD and ARGS are passed as argv. The exit status is CMD's.
# Run as root (or as USER itself). stdin/stdout/stderr are passed through.
set -euo pipefail

die() { printf 'as-user: ERROR: %s\n' "$*" >&2; exit 125; }

(($# >= 2)) || die "usage: as-user.sh USER CMD [ARGS...]"
user=$1
shift
[[ $user =~ ^[a-z_][a-z0-9_-]{0,30}$ ]] || die "bad user name: $user"
entry=$(getent passwd "$user") || die "no such user: $user"
IFS=: read -r _ _ uid gid _ home shell <<<"$entry"
runtime=/run/user/$uid

# env(1) would take a first word containing "=" for an assignment.
[[ $1 != *=* ]] || die "command must not contain '=': $1"

envs=(
	"HOME=$home"
	"USER=$user"
	"LOGNAME=$user"
	"SHELL=${shell:-/bin/sh}"
	"PATH=/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin"
	"LANG=${LANG:-C.UTF-8}"
	"XDG_RUNTIME_DIR=$runtime"
)
[[ -n ${TERM:-} ]] && envs+=("TERM=$TERM")
[[ -S $runtime/bus ]] && envs+=("DBUS_SESSION_BUS_ADDRESS=unix:path=$runtime/bus")

cd -- "$home" 2>/dev/null || cd /

me=$(id -u)
if [[ $me == "$uid" ]]; then
	exec env -i "${envs[@]}" "$@"
fi
[[ $me == 0 ]] || die "must run as root or as $user"
exec setpriv --reuid="$uid" --regid="$gid" --init-groups -- env -i "${envs[@]}" "$@"
