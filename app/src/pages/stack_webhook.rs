//! The webhook section of a stack's page: the URL, the secret once, the snippets for
//! GitHub Actions and a shell, a test button, and the images webhooks set.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::api::webhooks::{DisableWebhook, NewWebhookSecret, TestWebhook, get_webhook};
use crate::components::form::FormError;
use crate::model::time::format_utc;
use crate::model::webhooks::{Hook, WebhookView};

/// The section, outside the stack's live view: it reads the webhook only when the
/// stack or the webhook changes, since reading a fresh secret is what forgets it.
#[component]
pub fn WebhookSection(#[prop(into)] name: Signal<String>) -> impl IntoView {
    let query = use_query_map();
    let secret = ServerAction::<NewWebhookSecret>::new();
    let disable = ServerAction::<DisableWebhook>::new();
    let test = ServerAction::<TestWebhook>::new();
    let view_data = Resource::new(move || (name.get(), secret.version().get(), disable.version().get()), |(stack, _, _)| get_webhook(stack));
    let message = move || test.value().get().and_then(Result::ok).or_else(|| query.read().get("hook").filter(|v| !v.is_empty()));
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Reading the webhook…"</p> }>
            {move || Suspend::new(async move {
                let data = match view_data.await {
                    Ok(Some(data)) => data,
                    Ok(None) => return ().into_any(),
                    Err(error) => return view! { <FormError error=Signal::derive(move || Some(error.clone())) /> }.into_any(),
                };
                view! {
                    <section class="card" id="webhook" data-testid="webhook">
                        <h2>"Webhook"</h2>
                        <p class="muted">
                            "CI can redeploy this stack (pull its images and recreate what changed) with a signed POST, like GitHub's webhooks: "
                            "HMAC-SHA256 of the body in X-Hub-Signature-256, a timestamp and a delivery id that can't be used twice. "
                            "With ?wait=true the call answers when the deploy ended, and fails when it failed."
                        </p>
                        {move || message().map(|text| view! { <p class="alert ok" role="status" data-testid="webhook-message">{text}</p> })}
                        <FormError error=Signal::derive(move || secret.value().get().and_then(Result::err)) />
                        <FormError error=Signal::derive(move || disable.value().get().and_then(Result::err)) />
                        <FormError error=Signal::derive(move || test.value().get().and_then(Result::err)) />
                        <WebhookBody name=name.get_untracked() data secret disable test />
                    </section>
                }
                .into_any()
            })}
        </Suspense>
    }
}

#[component]
fn WebhookBody(
    name: String,
    data: WebhookView,
    secret: ServerAction<NewWebhookSecret>,
    disable: ServerAction<DisableWebhook>,
    test: ServerAction<TestWebhook>,
) -> impl IntoView {
    let pins = (!data.pins.is_empty()).then(|| {
        view! {
            <h3>"Images set by webhooks"</h3>
            <ul data-testid="pins">
                {data.pins.into_iter().map(|p| view! { <li>{p.service}": "<code>{p.image}</code>" "<span class="muted">"("{p.set_by}", "{format_utc(p.set_at)}")"</span></li> }).collect_view()}
            </ul>
            <p class="muted">"Every deploy uses these until the compose file is saved again."</p>
        }
    });
    let body = match data.hook {
        None => view! {
            <p data-testid="webhook-off">"The webhook is off."</p>
            <ActionForm action=secret>
                <input type="hidden" name="name" value=name.clone() />
                <button class="button small" type="submit" data-testid="webhook-on">"Turn the webhook on"</button>
            </ActionForm>
            <p class="muted">"Berth asks for your password or a code first: the secret it makes can redeploy this stack."</p>
        }
        .into_any(),
        Some(hook) => view! { <HookView name hook secret disable test /> }.into_any(),
    };
    view! { {body} {pins} }
}

#[component]
fn HookView(name: String, hook: Hook, secret: ServerAction<NewWebhookSecret>, disable: ServerAction<DisableWebhook>, test: ServerAction<TestWebhook>) -> impl IntoView {
    let fresh = hook.fresh_secret.map(|value| {
        view! {
            <div class="alert info" data-testid="webhook-secret-box">
                <p><strong>"The secret, shown this once: "</strong><code data-testid="webhook-secret">{value}</code></p>
                <p>"Store it as the repository secret "<code>"BERTH_HOOK_SECRET"</code>" (Settings → Secrets and variables → Actions). Berth keeps it encrypted and can't show it again; make a new one if it is lost."</p>
            </div>
        }
    });
    let (n1, n2, n3) = (name.clone(), name.clone(), name.clone());
    view! {
        {fresh}
        <p>"URL: "<code data-testid="webhook-url">{hook.url}</code></p>
        <p class="muted">"On since "{format_utc(hook.created_at)}"; secret made "{format_utc(hook.rotated_at)}"."</p>
        <h3>"GitHub Actions step"</h3>
        <pre class="commands" data-testid="webhook-step"><code>{hook.workflow_step}</code></pre>
        <h3>"From a shell"</h3>
        <p class="muted">"With the secret in "<code>"BERTH_HOOK_SECRET"</code>":"</p>
        <pre class="commands" data-testid="webhook-one-liner"><code>{hook.one_liner}</code></pre>
        <p class="muted">
            "GitHub's own webhooks work too (push, package and workflow_run; ping answers without deploying): "
            "payload URL as above, content type application/json, this secret."
        </p>
        <div class="actions toolbar">
            <ActionForm action=test>
                <input type="hidden" name="name" value=n1 />
                <button class="button secondary small" type="submit" data-testid="webhook-test">"Send test"</button>
            </ActionForm>
            <ActionForm action=secret>
                <input type="hidden" name="name" value=n2 />
                <button class="button secondary small" type="submit" data-testid="webhook-rotate">"New secret"</button>
            </ActionForm>
            <ActionForm action=disable>
                <input type="hidden" name="name" value=n3 />
                <button class="button secondary small" type="submit" data-testid="webhook-off-button">"Turn off"</button>
            </ActionForm>
        </div>
    }
}
