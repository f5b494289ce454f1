//! "Will it survive a reboot?": for every stack, whether its containers come back when
//! the machine starts again, and each reason they would not.

use std::collections::BTreeMap;

use app::model::host::{ContainerSurvival, StackSurvival, Verdict};

/// What the host does at boot, as far as Berth could tell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Boot {
    /// Lingering (the user's manager starts at boot).
    pub linger: Verdict,
    /// podman-restart.service enabled (`None`: the manager could not be asked).
    pub restart_unit: Option<bool>,
    /// The restart policies whose containers podman-restart starts.
    pub restarted_policies: Vec<String>,
    /// podman.socket enabled, so Berth reaches Podman after a reboot.
    pub socket: Option<bool>,
    /// The lowest port the user may bind after a reboot.
    pub port_start_after_boot: u16,
    /// Containers with an enabled systemd unit of their own (`container-NAME.service`).
    pub own_units: Vec<String>,
}

/// A container, as survival sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub name: String,
    pub state: String,
    /// always, unless-stopped, on-failure, no; empty when Podman could not say.
    pub restart_policy: String,
    pub stack: Option<String>,
    /// Host ports it publishes.
    pub host_ports: Vec<u16>,
}

/// Each stack's verdict: Berth's stacks (`berth`, by name) and every stack or lone
/// container found in Podman. Lone containers are grouped under an empty stack name.
pub fn judge(boot: &Boot, berth: &[String], members: &[Member]) -> Vec<StackSurvival> {
    let mut groups: BTreeMap<String, Vec<&Member>> = berth.iter().map(|name| (name.clone(), Vec::new())).collect();
    for member in members {
        groups.entry(member.stack.clone().unwrap_or_default()).or_default().push(member);
    }
    let shared = host_reasons(boot);
    groups
        .into_iter()
        .filter(|(stack, members)| !(stack.is_empty() && members.is_empty()))
        .map(|(stack, members)| {
            let containers: Vec<ContainerSurvival> = members.iter().map(|m| container(boot, m)).collect();
            let mut reasons: Vec<(Verdict, String)> = shared.clone();
            if containers.is_empty() {
                reasons.push((Verdict::Problem, "Nothing is deployed, so nothing comes back: deploy the stack.".to_owned()));
            }
            reasons.extend(containers.iter().filter_map(|c| c.reason.clone().map(|r| (c.verdict, format!("{}: {r}", c.name)))));
            let verdict = Verdict::all(reasons.iter().map(|(v, _)| *v).chain(containers.iter().map(|c| c.verdict)));
            StackSurvival {
                berth: berth.contains(&stack),
                stack,
                verdict,
                reasons: reasons.into_iter().map(|(_, r)| r).collect(),
                containers,
                units: Vec::new(),
            }
        })
        .collect()
}

/// The reasons that hold for every stack.
fn host_reasons(boot: &Boot) -> Vec<(Verdict, String)> {
    let mut reasons = Vec::new();
    match boot.linger {
        Verdict::Ok => {}
        Verdict::Problem => reasons.push((Verdict::Problem, "Lingering is off: none of the user's services start at boot. Turn it on (see Lingering).".to_owned())),
        Verdict::Unknown => reasons.push((Verdict::Unknown, "Whether lingering is on could not be checked (see Lingering).".to_owned())),
    }
    match boot.restart_unit {
        Some(true) => {}
        Some(false) => reasons.push((Verdict::Problem, "podman-restart.service is not enabled: nothing starts the containers at boot. Enable it (see Restart units).".to_owned())),
        None => reasons.push((Verdict::Unknown, "Whether podman-restart.service is enabled could not be checked: the systemd user manager did not answer.".to_owned())),
    }
    match boot.socket {
        Some(true) => {}
        Some(false) => reasons.push((Verdict::Problem, "podman.socket is not enabled: after a reboot Berth can't reach Podman. Enable it (see Restart units).".to_owned())),
        None => reasons.push((Verdict::Unknown, "Whether podman.socket is enabled could not be checked.".to_owned())),
    }
    reasons
}

fn container(boot: &Boot, member: &Member) -> ContainerSurvival {
    let own_unit = boot.own_units.contains(&member.name);
    let (verdict, reason) = if member.restart_policy.is_empty() && !own_unit {
        (Verdict::Unknown, Some("Podman did not say its restart policy.".to_owned()))
    } else if !own_unit && !boot.restarted_policies.iter().any(|p| *p == member.restart_policy) {
        let started = if boot.restarted_policies.is_empty() { "none".to_owned() } else { boot.restarted_policies.join(", ") };
        (
            Verdict::Problem,
            Some(format!(
                "its restart policy is \"{}\", and podman-restart starts only containers whose policy is {started}: set restart: always and deploy again.",
                member.restart_policy
            )),
        )
    } else if let Some(port) = member.host_ports.iter().copied().filter(|p| *p < boot.port_start_after_boot).min() {
        (
            Verdict::Problem,
            Some(format!(
                "it publishes port {port}, but after a reboot only ports from {} up may be bound without root: no sysctl file keeps net.ipv4.ip_unprivileged_port_start at {port} or lower, so it fails to start. Save the setting (see Privileged ports) or publish a port of 1024 or above and forward to it.",
                boot.port_start_after_boot
            )),
        )
    } else {
        (Verdict::Ok, None)
    };
    ContainerSurvival { name: member.name.clone(), state: member.state.clone(), restart_policy: member.restart_policy.clone(), verdict, reason }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn boot() -> Boot {
        Boot {
            linger: Verdict::Ok,
            restart_unit: Some(true),
            restarted_policies: vec!["always".into()],
            socket: Some(true),
            port_start_after_boot: 1024,
            own_units: Vec::new(),
        }
    }

    fn member(name: &str, stack: &str, policy: &str) -> Member {
        Member { name: name.into(), state: "running".into(), restart_policy: policy.into(), stack: Some(stack.into()).filter(|s: &String| !s.is_empty()), host_ports: vec![8080] }
    }

    #[test]
    fn a_stack_of_always_containers_on_a_ready_host_survives() {
        let result = judge(&boot(), &["web".into()], &[member("web_web_1", "web", "always")]);
        assert_eq!(result.len(), 1);
        assert_eq!(result[0].verdict, Verdict::Ok, "{:?}", result[0].reasons);
        assert!(result[0].berth && result[0].reasons.is_empty());
    }

    #[test]
    fn a_container_whose_policy_podman_restart_ignores_does_not_come_back() {
        let result = judge(&boot(), &[], &[member("a_x_1", "a", "always"), member("a_y_1", "a", "unless-stopped"), member("b_z_1", "b", "no")]);
        assert_eq!(result.iter().map(|s| (s.stack.as_str(), s.verdict)).collect::<Vec<_>>(), [("a", Verdict::Problem), ("b", Verdict::Problem)]);
        assert!(result[0].reasons[0].starts_with("a_y_1: its restart policy is \"unless-stopped\""), "{:?}", result[0].reasons);
        assert!(!result[0].berth);
    }

    #[test]
    fn host_problems_sink_every_stack_and_unknowns_are_never_green() {
        let off = Boot { linger: Verdict::Problem, restart_unit: Some(false), ..boot() };
        let result = judge(&off, &["web".into()], &[member("web_web_1", "web", "always")]);
        assert_eq!(result[0].verdict, Verdict::Problem);
        assert_eq!(result[0].reasons.len(), 2, "{:?}", result[0].reasons);
        let unknown = Boot { restart_unit: None, ..boot() };
        assert_eq!(judge(&unknown, &[], &[member("x", "s", "always")])[0].verdict, Verdict::Unknown);
        assert_eq!(judge(&boot(), &[], &[member("x", "s", "")])[0].verdict, Verdict::Unknown);
    }

    #[test]
    fn a_berth_stack_with_nothing_deployed_does_not_come_back() {
        let result = judge(&boot(), &["empty".into()], &[]);
        assert_eq!(result[0].verdict, Verdict::Problem);
        assert!(result[0].reasons[0].contains("Nothing is deployed"));
    }

    #[test]
    fn a_low_port_needs_the_sysctl_saved_for_the_next_boot() {
        let low = Member { host_ports: vec![80], ..member("w", "s", "always") };
        assert_eq!(judge(&boot(), &[], &[low.clone()])[0].verdict, Verdict::Problem);
        assert_eq!(judge(&Boot { port_start_after_boot: 80, ..boot() }, &[], &[low])[0].verdict, Verdict::Ok);
    }

    #[test]
    fn a_container_with_its_own_enabled_unit_comes_back_whatever_its_policy() {
        let own = Boot { own_units: vec!["x".into()], ..boot() };
        assert_eq!(judge(&own, &[], &[member("x", "s", "no")])[0].verdict, Verdict::Ok);
    }

    #[test]
    fn lone_containers_are_grouped_without_a_stack_name() {
        let result = judge(&boot(), &[], &[member("solo", "", "always")]);
        assert_eq!(result[0].stack, "");
        assert_eq!(result[0].verdict, Verdict::Ok);
    }
}
