//! The host panels: lingering, the systemd user units, privileged-port forwards, and
//! whether each stack comes back after a reboot. Root-only steps are never taken:
//! Berth shows the commands and then checks that they took effect.

pub mod command;
pub mod facts;
pub mod forwards;
pub mod linger;
pub mod survival;
pub mod systemd;
pub mod units;

mod service;

pub use service::HostService;

/// The name of the user Berth runs as (from /etc/passwd, else `$USER`, else the uid).
pub fn current_user() -> String {
    let uid = rustix::process::getuid().as_raw();
    std::fs::read_to_string("/etc/passwd")
        .ok()
        .and_then(|passwd| user_of(&passwd, uid))
        .or_else(|| std::env::var("USER").ok().filter(|u| !u.is_empty()))
        .unwrap_or_else(|| uid.to_string())
}

/// The name of `uid` in passwd-format text.
fn user_of(passwd: &str, uid: u32) -> Option<String> {
    passwd.lines().find_map(|line| {
        let fields: Vec<&str> = line.split(':').collect();
        (fields.len() > 2 && fields[2].parse() == Ok(uid)).then(|| fields[0].to_owned())
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_user_is_found_by_uid() {
        let passwd = "root:x:0:0:root:/root:/bin/bash\nberth:x:1001:1001::/home/berth:/bin/sh\n";
        assert_eq!(super::user_of(passwd, 1001).as_deref(), Some("berth"));
        assert_eq!(super::user_of(passwd, 7), None);
    }
}
