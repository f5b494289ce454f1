use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::account::{
    DismissRecoveryCodes, FinishEnrolment, StartEnrolment, fresh_recovery_codes, pending_enrolment,
};
use crate::api::auth::whoami;
use crate::components::form::{Field, FormError};
use crate::components::qr::QrCode;
use crate::model::url::encode_component;

/// Two-factor set-up: start, scan, confirm with a code.
#[component]
pub fn EnrolPage() -> impl IntoView {
    let start = ServerAction::<StartEnrolment>::new();
    let finish = ServerAction::<FinishEnrolment>::new();
    let pending = Resource::new(move || start.version().get(), |_| pending_enrolment());
    let me = Resource::new(|| (), |_| whoami());
    let start_error = Signal::derive(move || start.value().get().and_then(Result::err));
    let finish_error = Signal::derive(move || finish.value().get().and_then(Result::err));
    view! {
        <Title text="Two-factor authentication" />
        <section class="card narrow">
            <h1>"Two-factor authentication"</h1>
            <Suspense>
                {move || Suspend::new(async move {
                    let must = me.await.ok().flatten().is_some_and(|u| u.enrol_only);
                    must.then(|| view! {
                        <p class="alert info">"Admins need two-factor authentication: set it up to continue."</p>
                    })
                })}
            </Suspense>
            <FormError error=start_error />
            <FormError error=finish_error />
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match pending.await {
                        Ok(Some(enrolment)) => view! {
                            <ol class="steps">
                                <li>
                                    "Scan this code with an authenticator app (such as Aegis, 2FAS or Google Authenticator):"
                                    <QrCode size=enrolment.qr_size modules=enrolment.qr_modules />
                                </li>
                                <li>
                                    "Or type in this key: "
                                    <code data-testid="totp-secret">{enrolment.secret}</code>
                                    <details>
                                        <summary>"otpauth link"</summary>
                                        <code data-testid="totp-uri">{enrolment.uri}</code>
                                    </details>
                                </li>
                                <li>
                                    "Enter the code the app shows:"
                                    <ActionForm action=finish>
                                        <Field label="Code" name="code" autocomplete="one-time-code" inputmode="numeric" />
                                        <button class="button" type="submit">"Turn on"</button>
                                    </ActionForm>
                                </li>
                            </ol>
                        }
                        .into_any(),
                        Ok(None) => view! {
                            <p>"Berth makes a new secret key for your authenticator app. Nobody else sees it: it is stored encrypted."</p>
                            <ActionForm action=start>
                                <button class="button" type="submit">"Set up two-factor authentication"</button>
                            </ActionForm>
                        }
                        .into_any(),
                        Err(error) => view! { <p class="alert error" role="alert">{error.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

/// The ten recovery codes, shown once.
#[component]
pub fn RecoveryCodesPage() -> impl IntoView {
    let done = ServerAction::<DismissRecoveryCodes>::new();
    let codes = Resource::new(|| (), |_| fresh_recovery_codes());
    view! {
        <Title text="Recovery codes" />
        <section class="card narrow">
            <h1>"Recovery codes"</h1>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match codes.await {
                        Ok(Some(codes)) => {
                            let text = codes.join("\n") + "\n";
                            let href = format!("data:text/plain;charset=utf-8,{}", encode_component(&text));
                            view! {
                                <p>
                                    "Each code signs you in once if you lose your authenticator. "
                                    <strong>"They are shown only now:"</strong>" save them somewhere safe."
                                </p>
                                <ul class="codes" data-testid="recovery-codes">
                                    {codes.into_iter().map(|c| view! { <li><code>{c}</code></li> }).collect_view()}
                                </ul>
                                <p>
                                    <a class="button secondary" download="berth-recovery-codes.txt" href=href>
                                        "Download as text"
                                    </a>
                                </p>
                                <ActionForm action=done>
                                    <button class="button" type="submit">"I have saved them"</button>
                                </ActionForm>
                            }
                            .into_any()
                        }
                        Ok(None) => view! {
                            <p>"There are no new recovery codes to show. You can make new ones on your "<a href="/account">"account page"</a>"."</p>
                        }
                        .into_any(),
                        Err(error) => view! { <p class="alert error" role="alert">{error.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}
