//! The host page: will the stacks survive a reboot, and the panels that make them:
//! lingering, the restart units, privileged-port forwards and host facts.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::host::{AddForward, EnableLinger, EnableUnit, RemoveForward, StackUnits, get_host_report};
use crate::components::form::FormError;
use crate::components::live::use_live;
use crate::model::host::{Check, ForwardState, ForwardView, HostReport, Journal, Linger, StackSurvival, UnitView, Verdict};
use crate::model::url::encode_component;

/// How often a hydrated page reads the host again when no event came.
const REFRESH: std::time::Duration = std::time::Duration::from_secs(10);

/// A verdict as a badge.
#[component]
fn VerdictBadge(verdict: Verdict, #[prop(optional)] ok: &'static str, #[prop(optional)] problem: &'static str) -> impl IntoView {
    let (class, text) = match verdict {
        Verdict::Ok => ("badge ok", if ok.is_empty() { "ok" } else { ok }),
        Verdict::Problem => ("badge error", if problem.is_empty() { "problem" } else { problem }),
        Verdict::Unknown => ("badge warn", "could not check"),
    };
    view! { <span class=class data-testid="verdict" data-verdict=verdict.word()>{text}</span> }
}

/// Commands to copy, one per line.
#[component]
fn Commands(lines: Vec<String>) -> impl IntoView {
    (!lines.is_empty()).then(|| view! { <pre class="commands" data-testid="commands"><code>{lines.join("\n")}</code></pre> })
}

/// A check: verdict, what was found, and the fix.
#[component]
fn CheckView(check: Check) -> impl IntoView {
    view! {
        <div class="check-row" data-testid=format!("check-{}", check.key)>
            <h3>{check.title}" "<VerdictBadge verdict=check.verdict /></h3>
            <p>{check.detail}</p>
            {check.fix.map(|fix| view! { <p class="muted">{fix}</p> })}
            <Commands lines=check.commands />
        </div>
    }
}

#[component]
pub fn HostPage() -> impl IntoView {
    let query = use_query_map();
    let linger = ServerAction::<EnableLinger>::new();
    let unit = ServerAction::<EnableUnit>::new();
    let add = ServerAction::<AddForward>::new();
    let remove = ServerAction::<RemoveForward>::new();
    let units = ServerAction::<StackUnits>::new();
    let tick = use_live(REFRESH);
    let report = Resource::new(
        move || (tick.get(), linger.version().get(), unit.version().get(), add.version().get(), remove.version().get(), units.version().get()),
        |_| get_host_report(),
    );
    let done = move || {
        [linger.value().get(), unit.value().get(), add.value().get(), remove.value().get(), units.value().get()]
            .into_iter()
            .flatten()
            .find_map(Result::ok)
            .or_else(|| query.read().get("done").filter(|v| !v.is_empty()))
    };
    view! {
        <Title text="Host" />
        <header class="page-head"><h1>"Host"</h1></header>
        {move || done().map(|text| view! { <p class="alert ok" role="status" data-testid="done">{text}</p> })}
        <FormError error=Signal::derive(move || linger.value().get().and_then(Result::err)) />
        <FormError error=Signal::derive(move || unit.value().get().and_then(Result::err)) />
        <FormError error=Signal::derive(move || add.value().get().and_then(Result::err)) />
        <FormError error=Signal::derive(move || remove.value().get().and_then(Result::err)) />
        <FormError error=Signal::derive(move || units.value().get().and_then(Result::err)) />
        <Suspense fallback=|| view! { <p class="muted">"Checking the host…"</p> }>
            {move || Suspend::new(async move {
                match report.await {
                    Ok(report) => view! { <Report report linger unit add remove units /> }.into_any(),
                    Err(error) => view! { <FormError error=Signal::derive(move || Some(error.clone())) /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Report(
    report: HostReport,
    linger: ServerAction<EnableLinger>,
    unit: ServerAction<EnableUnit>,
    add: ServerAction<AddForward>,
    remove: ServerAction<RemoveForward>,
    units: ServerAction<StackUnits>,
) -> impl IntoView {
    let survival = report.survival();
    let HostReport { user, linger: linger_state, units: unit_views, checks, unprivileged_port_start, forwards, stacks, podman_up } = report;
    view! {
        <section class="card" id="survival" data-testid="survival" data-verdict=survival.word()>
            <h2>"Will it survive a reboot? "<VerdictBadge verdict=survival ok="yes" problem="no" /></h2>
            <p class="muted">
                "After a reboot, a rootless stack comes back only if the user's systemd manager starts without a login (lingering), "
                "podman-restart.service is enabled, and each container has a restart policy that podman-restart starts. "
                "Berth runs as "<strong>{user.clone()}</strong>"."
            </p>
            {(!podman_up).then(|| view! { <p class="alert error" role="alert">"Podman did not answer, so the containers could not be checked."</p> })}
            <SurvivalTable stacks units />
        </section>
        <LingerView linger=linger_state user=user.clone() action=linger />
        <section class="card" id="units">
            <h2>"Restart units"</h2>
            {unit_views.into_iter().map(|u| view! { <UnitCard unit=u action=unit /> }).collect_view()}
        </section>
        <Forwards forwards start=unprivileged_port_start add remove />
        <section class="card" id="checks">
            <h2>"Host checks"</h2>
            {checks.into_iter().map(|check| view! { <CheckView check /> }).collect_view()}
        </section>
    }
}

#[component]
fn SurvivalTable(stacks: Vec<StackSurvival>, units: ServerAction<StackUnits>) -> impl IntoView {
    if stacks.is_empty() {
        return view! { <p class="muted">"No stacks and no containers yet."</p> }.into_any();
    }
    view! {
        <table class="table">
            <thead><tr><th>"Stack"</th><th>"After a reboot"</th><th>"Containers (restart policy)"</th><th>"Why not, and the fix"</th><th>"Own units"</th></tr></thead>
            <tbody>
                {stacks.into_iter().map(|stack| {
                    let label = if stack.stack.is_empty() { "(containers outside stacks)".to_owned() } else { stack.stack.clone() };
                    let link = (stack.berth).then(|| format!("/stacks/{}", encode_component(&stack.stack)));
                    let key = stack.stack.clone();
                    let units_cell = (!stack.stack.is_empty()).then(|| {
                        let installed = !stack.units.is_empty();
                        view! {
                            {installed.then(|| view! { <p class="muted">{stack.units.join(", ")}</p> })}
                            <ActionForm action=units>
                                <input type="hidden" name="stack" value=stack.stack.clone() />
                                <input type="hidden" name="install" value=if installed { "false" } else { "true" } />
                                <button class="button secondary small" type="submit" data-testid="stack-units">
                                    {if installed { "Remove units" } else { "Install units" }}
                                </button>
                            </ActionForm>
                        }
                    });
                    view! {
                        <tr data-testid="survival-row" data-stack=key data-verdict=stack.verdict.word()>
                            <td>{match link {
                                Some(href) => view! { <a href=href>{label}</a> }.into_any(),
                                None => view! { <span>{label}</span>" "<span class="muted">"(outside Berth)"</span> }.into_any(),
                            }}</td>
                            <td><VerdictBadge verdict=stack.verdict ok="comes back" problem="won't come back" /></td>
                            <td>{stack.containers.into_iter().map(|c| view! {
                                <div>{c.name}" "<span class="muted">"("{if c.restart_policy.is_empty() { "unknown".to_owned() } else { c.restart_policy }}", "{c.state}")"</span></div>
                            }).collect_view()}</td>
                            <td><ul class="problems">{stack.reasons.into_iter().map(|r| view! { <li data-testid="survival-reason">{r}</li> }).collect_view()}</ul></td>
                            <td>{units_cell}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
        <p class="muted">
            "Own units: Podman's systemd units for a stack's containers (generate systemd), installed under ~/.config/systemd/user and enabled. "
            "They start the containers at boot whatever their restart policy; podman-restart is the simpler way."
        </p>
    }
    .into_any()
}

#[component]
fn LingerView(linger: Linger, user: String, action: ServerAction<EnableLinger>) -> impl IntoView {
    let on = linger.check.verdict == Verdict::Ok;
    let button_user = user.clone();
    view! {
        <section class="card" id="linger" data-testid="linger" data-verdict=linger.check.verdict.word()>
            <h2>"Lingering "<VerdictBadge verdict=linger.check.verdict ok="on" problem="off" /></h2>
            <p>{linger.check.detail}</p>
            <p class="muted">"Read from "{linger.source}". Why it matters: without lingering, systemd starts "{user}"'s manager only at a login and stops it at the last logout, and with it podman.socket, podman-restart and every container."</p>
            {linger.check.fix.map(|fix| view! { <p>{fix}</p> })}
            <Commands lines=linger.check.commands />
            {(!on).then(|| view! {
                <ActionForm action>
                    <button class="button secondary small" type="submit" data-testid="enable-linger">"Try to enable it as "{button_user.clone()}</button>
                </ActionForm>
            })}
        </section>
    }
}

#[component]
fn UnitCard(unit: UnitView, action: ServerAction<EnableUnit>) -> impl IntoView {
    let name = unit.name.clone();
    let (field, label) = (name.clone(), name.clone());
    let journal = match unit.journal {
        Journal::Lines(lines) if lines.is_empty() => view! { <p class="muted">"No journal entries."</p> }.into_any(),
        Journal::Lines(lines) => view! { <pre class="log"><code>{lines.join("\n")}</code></pre> }.into_any(),
        Journal::Unavailable(why) => view! { <p class="muted">{why}</p> }.into_any(),
    };
    view! {
        <div class="check-row" data-testid="unit" data-unit=name.clone() data-verdict=unit.check.verdict.word()>
            <h3><code>{name.clone()}</code>" "<VerdictBadge verdict=unit.check.verdict ok="enabled" problem="not enabled" /></h3>
            <p class="muted">{unit.purpose}</p>
            <p data-testid="unit-detail">{unit.check.detail}</p>
            {(!unit.path.is_empty()).then(|| view! { <p class="muted">"Unit file: "<code>{unit.path}</code>" · "{unit.active}</p> })}
            {unit.check.fix.map(|fix| view! { <p class="muted">{fix}</p> })}
            <Commands lines=unit.check.commands />
            {unit.can_enable.then(|| view! {
                <ActionForm action>
                    <input type="hidden" name="unit" value=field.clone() />
                    <button class="button small" type="submit" data-testid="enable-unit">"Enable and start "{label.clone()}</button>
                </ActionForm>
            })}
            <details><summary>"Recent journal"</summary>{journal}</details>
        </div>
    }
}

#[component]
fn Forwards(forwards: Vec<ForwardView>, start: Option<u16>, add: ServerAction<AddForward>, remove: ServerAction<RemoveForward>) -> impl IntoView {
    let start_text = start.map_or_else(|| "could not be read".to_owned(), |p| p.to_string());
    view! {
        <section class="card" id="forwards">
            <h2>"Privileged ports"</h2>
            <p>
                "A rootless container can't publish a port below "<code data-testid="port-start">{start_text}</code>
                " (net.ipv4.ip_unprivileged_port_start). Publish it on a high port (such as 8080) and forward the low one (80) to it as root. "
                "Berth never changes the firewall: it shows the commands and checks from this host whether each forward works."
            </p>
            <ActionForm action=add attr:class="inline-form">
                <label class="field"><span>"Source port"</span><input name="source" inputmode="numeric" required=true placeholder="80" data-testid="forward-source" /></label>
                <label class="field"><span>"Target port"</span><input name="target" inputmode="numeric" required=true placeholder="8080" data-testid="forward-target" /></label>
                <label class="field"><span>"Protocol"</span>
                    <select name="protocol" data-testid="forward-protocol"><option value="tcp">"tcp"</option><option value="udp">"udp"</option></select>
                </label>
                <button class="button" type="submit" data-testid="forward-add">"Add forward"</button>
            </ActionForm>
            {forwards.into_iter().map(|f| view! { <ForwardCard forward=f remove /> }).collect_view()}
            <details>
                <summary>"The alternative: lower net.ipv4.ip_unprivileged_port_start"</summary>
                <p>"Instead of forwarding, root can let every user bind ports from 80 up, and the container publishes 80 itself:"</p>
                <Commands lines=vec![
                    "sysctl -w net.ipv4.ip_unprivileged_port_start=80".to_owned(),
                    "echo 'net.ipv4.ip_unprivileged_port_start=80' > /etc/sysctl.d/50-unprivileged-ports.conf".to_owned(),
                ] />
                <p>
                    "Trade-offs: no firewall rules to keep, and it covers connections from this host and from outside alike. But it applies to every "
                    "user and every process on the host: any of them may take port 80 or 443 while your container is down. "
                    "The address the container sees as the client's is the same either way: the REDIRECT rule only rewrites the destination port, "
                    "and what the container then sees depends on Podman's rootless port handler (rootlessport, the default, shows connections as "
                    "coming from inside the container's network; slirp4netns' port handler keeps the real client address). Behind a reverse proxy, "
                    "read the client from X-Forwarded-For."
                </p>
            </details>
        </section>
    }
}

#[component]
fn ForwardCard(forward: ForwardView, remove: ServerAction<RemoveForward>) -> impl IntoView {
    let label = forward.forward.label();
    let (verdict, state_text) = match forward.state {
        ForwardState::Working => (Verdict::Ok, "A connection to the source port on this host is answered by the target port's listener. (This checks the OUTPUT rule; the PREROUTING rule is for other machines and can only be tested from one.)".to_owned()),
        ForwardState::NotWorking(why) => (Verdict::Problem, why),
        ForwardState::Unchecked(why) => (Verdict::Unknown, why),
    };
    let saved = match forward.saved {
        Some(true) => "Saved in the rules loaded at boot.",
        Some(false) => "Not in the rules loaded at boot: save it, or it is gone after a reboot.",
        None => "Whether it is saved for the next boot could not be read.",
    };
    let publishers = if forward.published_by.is_empty() { "No container publishes the target port.".to_owned() } else { format!("Published by: {}", forward.published_by.join(", ")) };
    let recipes = forward.recipes;
    view! {
        <div class="check-row" data-testid="forward" data-forward=label.clone() data-verdict=verdict.word()>
            <h3>{label.clone()}" "<VerdictBadge verdict ok="working" problem="not working" /></h3>
            <p data-testid="forward-state">{state_text}</p>
            <p class="muted">{publishers}" · "{saved}</p>
            <h4>"iptables, as root"</h4>
            <pre class="commands" data-testid="iptables"><code>{recipes.iptables.join("\n")}</code></pre>
            <details>
                <summary>"Remove, nftables, keeping it after a reboot, Ansible"</summary>
                <h4>"Remove the rules"</h4>
                <Commands lines=recipes.iptables_remove />
                <h4>"nftables instead"</h4>
                <Commands lines=recipes.nftables />
                <h4>"Keep the rules after a reboot"</h4>
                <Commands lines=recipes.persist />
                <h4>"Ansible"</h4>
                <pre class="commands"><code>{recipes.ansible}</code></pre>
            </details>
            <ActionForm action=remove>
                <input type="hidden" name="id" value=forward.id.to_string() />
                <button class="button secondary small" type="submit" data-testid="forward-remove">"Remove from the list"</button>
            </ActionForm>
        </div>
    }
}
