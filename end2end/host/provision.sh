#!/usr/bin/env bash
# provision.sh [--user NAME]
# Makes this machine (Debian 12, root, PID 1 not systemd, hybrid cgroups) a
# rootless Podman host for Berth's tests: packages, the user, its own
# `systemd --user` with podman.socket, a shared local registry on
# 127.0.0.1:5000 holding the demo images. Idempotent; recovers from stale
# files of a run whose processes were all killed. Progress goes to stderr;
# stdout gets the KEY=VALUE lines also written to /run/berth-test-host/USER.env.
set -euo pipefail
BTH_PROG=provision
# shellcheck source=lib.sh
source "$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

usage() { printf 'usage: %s [--user NAME]\n' "$0" >&2; exit 2; }

user=${BERTH_TEST_USER:-berth-test}
while (($#)); do
	case $1 in
	--user) (($# >= 2)) || usage; user=$2; shift 2 ;;
	--user=*) user=${1#--user=}; shift ;;
	-h | --help) usage ;;
	*) usage ;;
	esac
done
valid_user_name "$user" || die "bad user name: $user"
require_root

exec 3>&1 1>&2 # stdout is for the env lines only
take_lock
started=$SECONDS

# netavark/aardvark-dns are only Recommends of podman's deps: named here since
# apt runs with --no-install-recommends. procps/iproute2: ps and ss for us.
PACKAGES=(podman runc uidmap slirp4netns catatonit fuse-overlayfs netavark
	aardvark-dns busybox-static iptables docker-registry podman-compose curl
	ca-certificates dbus-user-session sqlite3 procps iproute2)

REGISTRY_CONFIG=$BTH_STATE_DIR/registry.yml
IMAGES=("demo/web:v1" "demo/web:v2" "demo/idle:latest")
VERIFY_NAMES=(berth-provision-verify-web-v1 berth-provision-verify-web-v2
	berth-provision-verify-idle)

# --- packages ---------------------------------------------------------------
install_packages() {
	local p missing=()
	for p in "${PACKAGES[@]}"; do
		if [[ $(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null) != installed ]]; then
			missing+=("$p")
		fi
	done
	((${#missing[@]})) || return 0
	log "installing: ${missing[*]}"
	# With /run/systemd/system present (made below), maintainer scripts believe
	# systemd runs and call systemctl, which fails here: hide it during apt.
	local hid=0
	if ! pid1_is_systemd && [[ -d /run/systemd/system ]] && rmdir /run/systemd/system 2>/dev/null; then
		hid=1
	fi
	local rc=0
	{
		DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 update -q &&
			DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends "${missing[@]}"
	} 9>&- || rc=$?
	((hid)) && mkdir -p /run/systemd/system
	((rc == 0)) || die "apt-get failed (rc $rc)"
}

# --- host tweaks (see /work/shared/notes/test-host.md) ------------------------
host_tweaks() {
	mkdir -p /run/systemd/system # else systemd --user: "not booted with systemd"
	if [[ ! -c /dev/net/tun ]]; then
		mkdir -p /dev/net
		rm -f /dev/net/tun
		mknod -m 666 /dev/net/tun c 10 200
	fi
	chmod 666 /dev/net/tun # slirp4netns of rootless containers opens it
}

# --- the user -----------------------------------------------------------------
next_free_subid() { # FILE: first id after every range in FILE (>= 100000)
	awk -F: 'BEGIN { m = 100000 } NF >= 3 && $2 + $3 > m { m = $2 + $3 } END { print m }' "$1" 2>/dev/null || echo 100000
}

ensure_user() {
	if ! getent passwd "$user" >/dev/null; then
		log "creating user $user"
		useradd -m -s /bin/bash "$user"
	fi
	load_user "$user" || die "cannot read the passwd entry of $user"
	[[ -d $U_HOME ]] || install -d -o "$U_UID" -g "$U_GID" -m 750 "$U_HOME"
	local start
	if [[ -z $(subid_range /etc/subuid "$U_NAME") ]]; then
		start=$(next_free_subid /etc/subuid)
		log "adding subuids $start-$((start + 65535)) for $U_NAME"
		usermod --add-subuids "$start-$((start + 65535))" "$U_NAME"
	fi
	if [[ -z $(subid_range /etc/subgid "$U_NAME") ]]; then
		start=$(next_free_subid /etc/subgid)
		log "adding subgids $start-$((start + 65535)) for $U_NAME"
		usermod --add-subgids "$start-$((start + 65535))" "$U_NAME"
	fi
	read -r SUB_START SUB_COUNT <<<"$(subid_range /etc/subuid "$U_NAME")"
	install -d -m 755 "$BTH_STATE_DIR" "$BTH_STATE_DIR/users"
	printf '%s\n' "$U_UID" >"$BTH_STATE_DIR/users/$U_NAME.uid" # for teardown --purge
	install -d -m 755 /run/user
	install -d -o "$U_UID" -g "$U_GID" -m 700 "$U_RUNTIME"
}

# install_user_file PATH MODE: stdin into PATH (owned by the user) if changed.
install_user_file() {
	local path=$1 mode=$2 tmp
	tmp=$(mktemp)
	cat >"$tmp"
	if [[ -f $path ]] && cmp -s "$tmp" "$path"; then
		rm -f "$tmp"
		return 0
	fi
	log "writing $path"
	install -o "$U_UID" -g "$U_GID" -m "$mode" "$tmp" "$path"
	rm -f "$tmp"
}

user_config() {
	install -d -o "$U_UID" -g "$U_GID" -m 755 "$U_HOME/.config" "$U_HOME/.config/containers"
	# runc: crun refuses hybrid cgroups. Events and container logs to files:
	# there is no journald on these machines.
	install_user_file "$U_HOME/.config/containers/containers.conf" 644 <<'EOF'
# Written by Berth's end2end/host/provision.sh
[containers]
log_driver = "k8s-file"

[engine]
runtime = "runc"
events_logger = "file"
EOF
}

# --- systemd --user -------------------------------------------------------------
reset_user_session() {
	local root
	log "cleaning up stale state of $U_NAME (processes, $U_RUNTIME, cgroup folders)"
	kill_user_pids "$U_UID" "$SUB_START" "$SUB_COUNT"
	wipe_runtime_dir "$U_RUNTIME"
	while IFS= read -r root; do
		remove_cgroup_tree "$root/user.slice/user-$U_UID.slice/user@$U_UID.service" ||
			log "warning: could not remove stale $root/user.slice/user-$U_UID.slice/user@$U_UID.service"
	done < <(cgroup_roots)
	rm -f "$(manager_pidfile)"
}

ensure_user_manager() {
	if pid1_is_systemd; then # an ordinary systemd host: logind starts it
		if ! user_manager_ok; then
			loginctl enable-linger "$U_NAME"
			wait_until 60 user_manager_ok || die "user@$U_UID.service not ready after 60 s"
		fi
		return 0
	fi
	if user_manager_ok; then
		log "systemd --user of $U_NAME is running"
		return 0
	fi
	reset_user_session
	start_user_manager
	local failed
	failed=$(as_user systemctl --user list-units --failed --plain --no-legend 2>/dev/null || true)
	[[ -z $failed ]] || log "note: failed user units: $(tr '\n' ' ' <<<"$failed")"
}

# --- podman.socket --------------------------------------------------------------
podman_ping() {
	[[ $(curl -sS --max-time 5 --unix-socket "$U_SOCKET" http://d/v4.0.0/libpod/_ping 2>/dev/null) == OK ]]
}

ensure_podman_socket() {
	if [[ $(as_user systemctl --user is-enabled podman.socket 2>/dev/null || true) != enabled ]] ||
		[[ $(as_user systemctl --user is-active podman.socket 2>/dev/null || true) != active ]]; then
		log "enabling podman.socket for $U_NAME"
		as_user systemctl --user enable --now podman.socket
	fi
	if ! wait_until 60 podman_ping; then
		log "podman API not answering on $U_SOCKET: restarting podman.socket once"
		as_user systemctl --user reset-failed podman.socket podman.service 2>/dev/null || true
		as_user systemctl --user stop podman.service podman.socket || true
		as_user systemctl --user start podman.socket
		if ! wait_until 60 podman_ping; then
			as_user systemctl --user --no-pager status podman.socket podman.service >&2 || true
			die "podman API of $U_NAME does not answer on $U_SOCKET (GET /v4.0.0/libpod/_ping)"
		fi
	fi
	log "podman API of $U_NAME answers on $U_SOCKET"
}

# --- registry -------------------------------------------------------------------
port_5000_listener() { ss -ltnpH 'sport = :5000' 2>/dev/null || true; }

ensure_registry() {
	if registry_ok; then
		log "registry at $BTH_REGISTRY_ADDR answers"
		return 0
	fi
	stop_registry # a stale or hung one of ours
	local line pid
	line=$(port_5000_listener)
	if [[ -n $line ]]; then
		pid=$(grep -o 'pid=[0-9]*' <<<"$line" | head -n 1 | cut -d= -f2)
		# Debian's own service (config with htpasswd auth on all interfaces),
		# started by the package's postinst on a machine with a working init.
		if [[ -n $pid ]] && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q '/etc/docker/registry/config.yml'; then
			log "stopping Debian's docker-registry service (pid $pid): it asks for auth"
			kill -TERM "$pid" 2>/dev/null || true
			wait_until 10 pid_dead "$pid" || kill -KILL "$pid" 2>/dev/null || true
		else
			die "port 5000 is taken and no registry answers there: $line"
		fi
	fi
	install -d -m 755 "$BTH_STATE_DIR" "$BTH_LOG_DIR" "$BTH_REGISTRY_DIR"
	cat >"$REGISTRY_CONFIG.tmp" <<EOF
# Written by Berth's end2end/host/provision.sh: local, no auth, own storage.
version: 0.1
log:
  level: info
  fields:
    service: berth-test-registry
storage:
  filesystem:
    rootdirectory: $BTH_REGISTRY_DIR
  delete:
    enabled: true
http:
  addr: $BTH_REGISTRY_ADDR
EOF
	mv -f "$REGISTRY_CONFIG.tmp" "$REGISTRY_CONFIG"
	local logf=$BTH_LOG_DIR/registry.log
	[[ -f $logf ]] && mv -f "$logf" "$logf.1"
	log "starting docker-registry on $BTH_REGISTRY_ADDR (data: $BTH_REGISTRY_DIR, log: $logf)"
	# Not a process group leader here, so setsid(1) does not fork: $! is the
	# registry itself.
	setsid docker-registry serve "$REGISTRY_CONFIG" </dev/null >>"$logf" 2>&1 9>&- &
	pid=$!
	printf '%s\n' "$pid" >"$BTH_REGISTRY_PIDFILE"
	local deadline=$((SECONDS + 30))
	until registry_ok; do
		if ! pid_alive "$pid" || ((SECONDS >= deadline)); then
			tail -n 20 "$logf" >&2 || true
			die "the registry did not come up on $BTH_REGISTRY_ADDR (see $logf)"
		fi
		sleep 0.2
	done
	log "registry up (pid $pid)"
}

# --- demo images ----------------------------------------------------------------
# build_rootfs DIR KIND VERSION: a busybox-only root file system.
build_rootfs() {
	local root=$1 kind=$2 version=$3 applet
	rm -rf "$root"
	mkdir -p "$root"/{bin,etc,root,tmp,proc,sys,dev,run,var/tmp}
	chmod 1777 "$root/tmp" "$root/var/tmp"
	chmod 700 "$root/root"
	cp /bin/busybox "$root/bin/busybox"
	for applet in $(/bin/busybox --list); do
		[[ $applet == busybox ]] || ln -s busybox "$root/bin/$applet"
	done
	printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$root/etc/passwd"
	printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
	if [[ $kind == web ]]; then
		mkdir -p "$root/www"
		printf 'berth-demo-web %s' "$version" >"$root/www/index.html"
		printf '%s' "$version" >"$root/www/version"
	fi
}

# image_changes KIND VERSION: the --change options of podman import.
image_changes() {
	local kind=$1 version=$2
	# busybox as PID 1 ignores SIGTERM: SIGKILL makes `podman stop` immediate.
	printf '%s\n' --change STOPSIGNAL=SIGKILL
	printf '%s\n' --change "LABEL org.opencontainers.image.version=$version"
	if [[ $kind == web ]]; then
		printf '%s\n' --change 'EXPOSE 8080/tcp' --change 'WORKDIR /www'
		printf '%s\n' --change 'CMD ["httpd", "-f", "-p", "8080", "-h", "/www"]'
	else
		printf '%s\n' --change 'CMD ["sleep", "2147483647"]'
	fi
}

recipe_hash() {
	{
		declare -f build_rootfs image_changes
		printf '%s\n' "${IMAGES[@]}"
		sha256sum /bin/busybox
	} | sha256sum | cut -d' ' -f1
}

registry_has_tag() { # REPO TAG
	curl -fsS --max-time 5 "http://$BTH_REGISTRY_ADDR/v2/$1/tags/list" 2>/dev/null | grep -q "\"$2\""
}

ensure_images() {
	local hash stamp=$BTH_STATE_DIR/images.stamp img repo tag kind version changes=()
	local need=0 build=$BTH_STATE_DIR/build
	hash=$(recipe_hash)
	[[ $(cat "$stamp" 2>/dev/null) == "$hash" ]] || need=1
	for img in "${IMAGES[@]}"; do
		registry_has_tag "${img%%:*}" "${img##*:}" || need=1
	done
	if ((need == 0)); then
		log "registry holds ${IMAGES[*]}"
		return 0
	fi
	rm -f "$stamp"
	for img in "${IMAGES[@]}"; do
		repo=${img%%:*} tag=${img##*:}
		kind=${repo#demo/} version=$tag
		log "building $BTH_REGISTRY_ADDR/$img (podman import of a busybox root fs)"
		build_rootfs "$build/$kind-$tag" "$kind" "$version"
		mapfile -t changes < <(image_changes "$kind" "$version")
		tar -C "$build/$kind-$tag" --numeric-owner --owner=0 --group=0 -cf - . |
			as_user podman import "${changes[@]}" - "$BTH_REGISTRY_ADDR/$img" >/dev/null
		as_user podman push --quiet --tls-verify=false "$BTH_REGISTRY_ADDR/$img"
		registry_has_tag "$repo" "$tag" || die "push of $img did not reach the registry"
	done
	rm -rf "$build"
	printf '%s\n' "$hash" >"$stamp"
	log "pushed ${IMAGES[*]} to $BTH_REGISTRY_ADDR"
}

# --- verification (once per user and image recipe) -------------------------------
cleanup_verify() {
	as_user podman rm --ignore -f -t 0 "${VERIFY_NAMES[@]}" >/dev/null 2>&1 || true
}

http_body_is() { # URL EXPECTED
	[[ $(curl -fsS --max-time 3 "$1" 2>/dev/null) == "$2" ]]
}

now_ms() { date +%s%3N; }

verify_images() {
	local stamp=$BTH_STATE_DIR/users/$U_NAME.verified want hp1 hp2 t ms img
	want="$U_UID $(stat -c %i "$U_HOME") $(recipe_hash)"
	if [[ $(cat "$stamp" 2>/dev/null) == "$want" ]]; then
		log "images already verified for $U_NAME"
		return 0
	fi
	log "verifying the demo images as $U_NAME (pull, run, HTTP, stop time)"
	trap cleanup_verify EXIT
	cleanup_verify
	for img in "${IMAGES[@]}"; do
		as_user podman pull --quiet --tls-verify=false "$BTH_REGISTRY_ADDR/$img" >/dev/null
	done
	as_user podman run -d --name "${VERIFY_NAMES[0]}" -p 127.0.0.1::8080 "$BTH_REGISTRY_ADDR/demo/web:v1" >/dev/null
	as_user podman run -d --name "${VERIFY_NAMES[1]}" -p 127.0.0.1::8080 "$BTH_REGISTRY_ADDR/demo/web:v2" >/dev/null
	as_user podman run -d --name "${VERIFY_NAMES[2]}" "$BTH_REGISTRY_ADDR/demo/idle:latest" >/dev/null
	hp1=$(as_user podman port "${VERIFY_NAMES[0]}" 8080/tcp | head -n 1)
	hp2=$(as_user podman port "${VERIFY_NAMES[1]}" 8080/tcp | head -n 1)
	wait_until 30 http_body_is "http://$hp1/" "berth-demo-web v1" || die "web:v1 does not serve 'berth-demo-web v1' on $hp1"
	wait_until 30 http_body_is "http://$hp2/" "berth-demo-web v2" || die "web:v2 does not serve 'berth-demo-web v2' on $hp2"
	http_body_is "http://$hp1/version" v1 || die "web:v1 /version is not v1"
	http_body_is "http://$hp2/version" v2 || die "web:v2 /version is not v2"
	[[ $(as_user podman inspect -f '{{.State.Running}}' "${VERIFY_NAMES[2]}") == true ]] || die "idle:latest is not running"
	for t in 0 2; do
		ms=$(now_ms)
		as_user podman stop "${VERIFY_NAMES[$t]}" >/dev/null
		ms=$(($(now_ms) - ms))
		log "podman stop of ${VERIFY_NAMES[$t]}: $ms ms"
		((ms < 5000)) || die "podman stop took $ms ms: the stop signal is not effective"
	done
	as_user podman rm -f -t 0 "${VERIFY_NAMES[@]}" >/dev/null
	trap - EXIT
	install -d -m 755 "$BTH_STATE_DIR/users"
	printf '%s\n' "$want" >"$stamp"
	log "images verified for $U_NAME"
}

# --- env file -----------------------------------------------------------------------
write_env() {
	local f=$BTH_RUN_DIR/$U_NAME.env
	cat >"$f.tmp" <<EOF
BERTH_TEST_USER=$U_NAME
BERTH_TEST_UID=$U_UID
BERTH_TEST_HOME=$U_HOME
BERTH_TEST_XDG_RUNTIME_DIR=$U_RUNTIME
BERTH_TEST_SOCKET=$U_SOCKET
BERTH_TEST_REGISTRY=$BTH_REGISTRY_ADDR
EOF
	chmod 644 "$f.tmp"
	mv -f "$f.tmp" "$f"
	cat "$f" >&3
}

install_packages
host_tweaks
ensure_user
user_config
ensure_user_manager
ensure_podman_socket
ensure_registry
ensure_images
verify_images
write_env
log "done for $U_NAME in $((SECONDS - started)) s"
