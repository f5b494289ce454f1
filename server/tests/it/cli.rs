use std::process::Command;

const BERTH: &str = env!("CARGO_BIN_EXE_berth");

#[test]
fn berth_refuses_to_run_as_root_with_exit_status_2() {
    assert_eq!(rustix::process::geteuid().as_raw(), 0, "make test runs as root, which this check needs");
    let output = Command::new(BERTH).args(["serve", "--listen", "127.0.0.1:0"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("refusing to run as root"), "{stderr}");
    assert!(stderr.contains("sudo -iu <user> berth serve"), "says what to do instead: {stderr}");
}

#[test]
fn help_documents_every_serve_setting_with_its_environment_variable() {
    let output = Command::new(BERTH).args(["serve", "--help"]).output().unwrap();
    assert!(output.status.success());
    let help = String::from_utf8_lossy(&output.stdout);
    for (flag, env) in [
        ("--listen", "BERTH_LISTEN"),
        ("--data-dir", "BERTH_DATA_DIR"),
        ("--podman-socket", "BERTH_PODMAN_SOCKET"),
        ("--tls-cert", "BERTH_TLS_CERT"),
        ("--tls-key", "BERTH_TLS_KEY"),
        ("--config", "BERTH_CONFIG"),
    ] {
        assert!(help.contains(flag) && help.contains(env), "{flag} / {env} missing from:\n{help}");
    }
}

#[test]
fn version_is_printed() {
    let output = Command::new(BERTH).arg("--version").output().unwrap();
    assert!(output.status.success());
    assert!(String::from_utf8_lossy(&output.stdout).starts_with("berth "));
}
