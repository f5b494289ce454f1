#!/usr/bin/env bash
# teardown.sh [--user NAME] [--purge]
# Undoes provision.sh for one user: removes its containers and pods, stops its
# systemd --user (and so podman.socket), kills whatever of the user is left,
# empties its XDG_RUNTIME_DIR, removes /run/berth-test-host/USER.env, and stops
# the shared registry when no other provisioned user remains.
# --purge also deletes the user (userdel -r), its cgroup folders and, when no
# other user is provisioned, the registry data. Idempotent.
set -euo pipefail
BTH_PROG=teardown
# shellcheck source=lib.sh
source "$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

usage() { printf 'usage: %s [--user NAME] [--purge]\n' "$0" >&2; exit 2; }

user=${BERTH_TEST_USER:-berth-test}
purge=0
while (($#)); do
	case $1 in
	--user) (($# >= 2)) || usage; user=$2; shift 2 ;;
	--user=*) user=${1#--user=}; shift ;;
	--purge) purge=1; shift ;;
	*) usage ;;
	esac
done
valid_user_name "$user" || die "bad user name: $user"
require_root
exec 1>&2
take_lock

uid_file=$BTH_STATE_DIR/users/$user.uid
pidfile=$BTH_RUN_DIR/$user.systemd.pid
uid=

if load_user "$user"; then
	uid=$U_UID
	read -r sub_start sub_count <<<"$(subid_range /etc/subuid "$U_NAME")" || true
	sub_start=${sub_start:-0} sub_count=${sub_count:-0}

	log "removing the containers and pods of $U_NAME"
	as_user timeout 120 podman pod rm -a -f -t 0 >/dev/null 2>&1 || log "warning: podman pod rm failed"
	as_user timeout 120 podman rm -a -f -t 0 >/dev/null 2>&1 || log "warning: podman rm failed"

	if pid1_is_systemd; then
		loginctl disable-linger "$U_NAME" 2>/dev/null || true
		loginctl terminate-user "$U_NAME" 2>/dev/null || true
	elif user_manager_ok; then
		log "stopping systemd --user of $U_NAME"
		as_user timeout 30 systemctl --user exit 2>/dev/null || true
		if pid=$(pidfile_pid "$pidfile"); then
			wait_until 30 pid_dead "$pid" || log "warning: systemd --user (pid $pid) did not exit: killing it"
		fi
	fi
	if [[ -n $(user_live_pids "$U_UID" "$sub_start" "$sub_count") ]]; then
		log "killing the remaining processes of $U_NAME"
		kill_user_pids "$U_UID" "$sub_start" "$sub_count"
	fi
	wipe_runtime_dir "$U_RUNTIME"
else
	log "no user $user"
	uid=$(cat "$uid_file" 2>/dev/null || true)
fi
rm -f "$pidfile" "$BTH_RUN_DIR/$user.env"

others=$(provisioned_users | grep -vxF -- "$user" || true)
if [[ -z $others ]]; then
	stop_registry
else
	log "registry kept for: $(tr '\n' ' ' <<<"$others")"
fi

if ((purge)); then
	if getent passwd "$user" >/dev/null; then
		log "deleting user $user and its home"
		userdel -r "$user" 2>/dev/null || true
		! getent passwd "$user" >/dev/null || die "userdel -r $user failed"
	fi
	for f in /etc/subuid /etc/subgid; do # userdel normally does this
		if grep -q "^$user:" "$f" 2>/dev/null; then
			grep -v "^$user:" "$f" >"$f.berth-tmp" || true
			cat "$f.berth-tmp" >"$f"
			rm -f "$f.berth-tmp"
		fi
	done
	rm -f "/var/lib/systemd/linger/$user" "$uid_file" "$BTH_STATE_DIR/users/$user.verified" \
		"$BTH_LOG_DIR/systemd-user-$user.log" "$BTH_LOG_DIR/systemd-user-$user.log.1"
	if [[ $uid =~ ^[0-9]+$ ]]; then
		rm -rf "/run/user/$uid"
		while IFS= read -r root; do
			remove_cgroup_tree "$root/user.slice/user-$uid.slice" ||
				log "warning: could not remove $root/user.slice/user-$uid.slice"
			rmdir "$root/user.slice" 2>/dev/null || true # only when no other user's is left
		done < <(cgroup_roots)
	fi
	if [[ -z $others ]]; then
		log "removing the registry data"
		rm -rf "$BTH_REGISTRY_DIR" "$BTH_STATE_DIR/images.stamp" "$BTH_STATE_DIR/registry.yml" \
			"$BTH_STATE_DIR/build" "$BTH_LOG_DIR/registry.log" "$BTH_LOG_DIR/registry.log.1"
	fi
fi
log "done for $user"
