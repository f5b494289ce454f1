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

/// Runs the berth binary as the test user (Berth refuses root), from a copy the user
/// can read wherever this checkout lives, with a data dir the user owns.
struct AsUser {
    dir: tempfile::TempDir,
}

impl AsUser {
    fn new() -> Self {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::copy(BERTH, dir.path().join("berth")).unwrap();
        let data = dir.path().join("data");
        std::fs::create_dir(&data).unwrap();
        let uid: u32 = std::env::var("BERTH_TEST_UID").expect("BERTH_TEST_UID: run with make test").parse().unwrap();
        std::os::unix::fs::chown(&data, Some(uid), Some(uid)).unwrap();
        Self { dir }
    }

    fn run(&self, args: &[&str], stdin: &str) -> (i32, String) {
        use std::io::Write as _;
        let user = std::env::var("BERTH_TEST_USER").unwrap_or_else(|_| "berth-test".to_owned());
        let as_user = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../end2end/host/as-user.sh");
        let mut child = Command::new(as_user)
            .arg(user)
            .arg(self.dir.path().join("berth"))
            .arg("--data-dir")
            .arg(self.dir.path().join("data"))
            .args(args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
        let output = child.wait_with_output().unwrap();
        let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
        (output.status.code().unwrap_or(-1), text)
    }

    fn db(&self) -> std::path::PathBuf {
        self.dir.path().join("data/berth.db")
    }
}

#[tokio::test]
async fn the_user_commands_manage_accounts_and_audit_verify_finds_tampering() {
    let berth = AsUser::new();
    let (code, out) = berth.run(&["user", "add", "Ada", "--role", "admin", "--password-stdin"], "a long password, really\n");
    assert_eq!(code, 0, "{out}");
    let (code, out) = berth.run(&["user", "add", "ADA", "--role", "viewer"], "another long password\n");
    assert_eq!(code, 2, "a taken name (after normalising): {out}");
    assert!(out.contains("exists already"), "{out}");
    let (code, out) = berth.run(&["user", "add", "bob", "--role", "viewer"], "short\n");
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("at least 12 characters"), "{out}");
    let (code, _) = berth.run(&["user", "add", "bob", "--role", "root"], "");
    assert_eq!(code, 2, "an unknown role is wrong usage");

    let (code, out) = berth.run(&["user", "list"], "");
    assert_eq!(code, 0);
    assert!(out.contains("ada") && out.contains("admin"), "{out}");
    assert_eq!(berth.run(&["user", "unlock", "ada"], "").0, 0);
    let (code, out) = berth.run(&["user", "remove", "ada"], "");
    assert_eq!(code, 2, "the last admin stays: {out}");
    let (code, out) = berth.run(&["user", "remove", "nobody"], "");
    assert_eq!(code, 2, "{out}");

    let (code, out) = berth.run(&["audit", "verify"], "");
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("intact"), "{out}");
    let pool = server::db::open(&berth.db()).await.unwrap();
    sqlx::query("DELETE FROM audit_log WHERE id = 1").execute(&pool).await.unwrap();
    pool.close().await;
    let (code, out) = berth.run(&["audit", "verify"], "");
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("broken at line 2"), "{out}");
}
