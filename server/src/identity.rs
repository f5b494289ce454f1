//! Who Berth runs as. It must be an ordinary user: a panel running as root would turn
//! any flaw in it into root on the host, which is what rootless Podman is meant to avoid.

/// The message printed when Berth is started as root.
pub const ROOT_REFUSAL: &str = "\
berth: refusing to run as root (uid 0).
Berth manages rootless Podman: run as root, any flaw in a web panel would mean root on this host.
Run it as the unprivileged user who owns the containers, for example:
    sudo -iu <user> berth serve
or use the README's run command, which sets up such a user with rootless Podman.";

/// Whether a process with this real and effective uid may run Berth.
pub fn is_refused(real_uid: u32, effective_uid: u32) -> bool {
    real_uid == 0 || effective_uid == 0
}

/// The current process's real and effective uid.
pub fn current_uids() -> (u32, u32) {
    (rustix::process::getuid().as_raw(), rustix::process::geteuid().as_raw())
}

#[cfg(test)]
mod tests {
    use super::is_refused;

    #[test]
    fn root_is_refused_by_real_or_effective_uid() {
        assert!(is_refused(0, 0));
        assert!(is_refused(1000, 0));
        assert!(is_refused(0, 1000));
        assert!(!is_refused(1000, 1000));
    }
}
