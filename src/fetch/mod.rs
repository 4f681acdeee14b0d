//! The fetch layer: polite, robust HTTP for county servers.
//!
//! One [`Fetcher`] per process (cheap to clone, share it between tasks). It keeps:
//! - one reqwest client per distinct (proxy, legacy TLS) combination, with cookies, gzip/brotli/
//!   deflate, a connect timeout and **no** automatic redirects;
//! - one [`Host`] per host name: a governor limiter built from the site rule's `rate` (burst 1),
//!   a pacing gate raised by robots.txt `Crawl-delay` and by 429/503 `Retry-After` (the host is
//!   paused, then runs at half speed for a while), and a semaphore for the rule's `concurrency`;
//! - the robots.txt of each host, fetched once through that host's limiter.
//!
//! [`Fetcher::fetch`] follows redirects itself (every hop through the limiter, a limit and loop
//! detection), retries timeouts, connection errors, truncated bodies, 5xx and 429 with jittered
//! exponential backoff, caps the body while streaming, and classifies the answer
//! ([`Outcome`]): challenge/WAF pages come back as `Blocked`, deleted pages as `Gone`, with the
//! evidence; they must never be stored as documents.
//!
//! ```no_run
//! # async fn demo(site: &nianbao::site::Site) -> Result<(), nianbao::fetch::FetchError> {
//! use nianbao::fetch::{FetchConfig, Fetcher, Request, RequestKind};
//! let fetcher = Fetcher::new(FetchConfig { contact: "ops@example.org".into(), ..Default::default() })?;
//! fetcher.add_site(site)?;
//! let page = fetcher
//!     .fetch(&Request::get("http://www.example.gov.cn/zwgk/index.html").site(&site.name).kind(RequestKind::List))
//!     .await?;
//! if page.outcome.is_ok() { /* decode + extract page.body */ }
//! # Ok(()) }
//! ```

mod challenge;
mod client;
mod engine;
mod error;
mod host;
#[cfg(feature = "legacy-tls")]
pub mod legacy_tls;
mod retry;
mod robots;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use url::Url;

pub use challenge::{classify, Outcome};
pub use client::{check_proxy, install_tls_provider, legacy_tls_supported, tls_ca_certificates, ClientKey};
pub use error::FetchError;
pub use host::{Host, HostPolicy, Slot};
pub use retry::{backoff, is_retryable_status, parse_retry_after};
pub use robots::{RobotsStatus, AGENT_TOKEN};

use crate::site::{Rate, RobotsPolicy, Site};

/// Where the project lives, named in the User-Agent.
pub const HOMEPAGE: &str = "https://github.com/nianbao/nianbao";

/// Settings of the fetch layer. `Default` gives conservative production values.
#[derive(Debug, Clone)]
pub struct FetchConfig {
    /// Full User-Agent override. `None` builds `nianbao/<version> (+<homepage>; <contact>)`.
    pub user_agent: Option<String>,
    /// How a webmaster reaches the operator (an e-mail address or URL), put in the User-Agent.
    pub contact: String,
    /// Whole request, body included.
    pub timeout: Duration,
    pub connect_timeout: Duration,
    /// Body cap, enforced while streaming.
    pub max_body_bytes: u64,
    pub max_redirects: usize,
    /// Extra attempts after the first for transient failures.
    pub retries: u32,
    pub base_backoff: Duration,
    pub max_backoff: Duration,
    /// A `Retry-After` longer than this fails the request instead of stalling the crawl.
    pub max_retry_after: Duration,
    /// After 429/503 the host runs this many times slower…
    pub slowdown_factor: u32,
    /// …for this long after the pause.
    pub slowdown_for: Duration,
    /// Obey robots.txt (sites can still opt out individually, with a reason).
    pub respect_robots: bool,
    /// How long an unreadable (5xx) robots.txt keeps its host disallowed before a new try.
    pub robots_retry: Duration,
    /// Upper bound for robots.txt `Crawl-delay`.
    pub max_crawl_delay: Duration,
    /// Rate for hosts no site rule names.
    pub default_rate: Rate,
    pub default_concurrency: usize,
    /// DNS overrides (`host → address`): pinned servers, and tests mapping real-looking host
    /// names to 127.0.0.1.
    pub resolve: Vec<(String, SocketAddr)>,
    /// Proxy for every request whose site rule names none (`http://`, `https://`, `socks5://`,
    /// `socks5h://`): an institution's outgoing proxy, or `nianbao demo`'s local server.
    pub proxy: Option<String>,
}

impl Default for FetchConfig {
    fn default() -> Self {
        FetchConfig {
            user_agent: None,
            contact: "set contact in config".into(),
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            max_body_bytes: 50 * 1024 * 1024,
            max_redirects: 10,
            retries: 3,
            base_backoff: Duration::from_secs(2),
            max_backoff: Duration::from_secs(60),
            max_retry_after: Duration::from_secs(600),
            slowdown_factor: 2,
            slowdown_for: Duration::from_secs(300),
            respect_robots: true,
            robots_retry: Duration::from_secs(600),
            max_crawl_delay: Duration::from_secs(60),
            default_rate: Rate { requests: 1, per: Duration::from_secs(2) },
            default_concurrency: 1,
            resolve: Vec::new(),
            proxy: None,
        }
    }
}

impl FetchConfig {
    /// The User-Agent sent with every request.
    pub fn user_agent(&self) -> String {
        self.user_agent
            .clone()
            .unwrap_or_else(|| format!("nianbao/{} (+{HOMEPAGE}; {})", env!("CARGO_PKG_VERSION"), self.contact))
    }
}

/// GET or POST.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Method {
    #[default]
    Get,
    Post,
}

/// What a request is for (logs, and which checks apply).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RequestKind {
    /// A list (column) page or a dataproxy window.
    List,
    /// A detail page.
    #[default]
    Detail,
    /// An attachment (PDF, DOC, …).
    Attachment,
    /// robots.txt itself (not checked against robots).
    Robots,
    /// Anything else (capture of an arbitrary URL).
    Other,
}

/// One request. Build with [`Request::get`] / [`Request::post_form`] and the setters.
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// Absolute http(s) URL; validated by [`Fetcher::fetch`] (→ [`FetchError::InvalidUrl`]).
    pub url: String,
    pub method: Method,
    /// `application/x-www-form-urlencoded` body for POST (UTF-8).
    pub form: Vec<(String, String)>,
    /// Extra headers (Referer, …).
    pub headers: Vec<(String, String)>,
    /// Name of the site rule the request belongs to: picks its proxy/TLS client, and its
    /// politeness for hosts the rule doesn't list (attachments on storage hosts).
    pub site: Option<String>,
    pub kind: RequestKind,
}

impl Request {
    /// A GET of `url`.
    pub fn get(url: impl Into<String>) -> Request {
        Request { url: url.into(), ..Default::default() }
    }
    /// A form POST (Hanweb `dataproxy.jsp`).
    pub fn post_form(url: impl Into<String>, form: Vec<(String, String)>) -> Request {
        Request { url: url.into(), method: Method::Post, form, ..Default::default() }
    }
    /// Set the site rule name.
    pub fn site(mut self, name: impl Into<String>) -> Request {
        self.site = Some(name.into());
        self
    }
    /// Set the kind.
    pub fn kind(mut self, kind: RequestKind) -> Request {
        self.kind = kind;
        self
    }
    /// Add a header.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Request {
        self.headers.push((name.into(), value.into()));
        self
    }
}

/// A response that arrived completely (any outcome).
#[derive(Debug, Clone)]
pub struct Fetched {
    /// The URL asked for.
    pub url: String,
    /// The URL that answered, after redirects.
    pub final_url: Url,
    pub status: u16,
    /// Response headers of the final answer, in order, names lowercase.
    pub headers: Vec<(String, String)>,
    /// Raw body bytes (decompressed from gzip/brotli/deflate, never charset-decoded).
    pub body: Vec<u8>,
    pub fetched_at: DateTime<Utc>,
    /// Time from the call to the end of the body, waits and retries included.
    pub elapsed: Duration,
    /// HTTP attempts made, over all hops and retries.
    pub attempts: u32,
    /// Each redirect target, in order.
    pub redirects: Vec<Url>,
    pub outcome: Outcome,
    /// The site rule, if the request named one.
    pub site: Option<String>,
}

impl Fetched {
    /// The first header with this (case-insensitive) name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
    /// The Content-Type header, for `decode::decode`.
    pub fn content_type(&self) -> Option<&str> {
        self.header("content-type")
    }
}

/// Settings the fetcher keeps per site rule.
#[derive(Debug, Clone)]
struct SiteProfile {
    client: ClientKey,
    policy: HostPolicy,
}

#[derive(Debug)]
struct Inner {
    config: FetchConfig,
    clients: client::Clients,
    sites: Mutex<HashMap<String, SiteProfile>>,
    hosts: Mutex<HashMap<String, Arc<Host>>>,
}

/// The fetch layer. Clone it freely: clones share clients, hosts, limiters and robots caches.
#[derive(Debug, Clone)]
pub struct Fetcher {
    inner: Arc<Inner>,
}

impl Fetcher {
    /// A fetcher with the default client built (fails only if the TLS backend cannot start).
    pub fn new(config: FetchConfig) -> Result<Fetcher, FetchError> {
        let inner = Inner { config, clients: Default::default(), sites: Default::default(), hosts: Default::default() };
        inner.clients.get(&ClientKey::default(), &inner.config, "(default)")?;
        Ok(Fetcher { inner: Arc::new(inner) })
    }

    /// The configuration in use.
    pub fn config(&self) -> &FetchConfig {
        &self.inner.config
    }

    /// Register a site rule: its domains get the rule's rate, concurrency and robots policy, and
    /// its proxy/legacy-TLS/`tls_ca` client is built now (a bad proxy is reported here, naming the
    /// site).
    /// Registering the same site again replaces its settings for hosts not yet used.
    pub fn add_site(&self, site: &Site) -> Result<(), FetchError> {
        let proxy = site.proxy.clone().or_else(|| self.inner.config.proxy.clone());
        let key = ClientKey { proxy, legacy_tls: site.legacy_tls, tls_ca: site.tls_ca.clone() };
        self.inner.clients.get(&key, &self.inner.config, &site.name)?;
        let policy = HostPolicy {
            interval: HostPolicy::interval_of(site.rate),
            concurrency: site.concurrency.max(1),
            site: Some(site.name.clone()),
            ignore_robots: match &site.robots {
                RobotsPolicy::Obey => None,
                RobotsPolicy::Ignore { reason } => Some(reason.clone()),
            },
        };
        let mut hosts = self.inner.hosts.lock().expect("hosts lock");
        for d in &site.domains {
            let name = normalize_host(d);
            hosts.insert(name.clone(), Arc::new(Host::new(name, policy.clone())));
        }
        drop(hosts);
        self.inner.sites.lock().expect("sites lock").insert(site.name.clone(), SiteProfile { client: key, policy });
        tracing::debug!(site = %site.name, domains = ?site.domains, rate = ?site.rate, "site registered");
        Ok(())
    }

    /// The host state for a host name (registered or already used), for inspection.
    pub fn host(&self, name: &str) -> Option<Arc<Host>> {
        self.inner.hosts.lock().expect("hosts lock").get(&normalize_host(name)).cloned()
    }

    /// What is known about a host's robots.txt.
    pub async fn robots_status(&self, host: &str) -> RobotsStatus {
        match self.host(host) {
            Some(h) => h.robots.lock().await.status(),
            None => RobotsStatus::Unknown,
        }
    }

    /// Which client a request would use.
    pub fn client_key(&self, req: &Request) -> ClientKey {
        req.site
            .as_deref()
            .and_then(|s| self.inner.sites.lock().expect("sites lock").get(s).map(|p| p.client.clone()))
            .unwrap_or_else(|| ClientKey { proxy: self.inner.config.proxy.clone(), ..ClientKey::default() })
    }

    /// Number of distinct HTTP clients built (one per proxy/legacy-TLS combination).
    pub fn client_count(&self) -> usize {
        self.inner.clients.len()
    }

    /// The host for `url`, created on first use: a host no rule lists gets the requesting site's
    /// policy if a site is named, else the conservative default.
    fn host_for(&self, url: &Url, site: Option<&str>) -> Arc<Host> {
        let name = normalize_host(url.host_str().unwrap_or_default());
        let mut hosts = self.inner.hosts.lock().expect("hosts lock");
        if let Some(h) = hosts.get(&name) {
            return h.clone();
        }
        let inherited = site.and_then(|s| self.inner.sites.lock().expect("sites lock").get(s).map(|p| p.policy.clone()));
        let policy = inherited.unwrap_or_else(|| HostPolicy {
            interval: HostPolicy::interval_of(self.inner.config.default_rate),
            concurrency: self.inner.config.default_concurrency.max(1),
            site: None,
            ignore_robots: None,
        });
        let host = Arc::new(Host::new(name.clone(), policy));
        hosts.insert(name, host.clone());
        host
    }
}

/// Host names are compared lowercase, without a trailing dot or port.
fn normalize_host(h: &str) -> String {
    let h = h.trim().trim_end_matches('.').to_ascii_lowercase();
    match h.rsplit_once(':') {
        Some((name, port)) if !name.contains(':') && port.chars().all(|c| c.is_ascii_digit()) => name.to_string(),
        _ => h,
    }
}
