//! reqwest clients: one per distinct (proxy, legacy TLS, extra CA) combination, built once and
//! cached.
//! Redirects are never followed by reqwest (we follow them ourselves so every hop passes the
//! host limiter and loop detection); cookies are kept (WZWS 307 + Set-Cookie warm-up).

use std::collections::HashMap;
use std::sync::Mutex;

use reqwest::redirect;

use super::{FetchConfig, FetchError};
use crate::site::TlsCa;

/// Which client a request goes through.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct ClientKey {
    /// `http://…`, `https://…`, `socks5://…` or `socks5h://…`.
    pub proxy: Option<String>,
    /// Old-server client: see [`legacy_tls_supported`].
    pub legacy_tls: bool,
    /// Certificates trusted in addition to the system roots (the rule's `tls_ca`).
    pub tls_ca: Option<TlsCa>,
}

/// True when this build can really talk TLS 1.0/1.1 to old servers (the `legacy-tls` cargo
/// feature, OpenSSL through native-tls at security level 0: see `src/fetch/legacy_tls.rs`).
/// Without it, `legacy_tls = true` sites get a separate rustls client (TLS 1.2+), and a warning
/// is logged once per client.
pub fn legacy_tls_supported() -> bool {
    cfg!(feature = "legacy-tls")
}

/// The cache of built clients.
#[derive(Debug, Default)]
pub struct Clients {
    built: Mutex<HashMap<ClientKey, reqwest::Client>>,
}

impl Clients {
    /// The client for `key`, building it on first use. `site` names the rule in errors.
    pub fn get(&self, key: &ClientKey, config: &FetchConfig, site: &str) -> Result<reqwest::Client, FetchError> {
        let mut built = self.built.lock().expect("clients lock");
        if let Some(c) = built.get(key) {
            return Ok(c.clone());
        }
        let client = build(key, config, site)?;
        built.insert(key.clone(), client.clone());
        Ok(client)
    }

    /// Number of distinct clients built so far.
    #[allow(clippy::len_without_is_empty)]
    pub fn len(&self) -> usize {
        self.built.lock().expect("clients lock").len()
    }
}

/// Check a proxy URL without building a client: scheme must be http, https, socks5 or socks5h.
pub fn check_proxy(proxy: &str, site: &str) -> Result<reqwest::Proxy, FetchError> {
    let err = |message: String| FetchError::Proxy { site: site.to_string(), proxy: proxy.to_string(), message };
    let url = url::Url::parse(proxy).map_err(|e| err(e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https" | "socks5" | "socks5h") {
        return Err(err(format!("unsupported scheme {:?} (use http, https, socks5 or socks5h)", url.scheme())));
    }
    if url.host_str().is_none() {
        return Err(err("no host".into()));
    }
    reqwest::Proxy::all(proxy).map_err(|e| err(e.to_string()))
}

/// The certificates of a PEM file (a rule's `tls_ca`), to add to a client's roots. Fails when
/// the PEM is damaged or holds no certificate.
///
/// With the `legacy-tls` feature, parsing goes through OpenSSL, so this initialises OpenSSL with
/// nianbao's legacy settings first (OpenSSL reads its configuration once, at its first use).
pub fn tls_ca_certificates(pem: &[u8]) -> Result<Vec<reqwest::Certificate>, String> {
    #[cfg(feature = "legacy-tls")]
    super::legacy_tls::init();
    let certs = reqwest::Certificate::from_pem_bundle(pem).map_err(|e| {
        let mut msg = e.to_string();
        let mut src = std::error::Error::source(&e);
        while let Some(s) = src {
            msg = format!("{msg}: {s}");
            src = s.source();
        }
        format!("damaged PEM ({msg})")
    })?;
    if certs.is_empty() {
        return Err("no certificate in it (expected PEM blocks `-----BEGIN CERTIFICATE-----`)".into());
    }
    Ok(certs)
}

/// Install rustls's `ring` crypto provider as the process default, once (reqwest is built without
/// a provider of its own). Called before any client is built; call it yourself before building a
/// `reqwest::Client` outside nianbao's fetcher.
pub fn install_tls_provider() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // Err = another provider is already installed (by the embedding program): keep it.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

fn build(key: &ClientKey, config: &FetchConfig, site: &str) -> Result<reqwest::Client, FetchError> {
    install_tls_provider();
    let mut b = reqwest::Client::builder()
        .user_agent(config.user_agent())
        .redirect(redirect::Policy::none())
        .cookie_store(true)
        .gzip(true)
        .brotli(true)
        .deflate(true)
        .connect_timeout(config.connect_timeout)
        .pool_idle_timeout(std::time::Duration::from_secs(30))
        .pool_max_idle_per_host(4);
    for (host, addr) in &config.resolve {
        b = b.resolve(host, *addr);
    }
    b = match &key.proxy {
        Some(p) => b.proxy(check_proxy(p, site)?),
        None => b.no_proxy(),
    };
    if let Some(ca) = &key.tls_ca {
        let certs = tls_ca_certificates(&ca.pem)
            .map_err(|m| FetchError::Client(format!("site {site}: tls_ca {}: {m}", ca.path.display())))?;
        b = b.tls_certs_merge(certs);
    }
    b = if key.legacy_tls { legacy(b) } else { modern(b) };
    b.build().map_err(|e| FetchError::Client(format!("site {site}: {e}")))
}

/// Every client but the legacy one is rustls. (With the `legacy-tls` feature reqwest would
/// default to native-tls, that is OpenSSL at nianbao's lowered security level, for all sites.)
fn modern(b: reqwest::ClientBuilder) -> reqwest::ClientBuilder {
    b.tls_backend_rustls()
}

#[cfg(feature = "legacy-tls")]
fn legacy(b: reqwest::ClientBuilder) -> reqwest::ClientBuilder {
    // OpenSSL through native-tls, TLS 1.0 and up. native-tls cannot lower OpenSSL's security
    // level nor allow legacy renegotiation: `legacy_tls::init` does it for the process (only
    // legacy clients use OpenSSL), before the first OpenSSL context exists.
    super::legacy_tls::init();
    b.tls_backend_native().tls_version_min(reqwest::tls::Version::TLS_1_0)
}

#[cfg(not(feature = "legacy-tls"))]
fn legacy(b: reqwest::ClientBuilder) -> reqwest::ClientBuilder {
    tracing::warn!(
        "legacy_tls requested but this build has no `legacy-tls` feature: using rustls (TLS 1.2+); \
         servers that only speak TLS 1.0/1.1 will fail to connect (build with \
         `cargo build --release --features legacy-tls`)"
    );
    b.tls_version_min(reqwest::tls::Version::TLS_1_2)
}
