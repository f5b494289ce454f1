use app::model::auth::LoginStep;

use crate::support::{ADMIN, ADMIN_PASSWORD, TestServer, browser, browser_from, test_socket};

const PAGES: [&str; 11] = ["/", "/host", "/stacks", "/containers", "/account", "/account/totp", "/account/recovery-codes", "/users", "/audit", "/reauth", "/no/such/page"];
/// Every argument any server fn takes, so a refusal can't come from a malformed request.
const ALL_ARGS: [(&str, &str); 32] = [
    ("name", "someone"),
    ("kind", "Volume"),
    ("reference", "127.0.0.1:5000/demo/web:v1"),
    ("tail", "10"),
    ("timestamps", "false"),
    ("subnet", ""),
    ("internal", "on"),
    ("reveal", "false"),
    ("id", "1"),
    ("action", "Stop"),
    ("username", "someone"),
    ("role", "admin"),
    ("password", "a long enough password"),
    ("current", "a long enough password"),
    ("new", "a long enough password 2"),
    ("confirm", "a long enough password 2"),
    ("code", "123456"),
    ("secret", "a long enough password"),
    ("token", "0"),
    ("next", "/"),
    ("outcome", "ok"),
    ("source", "80"),
    ("target", "8080"),
    ("protocol", "tcp"),
    ("unit", "podman.socket"),
    ("stack", "x"),
    ("install", "false"),
    ("compose", "services: {}"),
    ("env", ""),
    ("item", "privileged"),
    ("allow", "false"),
    ("before_id", "1"),
];

/// Every argument any server fn takes, with values each of them parses: `action` is
/// an enum per area, and users have no `Stop`.
fn args_for(path: &str) -> Vec<(&'static str, &'static str)> {
    ALL_ARGS.iter().map(|&(k, v)| if k == "action" && path == "/api/user-change" { (k, "Remove") } else { (k, v) }).collect()
}
/// Server functions a stranger may call: they sign in or say whether one is signed in.
const PUBLIC_FNS: [&str; 6] = ["/api/whoami", "/api/setup-open", "/api/setup", "/api/login", "/api/login-code", "/api/logout"];
/// Server functions a viewer may call.
const VIEWER_FNS: [&str; 28] = [
    "/api/host",
    "/api/webhook",
    "/api/stacks",
    "/api/stack",
    "/api/stack-deployment",
    "/api/container",
    "/api/container-logs",
    "/api/container-stats",
    "/api/images",
    "/api/image-pull-progress",
    "/api/objects",
    "/api/object",
    "/api/disk-use",
    "/api/events",
    "/api/containers",
    "/api/recovery-codes-done",
    "/api/recovery-codes-new",
    "/api/whoami",
    "/api/overview",
    "/api/socket-history",
    "/api/sessions",
    "/api/session-revoke",
    "/api/password",
    "/api/reauth",
    "/api/totp-start",
    "/api/totp-pending",
    "/api/totp-finish",
    "/api/recovery-codes",
];

fn all_server_fns() -> Vec<&'static str> {
    let mut paths: Vec<&'static str> = leptos::server_fn::axum::server_fn_paths().map(|(path, _)| path).collect();
    paths.sort_unstable();
    paths.dedup();
    assert!(paths.len() >= 20, "server fns registered: {paths:?}");
    paths
}

#[tokio::test]
async fn setup_needs_the_token_and_closes_once_an_admin_exists() {
    let server = TestServer::start(&test_socket()).await;
    let (status, headers, _) = server.get("/").await;
    assert_eq!(status, 303);
    assert_eq!(headers["location"], "/setup", "first run leads to setup");
    assert_eq!(server.get("/setup").await.0, 200);

    let form = [("token", "0000"), ("username", ADMIN), ("password", ADMIN_PASSWORD), ("confirm", ADMIN_PASSWORD)];
    let (status, body) = server.post(&server.client, "/api/setup", &form).await;
    assert_ne!(status, 200);
    assert!(body.contains("setup token is not right"), "{body}");

    let token = server.state.setup_token.reveal().unwrap();
    assert!(server.data_dir.path().join("setup-token").exists());
    let form = [("token", token.as_str()), ("username", ADMIN), ("password", ADMIN_PASSWORD), ("confirm", ADMIN_PASSWORD)];
    assert_eq!(server.post(&server.client, "/api/setup", &form).await.0, 200);
    assert_eq!(server.get_with(&browser(), "/setup").await.0, 404, "setup is gone");
    assert!(!server.data_dir.path().join("setup-token").exists());
    // The token can't make a second admin.
    let form = [("token", token.as_str()), ("username", "mallory"), ("password", ADMIN_PASSWORD), ("confirm", ADMIN_PASSWORD)];
    assert_ne!(server.post(&browser(), "/api/setup", &form).await.0, 200);
    // The new admin must enrol TOTP before anything else.
    let (status, headers, _) = server.get("/").await;
    assert_eq!((status.as_u16(), headers["location"].to_str().unwrap()), (303, "/account/totp"));
}

#[tokio::test]
async fn every_page_sends_a_stranger_to_sign_in() {
    let server = TestServer::signed_in(&test_socket()).await;
    let stranger = browser();
    for page in PAGES {
        let (status, headers, body) = server.get_with(&stranger, page).await;
        assert_eq!(status, 303, "{page}");
        let location = headers["location"].to_str().unwrap();
        assert!(location.starts_with("/login"), "{page} -> {location}");
        assert!(!body.contains("podman-version"), "{page} rendered for a stranger");
    }
}

#[tokio::test]
async fn every_server_fn_refuses_a_stranger_and_a_viewer_gets_only_what_viewers_may() {
    let server = TestServer::signed_in(&test_socket()).await;
    let stranger = browser();
    for path in all_server_fns().into_iter().filter(|p| !PUBLIC_FNS.contains(p)) {
        let (status, body) = server.post(&stranger, path, &args_for(path)).await;
        assert_eq!(status, 401, "{path} without a session: {body}");
    }
    server.add_user("vera", "viewer", "viewer password 1").await;
    let viewer = server.browser_signed_in("vera", "viewer password 1").await;
    for path in all_server_fns().into_iter().filter(|p| !PUBLIC_FNS.contains(p) && !VIEWER_FNS.contains(p)) {
        let (status, body) = server.post(&viewer, path, &args_for(path)).await;
        assert_eq!(status, 403, "{path} as a viewer: {body}");
    }
    let (status, body) = server.post(&viewer, "/api/overview", &[]).await;
    assert_eq!(status, 200, "{body}");
    // The admin, for contrast, may list users.
    assert_eq!(server.post(&server.client, "/api/users", &[]).await.0, 200);
}

#[tokio::test]
async fn sign_in_takes_password_then_totp_and_a_code_works_once() {
    let (server, secret) = TestServer::with_admin(&test_socket()).await;
    let client = browser();
    let (status, body) = server.post(&client, "/api/login", &[("username", ADMIN), ("password", ADMIN_PASSWORD)]).await;
    assert_eq!(status, 200);
    assert_eq!(serde_json::from_str::<LoginStep>(&body).unwrap(), LoginStep::NeedTotp);
    assert_eq!(server.get_with(&client, "/").await.0, 303, "not signed in before the code");

    // The code enrolment used (this step) is spent: the next step's code works.
    let used = server.code(&secret, 0);
    let (status, body) = server.post(&client, "/api/login-code", &[("code", used.as_str())]).await;
    assert_ne!(status, 200, "a spent step: {body}");
    server.clock.advance(30);
    let code = server.code(&secret, 0);
    let (status, body) = server.post(&client, "/api/login-code", &[("code", code.as_str())]).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(server.get_with(&client, "/").await.0, 200);

    // The same code again (same and next step) is refused for another browser.
    let other = browser();
    server.post(&other, "/api/login", &[("username", ADMIN), ("password", ADMIN_PASSWORD)]).await;
    assert_ne!(server.post(&other, "/api/login-code", &[("code", code.as_str())]).await.0, 200);
    server.clock.advance(30);
    assert_ne!(server.post(&other, "/api/login-code", &[("code", code.as_str())]).await.0, 200);
}

#[tokio::test]
async fn a_recovery_code_signs_in_once() {
    let server = TestServer::signed_in(&test_socket()).await;
    let codes: Option<Vec<String>> = server.server_fn("/api/recovery-codes").await;
    let codes = codes.expect("codes shown after enrolment");
    assert_eq!(codes.len(), 10);
    for round in 0..2 {
        let client = browser();
        server.post(&client, "/api/login", &[("username", ADMIN), ("password", ADMIN_PASSWORD)]).await;
        let (status, _) = server.post(&client, "/api/login-code", &[("code", codes[0].as_str())]).await;
        assert_eq!(status == 200, round == 0, "round {round}");
    }
}

#[tokio::test]
async fn wrong_passwords_from_one_address_get_429_with_retry_after() {
    let server = TestServer::signed_in(&test_socket()).await;
    let client = browser();
    for attempt in 0..10 {
        let (status, body) = server.post(&client, "/api/login", &[("username", "nobody"), ("password", "wrong password")]).await;
        assert_ne!(status, 429, "attempt {attempt}");
        assert!(body.contains("Wrong user name or password."), "{body}");
    }
    let response = server.post_raw(&client, "/api/login", &[("username", ADMIN), ("password", ADMIN_PASSWORD)]).await;
    assert_eq!(response.status(), 429);
    assert_eq!(response.headers()["retry-after"], "60");
    server.clock.advance(60);
    let (status, _) = server.post(&client, "/api/login", &[("username", ADMIN), ("password", ADMIN_PASSWORD)]).await;
    assert_eq!(status, 200, "a token came back after a minute");
}

#[tokio::test]
async fn a_locked_account_answers_like_a_wrong_password_and_unlocks_by_itself() {
    let server = TestServer::signed_in(&test_socket()).await;
    server.add_user("olga", "operator", "operator password 1").await;
    let attacker = browser();
    for _ in 0..5 {
        server.post(&attacker, "/api/login", &[("username", "OLGA"), ("password", "guess guess guess")]).await;
    }
    // Now locked: the right password gets the very same answer.
    let (locked_status, locked_body) = server.post(&browser(), "/api/login", &[("username", "olga"), ("password", "operator password 1")]).await;
    let (wrong_status, wrong_body) = server.post(&browser(), "/api/login", &[("username", "olga"), ("password", "still wrong!!")]).await;
    assert_eq!((locked_status, &locked_body), (wrong_status, &wrong_body));
    server.clock.advance(61);
    let (status, body) = server.post(&browser(), "/api/login", &[("username", "olga"), ("password", "operator password 1")]).await;
    assert_eq!(status, 200, "the lock ended after a minute: {body}");
}

#[tokio::test]
async fn a_remembered_device_gets_in_while_the_account_is_locked() {
    let (server, secret) = TestServer::with_admin(&test_socket()).await;
    // `server.client` completed password + TOTP at enrolment: it holds the device cookie.
    server.post(&server.client, "/api/logout", &[]).await;
    // The attacker and the stranger come from elsewhere, through the trusted proxy.
    let attacker = browser_from("198.51.100.66");
    for _ in 0..6 {
        server.post(&attacker, "/api/login", &[("username", ADMIN), ("password", "not the password")]).await;
    }
    server.clock.advance(30);
    let code = server.code(&secret, 0);
    let stranger = browser_from("198.51.100.67");
    server.post(&stranger, "/api/login", &[("username", ADMIN), ("password", ADMIN_PASSWORD)]).await;
    assert_ne!(server.post(&stranger, "/api/login-code", &[("code", code.as_str())]).await.0, 200, "no device: locked");

    let (status, body) = server.post(&server.client, "/api/login", &[("username", ADMIN), ("password", ADMIN_PASSWORD)]).await;
    assert_eq!(status, 200, "the owner's browser: {body}");
    let (status, body) = server.post(&server.client, "/api/login-code", &[("code", code.as_str())]).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(server.get("/").await.0, 200);
}

#[tokio::test]
async fn an_oversized_login_is_refused_with_413_before_hashing() {
    let server = TestServer::signed_in(&test_socket()).await;
    let password = "x".repeat(17 * 1024);
    let (status, _) = server.post(&browser(), "/api/login", &[("username", ADMIN), ("password", password.as_str())]).await;
    assert_eq!(status, 413);
}

#[tokio::test]
async fn the_session_cookie_is_host_prefixed_secure_httponly_strict_and_cycled_at_login() {
    let server = TestServer::signed_in(&test_socket()).await;
    server.add_user("vera", "viewer", "viewer password 1").await;
    let client = browser();
    let first = server.post_raw(&client, "/api/login", &[("username", "vera"), ("password", "wrong password")]).await;
    let before: Vec<String> = first.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_owned()).collect();
    let response = server.post_raw(&client, "/api/login", &[("username", "vera"), ("password", "viewer password 1")]).await;
    let cookie = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("__Host-berth="))
        .expect("a session cookie");
    for attribute in ["Secure", "HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(attribute), "{attribute} missing: {cookie}");
    }
    assert!(!cookie.contains("Domain"), "{cookie}");
    let value = |c: &str| c.split(';').next().unwrap().to_owned();
    assert!(before.iter().all(|b| value(b) != value(&cookie)), "the id changed at login");
}

#[tokio::test]
async fn cross_site_posts_are_refused() {
    let server = TestServer::signed_in(&test_socket()).await;
    let plain = reqwest::Client::builder().danger_accept_invalid_certs(true).build().unwrap();
    let host = server.url.trim_start_matches("https://").to_owned();
    let cases: [&[(&str, &str)]; 4] = [
        &[],
        &[("sec-fetch-site", "cross-site")],
        &[("sec-fetch-site", "same-site")],
        &[("origin", "https://127.0.0.1:1")],
    ];
    for headers in cases {
        let mut request = plain.post(format!("{}/api/logout", server.url)).header("host", &host);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        assert_eq!(request.send().await.unwrap().status(), 403, "{headers:?}");
    }
    let own = plain.post(format!("{}/api/setup-open", server.url)).header("origin", format!("https://{host}")).send().await.unwrap();
    assert_eq!(own.status(), 200, "an Origin naming Berth itself is fine");
}

#[tokio::test]
async fn signing_out_deletes_the_session_on_the_server() {
    let server = TestServer::signed_in(&test_socket()).await;
    server.add_user("vera", "viewer", "viewer password 1").await;
    let client = server.browser_signed_in("vera", "viewer password 1").await;
    let cookies = server.get_with(&client, "/").await;
    assert_eq!(cookies.0, 200);
    let sessions_before = server::db::auth_sessions::for_user(&server.state.pool, 2).await.unwrap().len();
    assert_eq!(server.post(&client, "/api/logout", &[]).await.0, 200);
    assert_eq!(server.get_with(&client, "/").await.0, 303);
    let sessions_after = server::db::auth_sessions::for_user(&server.state.pool, 2).await.unwrap().len();
    assert_eq!((sessions_before, sessions_after), (1, 0));
}

#[tokio::test]
async fn a_password_change_ends_the_other_sessions() {
    let server = TestServer::signed_in(&test_socket()).await;
    server.add_user("vera", "viewer", "viewer password 1").await;
    let laptop = server.browser_signed_in("vera", "viewer password 1").await;
    let phone = server.browser_signed_in("vera", "viewer password 1").await;
    let form = [("current", "viewer password 1"), ("new", "viewer password 2"), ("confirm", "viewer password 2")];
    let (status, body) = server.post(&laptop, "/api/password", &form).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(server.get_with(&laptop, "/").await.0, 200, "this session stays");
    assert_eq!(server.get_with(&phone, "/").await.0, 303, "the other one ended");
}

#[tokio::test]
async fn sessions_end_after_30_idle_minutes_or_12_hours() {
    let server = TestServer::signed_in(&test_socket()).await;
    server.add_user("vera", "viewer", "viewer password 1").await;
    let idle = server.browser_signed_in("vera", "viewer password 1").await;
    server.clock.advance(29 * 60);
    assert_eq!(server.get_with(&idle, "/").await.0, 200);
    server.clock.advance(31 * 60);
    assert_eq!(server.get_with(&idle, "/").await.0, 303, "idle for 31 minutes");

    let busy = server.browser_signed_in("vera", "viewer password 1").await;
    for _ in 0..25 {
        server.clock.advance(29 * 60);
        server.get_with(&busy, "/").await;
    }
    assert_eq!(server.get_with(&busy, "/").await.0, 303, "12 hours is the limit, however busy");
}

#[tokio::test]
async fn sensitive_actions_need_a_sign_in_within_five_minutes() {
    let server = TestServer::signed_in(&test_socket()).await;
    let form = [("username", "newbie"), ("role", "viewer"), ("password", "a long new password")];
    server.clock.advance(6 * 60);
    let (status, body) = server.post(&server.client, "/api/user-add", &form).await;
    assert_eq!(status, 403);
    assert!(body.contains("ReauthRequired"), "{body}");
    let (status, body) = server.post(&server.client, "/api/reauth", &[("secret", ADMIN_PASSWORD)]).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(server.post(&server.client, "/api/user-add", &form).await.0, 200);
}

#[tokio::test]
async fn name_variants_are_one_account() {
    let server = TestServer::signed_in(&test_socket()).await;
    server.add_user("zoë", "viewer", "viewer password 1").await;
    for name in ["ZOË", "Zoe\u{308}", " zoë "] {
        let (status, body) = server.post(&browser(), "/api/login", &[("username", name), ("password", "viewer password 1")]).await;
        assert_eq!(status, 200, "{name:?}: {body}");
    }
}

#[tokio::test]
async fn the_audit_log_records_sign_ins_and_detects_tampering() {
    let server = TestServer::signed_in(&test_socket()).await;
    server.post(&browser(), "/api/login", &[("username", ADMIN), ("password", "wrong password")]).await;
    let lines: Vec<app::model::auth::AuditEntry> = server.server_fn("/api/audit").await;
    assert!(lines.iter().any(|l| l.action == "setup" && l.outcome == "ok"));
    assert!(lines.iter().any(|l| l.action == "login" && l.outcome == "failed" && l.ip.as_deref() == Some("127.0.0.1")));
    let pool = &server.state.pool;
    assert!(matches!(server::audit::verify(pool).await.unwrap(), server::audit::Verification::Intact { .. }));
    // Cutting lines off the end leaves an intact chain, but not the head file.
    let last: i64 = sqlx::query_scalar("SELECT MAX(id) FROM audit_log").fetch_one(pool).await.unwrap();
    sqlx::query("DELETE FROM audit_log WHERE id >= ?").bind(last - 1).execute(pool).await.unwrap();
    assert_eq!(
        server::audit::verify(pool).await.unwrap(),
        server::audit::Verification::Broken { id: last, reason: "it and any lines after it were removed" }
    );
    sqlx::query("UPDATE audit_log SET outcome = 'ok' WHERE outcome = 'failed'").execute(pool).await.unwrap();
    assert!(matches!(server::audit::verify(pool).await.unwrap(), server::audit::Verification::Broken { .. }));
}

#[tokio::test]
async fn forwarded_addresses_count_only_from_a_trusted_proxy() {
    let server = TestServer::signed_in(&test_socket()).await;
    // The test server trusts 127.0.0.1 as a proxy: each forwarded address has its own bucket.
    let first = browser_from("198.51.100.1");
    for _ in 0..10 {
        server.post(&first, "/api/login", &[("username", "nobody"), ("password", "wrong password")]).await;
    }
    assert_eq!(server.post(&first, "/api/login", &[("username", "nobody"), ("password", "wrong password")]).await.0, 429);
    let second = browser_from("198.51.100.2");
    assert_ne!(server.post(&second, "/api/login", &[("username", "nobody"), ("password", "wrong password")]).await.0, 429);
    let lines = server::audit::list(&server.state.pool, None, Some("login"), Some("failed"), None, 50).await.unwrap();
    assert!(lines.iter().any(|l| l.ip.as_deref() == Some("198.51.100.2")), "the audit log names the forwarded client");
}
