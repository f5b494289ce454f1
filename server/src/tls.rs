//! TLS with rustls (ring provider): the user's certificate, or a self-signed one that
//! Berth makes once in the data dir and reuses, so the fingerprint a user pinned stays.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context as _;
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use sha2::{Digest as _, Sha256};

use crate::config::TlsFiles;

/// A ready TLS configuration and what to tell the user about it.
#[derive(Debug)]
pub struct Tls {
    pub config: Arc<rustls::ServerConfig>,
    /// SHA-256 of the leaf certificate, as browsers show it (`AB:CD:...`).
    pub fingerprint: String,
    /// Where the certificate came from.
    pub cert_path: PathBuf,
    /// Whether Berth made the certificate just now.
    pub created: bool,
    /// For Berth's own self-signed certificate, its public key pin (`sha256//<base64>`,
    /// as curl's `--pinnedpubkey` takes it): clients that can't trust it through a CA
    /// can trust exactly this key.
    pub pin: Option<String>,
}

/// Loads the given pair, or the self-signed pair in `data_dir/tls/`, making it if missing.
pub fn load_or_create(files: Option<&TlsFiles>, data_dir: &Path) -> anyhow::Result<Tls> {
    let (files, created, own) = match files {
        Some(files) => (files.clone(), false, false),
        None => {
            let (files, created) = self_signed(data_dir)?;
            (files, created, true)
        }
    };
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&files.cert)
        .with_context(|| format!("could not read the certificate {}", files.cert.display()))?
        .collect::<Result<_, _>>()
        .with_context(|| format!("{} is not a PEM certificate chain", files.cert.display()))?;
    let leaf = certs.first().with_context(|| format!("{} holds no certificate", files.cert.display()))?;
    let fingerprint = fingerprint(leaf);
    let key = PrivateKeyDer::from_pem_file(&files.key)
        .with_context(|| format!("could not read a PEM private key from {}", files.key.display()))?;
    let config = server_config(certs, key)?;
    let pin = if own { Some(public_key_pin(&std::fs::read_to_string(&files.key).context("could not read the key")?)?) } else { None };
    Ok(Tls { config, fingerprint, cert_path: files.cert, created, pin })
}

/// A rustls server configuration offering HTTP/2 and HTTP/1.1.
pub fn server_config(
    certs: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
) -> anyhow::Result<Arc<rustls::ServerConfig>> {
    let mut config = rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .context("TLS protocol versions")?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .context("the certificate and key do not form a usable pair")?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// The `sha256//<base64>` pin of a PEM private key's public key (its SubjectPublicKeyInfo).
pub fn public_key_pin(key_pem: &str) -> anyhow::Result<String> {
    use base64::Engine as _;
    use rcgen::PublicKeyData as _;
    let pair = rcgen::KeyPair::from_pem(key_pem).context("the private key can't be read")?;
    Ok(format!("sha256//{}", base64::engine::general_purpose::STANDARD.encode(Sha256::digest(pair.subject_public_key_info()))))
}

/// `AB:CD:…` SHA-256 of a DER certificate.
pub fn fingerprint(cert: &[u8]) -> String {
    Sha256::digest(cert).iter().map(|b| format!("{b:02X}")).collect::<Vec<_>>().join(":")
}

fn self_signed(data_dir: &Path) -> anyhow::Result<(TlsFiles, bool)> {
    let dir = data_dir.join("tls");
    let files = TlsFiles { cert: dir.join("cert.pem"), key: dir.join("key.pem") };
    if files.cert.exists() && files.key.exists() {
        return Ok((files, false));
    }
    std::fs::create_dir_all(&dir).with_context(|| format!("could not create {}", dir.display()))?;
    let names = vec!["localhost".to_owned(), "127.0.0.1".to_owned(), "::1".to_owned()];
    let certified = rcgen::generate_simple_self_signed(names).context("could not make a self-signed certificate")?;
    // A half-made pair from an interrupted start is made again.
    let _ = std::fs::remove_file(&files.key);
    let _ = std::fs::remove_file(&files.cert);
    crate::files::create_new(&files.key, certified.signing_key.serialize_pem().as_bytes(), 0o600)?;
    crate::files::create_new(&files.cert, certified.cert.pem().as_bytes(), 0o644)?;
    Ok((files, true))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_self_signed_certificate_is_made_once_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let first = load_or_create(None, dir.path()).unwrap();
        assert!(first.created);
        let second = load_or_create(None, dir.path()).unwrap();
        assert!(!second.created);
        assert_eq!(first.fingerprint, second.fingerprint);
        assert_eq!(first.fingerprint.len(), 32 * 3 - 1);
        let mode = std::fs::metadata(dir.path().join("tls/key.pem")).unwrap().permissions();
        assert_eq!(std::os::unix::fs::PermissionsExt::mode(&mode) & 0o777, 0o600);
    }

    #[test]
    fn fingerprints_are_colon_separated_upper_hex() {
        assert_eq!(&fingerprint(b"abc")[..8], "BA:78:16");
    }

    #[test]
    fn a_missing_certificate_is_a_clear_error() {
        let files = TlsFiles { cert: "/nonexistent/c.pem".into(), key: "/nonexistent/k.pem".into() };
        let error = format!("{:#}", load_or_create(Some(&files), Path::new("/tmp")).unwrap_err());
        assert!(error.contains("/nonexistent/c.pem"), "{error}");
    }
}
