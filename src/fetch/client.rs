//! reqwest clients: one per distinct (proxy, legacy TLS) combination, built once and cached.
//! Redirects are never followed by reqwest (we follow them ourselves so every hop passes the
//! host limiter and loop detection); cookies are kept (WZWS 307 + Set-Cookie warm-up).

use std::collections::HashMap;
use std::sync::Mutex;

use reqwest::redirect;

use super::{FetchConfig, FetchError};

/// Which client a request goes through.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct ClientKey {
    /// `http://…`, `https://…`, `socks5://…` or `socks5h://…`.
    pub proxy: Option<String>,
    /// Old-server client: see [`legacy_tls_supported`].
    pub legacy_tls: bool,
}

/// True when this build can really talk TLS 1.0/1.1 to old servers (the `legacy-tls` cargo
/// feature, OpenSSL through native-tls). Without it, `legacy_tls = true` sites get a separate
/// rustls client (TLS 1.2+), and a warning is logged once per client.
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

fn build(key: &ClientKey, config: &FetchConfig, site: &str) -> Result<reqwest::Client, FetchError> {
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
    if key.legacy_tls {
        b = legacy(b);
    }
    b.build().map_err(|e| FetchError::Client(format!("site {site}: {e}")))
}

#[cfg(feature = "legacy-tls")]
fn legacy(b: reqwest::ClientBuilder) -> reqwest::ClientBuilder {
    // OpenSSL through native-tls, TLS 1.0 and up. OpenSSL 3's default security level still
    // refuses SHA-1/MD5 handshakes; lowering it needs OPENSSL_CONF (`CipherString =
    // DEFAULT@SECLEVEL=0`), which native-tls does not expose.
    b.tls_backend_native().tls_version_min(reqwest::tls::Version::TLS_1_0)
}

#[cfg(not(feature = "legacy-tls"))]
fn legacy(b: reqwest::ClientBuilder) -> reqwest::ClientBuilder {
    tracing::warn!(
        "legacy_tls requested but this build has no `legacy-tls` feature: using rustls (TLS 1.2+); \
         servers that only speak TLS 1.0/1.1 will fail to connect"
    );
    b.tls_version_min(reqwest::tls::Version::TLS_1_2)
}
