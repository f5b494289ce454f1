# shellcheck shell=bash
# Shared helpers of the Berth test-host scripts (provision.sh, teardown.sh).
# Sourced, never run. Callers set BTH_PROG (message prefix) before sourcing.
# shellcheck disable=SC2034 # variables set here are used by the callers

BTH_HOST_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
BTH_STATE_DIR=/var/lib/berth-test-host   # registry data, image build, logs
BTH_RUN_DIR=/run/berth-test-host         # env files, pid files, lock
BTH_LOG_DIR=$BTH_STATE_DIR/log
BTH_REGISTRY_DIR=$BTH_STATE_DIR/registry
BTH_REGISTRY_ADDR=127.0.0.1:5000
BTH_REGISTRY_PIDFILE=$BTH_RUN_DIR/registry.pid

log() { printf '%s: %s\n' "${BTH_PROG:-berth-test-host}" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

require_root() {
	[[ $(id -u) == 0 ]] || die "must run as root"
}

valid_user_name() {
	[[ $1 =~ ^[a-z_][a-z0-9_-]{0,30}$ ]]
}

# Serialises provision/teardown runs (two users may be provisioned at once).
# Every daemon or podman process started while the lock is held must get
# "9>&-" so that it does not keep the lock open after we exit.
take_lock() {
	mkdir -p "$BTH_RUN_DIR"
	chmod 755 "$BTH_RUN_DIR"
	exec 9>"$BTH_RUN_DIR/lock"
	flock -w 900 9 || die "could not take $BTH_RUN_DIR/lock within 900 s"
}

# wait_until SECONDS CMD [ARGS...]: polls CMD until it succeeds or the
# deadline passes (returns 1 then).
wait_until() {
	local deadline=$((SECONDS + $1))
	shift
	until "$@"; do
		((SECONDS < deadline)) || return 1
		sleep 0.2
	done
}

# pid_alive PID: a live (not zombie) process. PID 1 of these VMs does not reap
# orphans, so dead daemons linger as zombies and `kill -0` is not enough.
pid_alive() {
	local pid=$1 stat
	[[ $pid =~ ^[0-9]+$ ]] || return 1
	stat=$(cat "/proc/$pid/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	[[ ${stat%% *} != [ZX] ]]
}

pidfile_pid() { # prints the pid of a pid file when that process is alive
	local pid
	[[ -f $1 ]] || return 1
	pid=$(<"$1") || return 1
	pid_alive "$pid" || return 1
	printf '%s\n' "$pid"
}

# Loads U_NAME U_UID U_GID U_HOME U_RUNTIME for an existing user.
load_user() {
	local entry
	entry=$(getent passwd "$1") || return 1
	IFS=: read -r U_NAME _ U_UID U_GID _ U_HOME _ <<<"$entry"
	U_RUNTIME=/run/user/$U_UID
	U_SOCKET=$U_RUNTIME/podman/podman.sock
}

# subid_range FILE NAME: prints "START COUNT" of NAME's first range.
subid_range() {
	awk -F: -v n="$2" '$1 == n { print $2, $3; exit }' "$1" 2>/dev/null
}

# Live (not zombie) processes owned by the uid, or by a uid of its
# subordinate range (processes of containers run as non-root users).
user_live_pids() {
	local uid=$1 sub_start=${2:-0} sub_count=${3:-0}
	ps -e -o pid=,ruid=,euid=,stat= | awk -v uid="$uid" -v s="$sub_start" -v c="$sub_count" -v self="$$" '
		$4 ~ /^[ZX]/ { next }
		$1 == self { next }
		function mine(u) { return u == uid || (c > 0 && u >= s && u < s + c) }
		mine($2) || mine($3) { print $1 }'
}

no_user_pids() { [[ -z $(user_live_pids "$@") ]]; }

# kill_user_pids UID [SUBSTART SUBCOUNT]: SIGKILL until none is left.
kill_user_pids() {
	local deadline=$((SECONDS + 20)) pids
	while :; do
		pids=$(user_live_pids "$@")
		[[ -z $pids ]] && return 0
		((SECONDS < deadline)) || die "processes of uid $1 survive SIGKILL: $(tr '\n' ' ' <<<"$pids")"
		# shellcheck disable=SC2086 # a list of numbers
		kill -KILL $pids 2>/dev/null || true
		sleep 0.2
	done
}

pid1_is_systemd() {
	[[ $(cat /proc/1/comm 2>/dev/null) == systemd ]]
}

# The cgroup hierarchies in which systemd --user needs a delegated folder:
# the named v1 "systemd" hierarchy and the v2 one (hybrid: .../unified).
cgroup_roots() {
	local d
	for d in /sys/fs/cgroup/systemd /sys/fs/cgroup/unified; do
		if mountpoint -q "$d"; then printf '%s\n' "$d"; fi
	done
	if [[ $(stat -f -c %T /sys/fs/cgroup) == cgroup2fs ]]; then
		printf '%s\n' /sys/fs/cgroup
	fi
}

# remove_cgroup_tree DIR: rmdir of a cgroup folder and its children, deepest
# first (cgroup folders are removed with rmdir, never rm -r).
remove_cgroup_tree() {
	local d
	[[ -d $1 ]] || return 0
	while IFS= read -r -d '' d; do
		rmdir "$d" 2>/dev/null || true
	done < <(find "$1" -depth -mindepth 0 -type d -print0)
	[[ ! -d $1 ]]
}

# Empties a user's runtime dir (what logind does at the last logout). Only
# called when no process of the user is alive.
wipe_runtime_dir() {
	local dir=$1 m
	[[ -d $dir ]] || return 0
	# Unmount anything left mounted below it (none expected: rootless podman
	# mounts live in its own mount namespace).
	while IFS= read -r m; do
		umount -l "$m" 2>/dev/null || true
	done < <(awk -v d="$dir/" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo | sort -r)
	find "$dir" -mindepth 1 -maxdepth 1 -exec rm -rf -- {} +
}

# Runs a command as the user, the lock fd closed (see take_lock).
as_user() {
	"$BTH_HOST_DIR/as-user.sh" "$U_NAME" "$@" 9>&-
}

# State of the user's systemd --user: prints its is-system-running answer.
user_manager_state() {
	as_user timeout 10 systemctl --user is-system-running 2>/dev/null || true
}

user_manager_ok() {
	local s
	s=$(user_manager_state)
	[[ $s == running || $s == degraded ]]
}

# --- systemd --user (provision.sh starts it, reboot.sh restarts it) -----------------
manager_pidfile() { printf '%s/%s.systemd.pid\n' "$BTH_RUN_DIR" "$U_NAME"; }

start_user_manager() {
	local root dir procs=() logf pidfile pid deadline state
	pidfile=$(manager_pidfile)
	logf=$BTH_LOG_DIR/systemd-user-$U_NAME.log
	while IFS= read -r root; do
		dir=$root/user.slice/user-$U_UID.slice/user@$U_UID.service
		mkdir -p "$dir"
		chown -R "$U_UID:$U_GID" "$dir"
		procs+=("$dir/cgroup.procs")
	done < <(cgroup_roots)
	((${#procs[@]})) || die "no cgroup hierarchy found under /sys/fs/cgroup"
	install -d -m 755 "$BTH_LOG_DIR"
	[[ -f $logf ]] && mv -f "$logf" "$logf.1"
	log "starting systemd --user for $U_NAME (log: $logf)"
	setsid -f "$BTH_HOST_DIR/exec-user-manager.sh" "$pidfile" "$U_UID" "$U_GID" \
		"$U_NAME" "$U_HOME" "$U_RUNTIME" "${procs[@]}" </dev/null >>"$logf" 2>&1 9>&-
	deadline=$((SECONDS + 60))
	while :; do
		state=$(user_manager_state)
		[[ $state == running || $state == degraded ]] && break
		if pid=$(cat "$pidfile" 2>/dev/null) && ! pid_alive "$pid"; then
			tail -n 20 "$logf" >&2 || true
			die "systemd --user of $U_NAME exited (see $logf)"
		fi
		if ((SECONDS >= deadline)); then
			tail -n 20 "$logf" >&2 || true
			die "systemd --user of $U_NAME not ready after 60 s (state: ${state:-no answer})"
		fi
		sleep 0.2
	done
	log "systemd --user of $U_NAME is $state"
}

registry_ok() {
	curl -fsS --max-time 3 -o /dev/null "http://$BTH_REGISTRY_ADDR/v2/" 2>/dev/null
}

# Users with an env file, i.e. provisioned and not torn down.
provisioned_users() {
	local f
	for f in "$BTH_RUN_DIR"/*.env; do
		[[ -e $f ]] || continue
		f=${f##*/}
		printf '%s\n' "${f%.env}"
	done
}

stop_registry() {
	local pid
	if pid=$(pidfile_pid "$BTH_REGISTRY_PIDFILE") &&
		[[ $(cat "/proc/$pid/comm" 2>/dev/null) == docker-registry ]]; then
		log "stopping the registry (pid $pid)"
		kill -TERM "$pid" 2>/dev/null || true
		if ! wait_until 10 pid_dead "$pid"; then
			kill -KILL "$pid" 2>/dev/null || true
			wait_until 5 pid_dead "$pid" || die "registry pid $pid does not die"
		fi
	fi
	rm -f "$BTH_REGISTRY_PIDFILE"
}

pid_dead() { ! pid_alive "$1"; }
