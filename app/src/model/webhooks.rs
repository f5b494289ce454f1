//! A stack's webhook as its page shows it: the URL, the secret (once), ready-to-paste
//! snippets, and the images webhooks set.

use serde::{Deserialize, Serialize};

/// An image a webhook set for a service, used until the compose file is saved again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImagePin {
    pub service: String,
    pub image: String,
    pub set_at: i64,
    pub set_by: String,
}

/// A stack's webhook.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookView {
    /// `None`: no webhook (it is off).
    pub hook: Option<Hook>,
    pub pins: Vec<ImagePin>,
}

/// An enabled webhook.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hook {
    pub url: String,
    pub created_at: i64,
    pub rotated_at: i64,
    /// The secret, right after it was made or rotated, shown once to the session that made it.
    pub fresh_secret: Option<String>,
    /// A GitHub Actions step (YAML) that calls the webhook and fails when the deploy fails.
    pub workflow_step: String,
    /// The same call as a shell command.
    pub one_liner: String,
}

/// The snippets for a webhook URL. `pin` is the `sha256//…` public key pin of Berth's
/// self-signed certificate, when it has no certificate a CI runner would trust.
pub fn snippets(url: &str, pin: Option<&str>) -> (String, String) {
    let tls = pin.map(|p| format!(" --insecure --pinnedpubkey '{p}'")).unwrap_or_default();
    let pin_note = if pin.is_some() {
        "        # Berth's certificate is self-signed: curl checks its public key instead of a CA.\n"
    } else {
        ""
    };
    let step = format!(
        "- name: Redeploy on Berth\n\
         \x20 env:\n\
         \x20   BERTH_HOOK_URL: {url}\n\
         \x20   BERTH_HOOK_SECRET: ${{{{ secrets.BERTH_HOOK_SECRET }}}}\n\
         \x20 shell: bash\n\
         \x20 run: |\n\
         \x20   set -euo pipefail\n\
         \x20   # A unique delivery id and the time: Berth refuses replays and requests older than 5 minutes.\n\
         \x20   # To deploy a new tag, add e.g. ,\"images\":{{\"web\":\"v2\"}} (a tag or @sha256:digest; never another repository).\n\
         \x20   body=$(printf '{{\"ts\":%s,\"delivery\":\"%s-%s-%s\"}}' \"$(date +%s)\" \"$GITHUB_RUN_ID\" \"$GITHUB_RUN_ATTEMPT\" \"$RANDOM\")\n\
         \x20   sig=$(printf '%s' \"$body\" | openssl dgst -sha256 -hmac \"$BERTH_HOOK_SECRET\" -r | cut -d' ' -f1)\n\
         {pin_note}\
         \x20   curl --fail-with-body --silent --show-error --max-time 900{tls} \\\n\
         \x20     -H 'Content-Type: application/json' -H \"X-Hub-Signature-256: sha256=$sig\" \\\n\
         \x20     --data-binary \"$body\" \"$BERTH_HOOK_URL?wait=true\"\n"
    );
    let one_liner = format!(
        "body=$(printf '{{\"ts\":%s,\"delivery\":\"%s\"}}' \"$(date +%s)\" \"$(date +%s%N)\"); \
         curl --fail-with-body -sS{tls} -H 'Content-Type: application/json' \
         -H \"X-Hub-Signature-256: sha256=$(printf '%s' \"$body\" | openssl dgst -sha256 -hmac \"$BERTH_HOOK_SECRET\" -r | cut -d' ' -f1)\" \
         --data-binary \"$body\" '{url}?wait=true'"
    );
    (step, one_liner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_workflow_step_signs_the_exact_body_and_fails_the_job_on_a_failed_deploy() {
        let (step, line) = snippets("https://berth.example:9443/hooks/stacks/abc", None);
        assert!(step.contains("BERTH_HOOK_URL: https://berth.example:9443/hooks/stacks/abc\n"));
        assert!(step.contains("${{ secrets.BERTH_HOOK_SECRET }}"));
        assert!(step.contains("openssl dgst -sha256 -hmac \"$BERTH_HOOK_SECRET\""));
        assert!(step.contains("--fail-with-body"));
        assert!(step.contains("?wait=true"));
        assert!(!step.contains("--insecure"));
        assert!(line.contains("'https://berth.example:9443/hooks/stacks/abc?wait=true'"));
    }

    #[test]
    fn a_self_signed_certificate_is_pinned_not_ignored() {
        let (step, line) = snippets("https://127.0.0.1:9443/hooks/stacks/abc", Some("sha256//AAAA"));
        assert!(step.contains("--insecure --pinnedpubkey 'sha256//AAAA'"));
        assert!(line.contains("--pinnedpubkey 'sha256//AAAA'"));
    }
}
