use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::audit::list_audit;
use crate::model::time::format_utc;

/// The audit log, filtered by the query string (a plain GET form, so it works without JS).
#[component]
pub fn AuditPage() -> impl IntoView {
    let query = use_query_map();
    let param = move |name: &str| query.read().get(name).filter(|v| !v.is_empty());
    let filter = move || (param("actor"), param("action"), param("outcome"), param("before").and_then(|b| b.parse::<i64>().ok()));
    let lines = Resource::new(filter, |(actor, action, outcome, before)| list_audit(actor, action, outcome, before));
    view! {
        <Title text="Audit log" />
        <h1>"Audit log"</h1>
        <form class="card filters" method="get" action="/audit">
            <label class="field"><span>"User"</span><input name="actor" value=move || param("actor") /></label>
            <label class="field"><span>"Action"</span><input name="action" value=move || param("action") placeholder="login" /></label>
            <label class="field">
                <span>"Outcome"</span>
                <select name="outcome">
                    <option value="">"any"</option>
                    {["ok", "denied", "failed"].map(|o| view! {
                        <option value=o selected=move || param("outcome").as_deref() == Some(o)>{o}</option>
                    })}
                </select>
            </label>
            <button class="button secondary" type="submit">"Filter"</button>
        </form>
        <section class="card">
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match lines.await {
                        Ok(lines) => {
                            let older = lines.last().map(|l| l.id).filter(|_| lines.len() == 200);
                            view! {
                                <table class="table" data-testid="audit">
                                    <thead>
                                        <tr><th>"#"</th><th>"When"</th><th>"User"</th><th>"Address"</th><th>"Action"</th><th>"Target"</th><th>"Outcome"</th><th>"Detail"</th></tr>
                                    </thead>
                                    <tbody>
                                        {lines.into_iter().map(|l| {
                                            let class = format!("outcome-{}", l.outcome);
                                            view! {
                                            <tr class=class>
                                                <td>{l.id}</td>
                                                <td>{format_utc(l.at)}</td>
                                                <td>{l.actor}</td>
                                                <td>{l.ip}</td>
                                                <td>{l.action}</td>
                                                <td>{l.target}</td>
                                                <td>{l.outcome}</td>
                                                <td>{l.detail}</td>
                                            </tr>
                                        }}).collect_view()}
                                    </tbody>
                                </table>
                                {older.map(|id| view! { <p><a href=format!("/audit?before={id}")>"Older"</a></p> })}
                            }
                            .into_any()
                        }
                        Err(error) => view! { <p class="alert error" role="alert">{error.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}
