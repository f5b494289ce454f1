//! [`Host`] for the machine Berth runs on.

use std::path::PathBuf;
use std::sync::Arc;

use async_trait::async_trait;
use sqlx::SqlitePool;

use app::model::auth::CurrentUser;
use app::model::containers::ContainerRow;
use app::model::host::{
    BERTH_SERVICE, Check, Forward, ForwardView, HostReport, Journal, PODMAN_RESTART, PODMAN_SOCKET, StackSurvival, UnitView, Verdict,
};
use app::model::overview::Live;
use app::services::{Caller, Containers, Host, ServiceError};

use super::systemd::{self, UnitState};
use super::{facts, forwards, linger, survival, units};
use crate::podman::answer::audit_action;
use crate::stacks::store::Store;

/// The host as the user Berth runs as sees it.
pub struct HostService {
    pub user: String,
    pub socket: PathBuf,
    pub containers: Arc<dyn Containers>,
    pub store: Store,
    pub pool: SqlitePool,
    /// Changes (unit files, daemon-reload) one at a time.
    pub changing: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for HostService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HostService").field("user", &self.user).field("socket", &self.socket).finish_non_exhaustive()
    }
}

impl HostService {
    fn unit_dir(&self) -> Result<PathBuf, ServiceError> {
        systemd::user_unit_dir().ok_or_else(|| ServiceError::Invalid("Neither XDG_CONFIG_HOME nor HOME is set, so Berth can't find the user's unit folder.".to_owned()))
    }

    async fn unit_views(&self) -> (Vec<UnitView>, Result<std::collections::HashMap<String, UnitState>, String>) {
        let names = [PODMAN_SOCKET, PODMAN_RESTART, BERTH_SERVICE];
        let shown = systemd::show(&names).await;
        let journals = futures_util::future::join_all(names.map(systemd::journal)).await;
        let views = names
            .iter()
            .zip(journals)
            .map(|(name, journal)| unit_view(name, shown.as_ref().map(|s| s.get(*name)).map_err(Clone::clone), journal))
            .collect();
        (views, shown)
    }

    async fn forward_views(&self, rows: &[ContainerRow]) -> Result<Vec<ForwardView>, ServiceError> {
        let wanted = crate::db::forwards::list(&self.pool).await.map_err(internal)?;
        let states = futures_util::future::join_all(wanted.iter().map(|(_, f)| forwards::verify(*f))).await;
        Ok(wanted
            .into_iter()
            .zip(states)
            .map(|((id, forward), state)| ForwardView {
                id,
                forward,
                state,
                published_by: rows
                    .iter()
                    .filter(|c| c.ports.iter().any(|p| p.host_port == forward.target && p.protocol == forward.protocol.as_str()))
                    .map(|c| c.name.clone())
                    .collect(),
                saved: forwards::saved(&forward),
                recipes: forwards::recipes(&forward),
            })
            .collect())
    }

    fn stack_survival(&self, rows: Option<&[ContainerRow]>, shown: &Result<std::collections::HashMap<String, UnitState>, String>, linger: Verdict, port_start: u16) -> Vec<StackSurvival> {
        let berth: Vec<String> = self.store.list().unwrap_or_default().into_iter().map(|n| n.as_str().to_owned()).collect();
        let unit_dir = systemd::user_unit_dir();
        let Some(rows) = rows else {
            return berth
                .into_iter()
                .map(|stack| StackSurvival {
                    stack,
                    berth: true,
                    verdict: Verdict::Unknown,
                    reasons: vec!["Podman did not answer, so the containers could not be checked.".to_owned()],
                    containers: Vec::new(),
                    units: Vec::new(),
                })
                .collect();
        };
        let unit = |name: &str| shown.as_ref().ok().and_then(|s| s.get(name));
        let restart = unit(PODMAN_RESTART);
        let boot = survival::Boot {
            linger,
            restart_unit: shown.as_ref().ok().map(|_| restart.is_some_and(UnitState::enabled)),
            // An older unit without a filter starts nothing in particular: say "always", as Podman documents.
            restarted_policies: restart.map(UnitState::restart_policies).filter(|p| !p.is_empty()).unwrap_or_else(|| vec!["always".to_owned()]),
            socket: shown.as_ref().ok().map(|_| unit(PODMAN_SOCKET).is_some_and(UnitState::enabled)),
            port_start_after_boot: port_start,
            own_units: rows
                .iter()
                .filter(|c| unit_dir.as_ref().is_some_and(|dir| units::enabled(dir, &units::unit_name(&c.name))))
                .map(|c| c.name.clone())
                .collect(),
        };
        let members: Vec<survival::Member> = rows
            .iter()
            .map(|c| survival::Member {
                name: c.name.clone(),
                state: c.state.clone(),
                restart_policy: c.restart_policy.clone(),
                stack: c.stack.clone(),
                host_ports: c.ports.iter().map(|p| p.host_port).collect(),
            })
            .collect();
        let mut stacks = survival::judge(&boot, &berth, &members);
        if let Some(dir) = unit_dir {
            for stack in stacks.iter_mut().filter(|s| !s.stack.is_empty()) {
                stack.units = units::installed(&dir, &stack.stack);
            }
        }
        stacks
    }

    async fn audited(&self, caller: &Caller, actor: &CurrentUser, action: &str, target: &str, result: Result<String, ServiceError>) -> Result<String, ServiceError> {
        audit_action(&self.pool, caller, actor, action, target, &result).await;
        result
    }
}

fn internal<E: std::error::Error + Send + Sync + 'static>(error: E) -> ServiceError {
    ServiceError::Internal(Box::new(error))
}

/// What a unit's state means for Berth, and what to do about it.
fn unit_view(name: &str, shown: Result<Option<&UnitState>, String>, journal: Journal) -> UnitView {
    let (purpose, fix_command) = match name {
        PODMAN_SOCKET => ("Berth reaches Podman through it; enabled, it listens from the start of the user's manager.", "systemctl --user enable --now podman.socket"),
        PODMAN_RESTART => ("At boot it starts every container whose restart policy podman-restart starts (always).", "systemctl --user enable --now podman-restart.service"),
        _ => ("Berth itself: enabled, the panel starts at boot too.", "berth install-service"),
    };
    let check = |verdict, detail: String| Check {
        key: name.to_owned(),
        title: name.to_owned(),
        verdict,
        detail,
        fix: (verdict != Verdict::Ok).then(|| if name == BERTH_SERVICE { "As the user Berth runs as:".to_owned() } else { "As the user Berth runs as (or with the button):".to_owned() }),
        commands: if verdict == Verdict::Ok { Vec::new() } else { vec![fix_command.to_owned()] },
    };
    let state = match shown {
        Err(reason) => {
            return UnitView {
                name: name.to_owned(),
                purpose: purpose.to_owned(),
                check: check(Verdict::Unknown, format!("Could not be checked: {reason}.")),
                load: String::new(),
                active: String::new(),
                enabled: String::new(),
                path: String::new(),
                can_enable: false,
                journal,
            };
        }
        Ok(state) => state.cloned().unwrap_or_default(),
    };
    let (verdict, detail) = if !state.exists() {
        let writes = name == PODMAN_RESTART;
        (Verdict::Problem, if writes { "Not installed: this distribution ships no such user unit. Berth can write one.".to_owned() } else { "Not installed.".to_owned() })
    } else if !state.enabled() {
        (Verdict::Problem, format!("Installed but {}: it does not start with the user's manager (or at boot).", if state.file_state.is_empty() { "not enabled" } else { &state.file_state }))
    } else if name == PODMAN_SOCKET && state.active != "active" {
        (Verdict::Problem, format!("Enabled, but {} now: Berth can't reach Podman until it listens.", state.active))
    } else {
        (Verdict::Ok, format!("Enabled; {} ({}).", state.active, state.sub))
    };
    UnitView {
        name: name.to_owned(),
        purpose: purpose.to_owned(),
        check: check(verdict, detail),
        load: state.load.clone(),
        active: format!("{} ({})", state.active, state.sub),
        enabled: state.file_state.clone(),
        path: state.path.clone(),
        can_enable: name != BERTH_SERVICE && verdict != Verdict::Ok && (state.exists() || name == PODMAN_RESTART),
        journal,
    }
}

/// The privileged ports check: containers publishing below 1024 and the forwards, now and after a reboot.
fn ports_check(rows: &[ContainerRow], now: Option<u16>, after_boot: u16, forwards: &[ForwardView]) -> Check {
    let mut problems = Vec::new();
    let mut unknown = Vec::new();
    let mut facts = Vec::new();
    match now {
        Some(now) => facts.push(format!("Ports below {now} need root to bind now; after a reboot, below {after_boot}.")),
        None => unknown.push("net.ipv4.ip_unprivileged_port_start could not be read.".to_owned()),
    }
    for row in rows {
        for port in row.ports.iter().filter(|p| p.host_port < 1024) {
            if port.host_port < after_boot {
                problems.push(format!(
                    "{} publishes port {}, but after a reboot only root may bind it (no sysctl file sets net.ipv4.ip_unprivileged_port_start to {} or lower).",
                    row.name, port.host_port, port.host_port
                ));
            } else {
                facts.push(format!("{} publishes port {}, allowed now and after a reboot.", row.name, port.host_port));
            }
        }
    }
    for view in forwards {
        match view.saved {
            Some(true) => facts.push(format!("{} is in the rules loaded at boot.", view.forward.label())),
            Some(false) => problems.push(format!("{} is not in the rules loaded at boot (/etc/iptables/rules.v4 or /etc/nftables.conf): save it, or it is gone after a reboot.", view.forward.label())),
            None => unknown.push(format!("Whether {} is saved for the next boot could not be read (the rules files are not readable by this user).", view.forward.label())),
        }
    }
    if rows.iter().all(|r| r.ports.iter().all(|p| p.host_port >= 1024)) && forwards.is_empty() {
        facts.push("No container publishes a port below 1024 and no forward is wanted.".to_owned());
    }
    let verdict = if !problems.is_empty() { Verdict::Problem } else if !unknown.is_empty() { Verdict::Unknown } else { Verdict::Ok };
    let needs_sysctl = problems.iter().any(|p| p.contains("sysctl"));
    let needs_save = problems.iter().any(|p| p.contains("rules loaded at boot"));
    let mut commands = Vec::new();
    if needs_sysctl {
        let lowest = rows.iter().flat_map(|r| r.ports.iter().map(|p| p.host_port)).filter(|p| *p < 1024).min().unwrap_or(80);
        commands.push(format!("echo 'net.ipv4.ip_unprivileged_port_start={lowest}' > /etc/sysctl.d/50-unprivileged-ports.conf"));
        commands.push("sysctl --system".to_owned());
    }
    if needs_save {
        commands.push("netfilter-persistent save".to_owned());
    }
    let detail = problems.iter().chain(&unknown).chain(&facts).cloned().collect::<Vec<_>>().join(" ");
    Check {
        key: "ports".into(),
        title: "Privileged ports".into(),
        verdict,
        detail,
        fix: (!commands.is_empty()).then(|| "As root:".to_owned()),
        commands,
    }
}

#[async_trait]
impl Host for HostService {
    async fn report(&self) -> Result<HostReport, ServiceError> {
        let (linger, (units, shown), listed) = tokio::join!(linger::state(&self.user), self.unit_views(), self.containers.list());
        let rows = match listed? {
            Live::Ready(rows) => Some(rows),
            Live::Down { .. } => None,
        };
        let all = rows.clone().unwrap_or_default();
        let forwards = self.forward_views(&all).await?;
        let now = facts::unprivileged_port_start();
        let after_boot = facts::persisted_port_start().unwrap_or(1024);
        let stacks = self.stack_survival(rows.as_deref(), &shown, linger.check.verdict, after_boot);
        let checks = vec![facts::cgroups_check(facts::cgroups()), ports_check(&all, now, after_boot, &forwards)];
        Ok(HostReport { user: self.user.clone(), linger, units, checks, unprivileged_port_start: now, forwards, stacks, podman_up: rows.is_some() })
    }

    async fn enable_linger(&self, caller: &Caller, actor: &CurrentUser) -> Result<String, ServiceError> {
        let result = linger::enable(&self.user).await.map_err(ServiceError::Invalid);
        self.audited(caller, actor, "host.linger.enable", &self.user, result).await
    }

    async fn enable_unit(&self, caller: &Caller, actor: &CurrentUser, unit: &str) -> Result<String, ServiceError> {
        let unit = match unit {
            PODMAN_SOCKET => PODMAN_SOCKET,
            PODMAN_RESTART => PODMAN_RESTART,
            _ => return Err(ServiceError::Invalid("Berth enables only podman.socket and podman-restart.service.".to_owned())),
        };
        let _turn = self.changing.lock().await;
        let result = async {
            let shown = systemd::show(&[unit]).await.map_err(|r| ServiceError::Invalid(format!("The systemd user manager can't be asked: {r}.")))?;
            let mut wrote = String::new();
            if !shown.get(unit).is_some_and(UnitState::exists) {
                if unit != PODMAN_RESTART {
                    return Err(ServiceError::Invalid(format!("{unit} is not installed: install Podman's package (apt install podman).")));
                }
                let podman = systemd::which("podman").ok_or_else(|| ServiceError::Invalid("The podman command is not on Berth's PATH.".to_owned()))?;
                let path = systemd::write_unit(&self.unit_dir()?, unit, &systemd::restart_unit_text(&podman)).map_err(internal)?;
                wrote = format!("Berth wrote {} (the distribution ships none). ", path.display());
            }
            systemd::enable_now(unit).await.map_err(ServiceError::Invalid)?;
            let what = if unit == PODMAN_RESTART {
                "it starts the containers whose restart policy is always whenever the user's manager starts (at boot, with lingering)"
            } else {
                "Podman's API listens whenever the user's manager runs"
            };
            Ok(format!("{wrote}{unit} is enabled and started: {what}."))
        }
        .await;
        self.audited(caller, actor, "host.unit.enable", unit, result).await
    }

    async fn add_forward(&self, caller: &Caller, actor: &CurrentUser, source: &str, target: &str, protocol: &str) -> Result<String, ServiceError> {
        let result = async {
            let forward = Forward::parse(source, target, protocol).map_err(ServiceError::Invalid)?;
            if !crate::db::forwards::insert(&self.pool, &forward, crate::clock::unix_now(), &actor.username).await.map_err(internal)? {
                return Err(ServiceError::Invalid(format!("A forward from port {}/{} is in the list already: remove it first.", forward.source, forward.protocol.as_str())));
            }
            Ok(format!("Added {}: run its commands as root, then see its check turn to working.", forward.label()))
        }
        .await;
        let target_text = format!("{source}->{target}/{protocol}");
        self.audited(caller, actor, "host.forward.add", &target_text, result).await
    }

    async fn remove_forward(&self, caller: &Caller, actor: &CurrentUser, id: i64) -> Result<String, ServiceError> {
        let result = async {
            let forward = crate::db::forwards::remove(&self.pool, id).await.map_err(internal)?.ok_or(ServiceError::NotFound)?;
            let undo = forwards::recipes(&forward).iptables_remove.join(" ; ");
            Ok(format!("Removed {} from the list. If its rules are applied, remove them as root: {undo}", forward.label()))
        }
        .await;
        self.audited(caller, actor, "host.forward.remove", &id.to_string(), result).await
    }

    async fn stack_units(&self, caller: &Caller, actor: &CurrentUser, stack: &str, install: bool) -> Result<String, ServiceError> {
        let name = compose::StackName::parse(stack).map_err(|e| ServiceError::Invalid(format!("Not a stack name: {e}.")))?;
        let _turn = self.changing.lock().await;
        let result = async {
            let dir = self.unit_dir()?;
            if !install {
                let found = units::installed(&dir, name.as_str());
                if found.is_empty() {
                    return Err(ServiceError::Invalid(format!("Berth installed no units for {}.", name.as_str())));
                }
                let mut args = vec!["disable", "--"];
                args.extend(found.iter().map(String::as_str));
                systemd::systemctl(&args).await.map_err(ServiceError::Invalid)?;
                for unit in &found {
                    std::fs::remove_file(dir.join(unit)).map_err(internal)?;
                }
                systemd::systemctl(&["daemon-reload"]).await.map_err(ServiceError::Invalid)?;
                return Ok(format!("Disabled and removed {}.", found.join(", ")));
            }
            let Live::Ready(rows) = self.containers.list().await? else {
                return Err(ServiceError::Invalid("Podman did not answer: try again when it is back.".to_owned()));
            };
            let containers: Vec<String> = rows.into_iter().filter(|c| c.stack.as_deref() == Some(name.as_str())).map(|c| c.name).collect();
            if containers.is_empty() {
                return Err(ServiceError::Invalid(format!("{} has no containers: deploy it first.", name.as_str())));
            }
            let generated = units::generate(&self.socket, name.as_str(), &containers).await.map_err(ServiceError::Invalid)?;
            for (file, text) in &generated.units {
                systemd::write_unit(&dir, file, text).map_err(internal)?;
            }
            systemd::systemctl(&["daemon-reload"]).await.map_err(ServiceError::Invalid)?;
            let mut args = vec!["enable", "--"];
            args.extend(generated.units.keys().map(String::as_str));
            systemd::systemctl(&args).await.map_err(ServiceError::Invalid)?;
            let names: Vec<&str> = generated.units.keys().map(String::as_str).collect();
            Ok(format!("Installed and enabled {}: they start the containers at boot. {}", names.join(", "), generated.note.unwrap_or_default()).trim_end().to_owned())
        }
        .await;
        let action = if install { "host.stack-units.install" } else { "host.stack-units.remove" };
        self.audited(caller, actor, action, name.as_str(), result).await
    }
}
