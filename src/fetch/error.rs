//! Why a fetch failed for good. Every variant names the URL (and the site when one was given),
//! so a message in a crawl log is enough to act on.

use std::time::Duration;

/// A fetch that produced no usable response, after retries where retrying made sense.
///
/// Blocked, gone and not-found pages are *not* errors: they come back as
/// [`Fetched`](super::Fetched) with an [`Outcome`](super::Outcome) so that the evidence can be
/// recorded.
#[derive(Debug, Clone, thiserror::Error)]
pub enum FetchError {
    /// The URL could not be parsed, has no host, or uses a scheme other than http/https.
    #[error("{url}: invalid URL: {message}")]
    InvalidUrl { url: String, message: String },

    /// No response (or no complete body) within the configured timeout.
    #[error("{url}: timed out after {attempts} attempt(s) ({timeout:?} each)")]
    Timeout { url: String, timeout: Duration, attempts: u32 },

    /// The host could not be reached: DNS failure, connection refused or reset.
    #[error("{url}: cannot connect after {attempts} attempt(s): {message}")]
    Connect { url: String, message: String, attempts: u32 },

    /// The body is larger than the configured cap (`declared` is the Content-Length if any).
    #[error("{url}: body larger than {limit} bytes{}", declared.map(|d| format!(" (Content-Length {d})")).unwrap_or_default())]
    TooLarge { url: String, limit: u64, declared: Option<u64> },

    /// The body ended before it was complete (connection closed mid-body or a
    /// Content-Length mismatch), on every attempt.
    #[error("{url}: truncated body after {attempts} attempt(s): {message}")]
    Body { url: String, message: String, attempts: u32 },

    /// More redirects than allowed.
    #[error("{url}: more than {limit} redirects (last: {last})")]
    TooManyRedirects { url: String, limit: usize, last: String },

    /// A redirect leads back to a URL already visited in this chain.
    #[error("{url}: redirect loop via {repeated}")]
    RedirectLoop { url: String, repeated: String },

    /// A redirect without a usable `Location` header.
    #[error("{url}: redirect status {status} without a valid Location header")]
    BadRedirect { url: String, status: u16 },

    /// robots.txt disallows the URL for our user agent.
    #[error("{url}: disallowed by robots.txt of {host}")]
    RobotsDisallowed { url: String, host: String },

    /// robots.txt answered with a server error or could not be fetched; the host is treated as
    /// disallowed until `retry_in` has passed (then robots.txt is fetched again).
    #[error("{url}: robots.txt of {host} unavailable ({reason}); host paused, retry in {retry_in:?}")]
    RobotsUnavailable { url: String, host: String, reason: String, retry_in: Duration },

    /// The server kept answering with an error status (after retries for 5xx/429), or with a
    /// client error that is neither "blocked" nor "gone".
    #[error("{url}: HTTP {status} after {attempts} attempt(s)")]
    Status { url: String, status: u16, attempts: u32 },

    /// The server asked us to wait (Retry-After) longer than the configured maximum.
    #[error("{url}: HTTP {status} with Retry-After {retry_after:?}, longer than the allowed {max:?}")]
    RetryAfterTooLong { url: String, status: u16, retry_after: Duration, max: Duration },

    /// The TLS handshake failed: protocol version, cipher or certificate. Not retried (it fails
    /// the same way every time); `advice` says what in the site rule may fix it.
    #[error("{url}: TLS handshake failed: {message}; {advice}")]
    Tls { url: String, message: String, advice: String },

    /// The site's proxy setting is unusable.
    #[error("site {site}: proxy {proxy}: {message}")]
    Proxy { site: String, proxy: String, message: String },

    /// The HTTP client could not be built (TLS backend, proxy, …).
    #[error("HTTP client: {0}")]
    Client(String),

    /// Any other transport error reqwest reports.
    #[error("{url}: {message}")]
    Other { url: String, message: String },
}

impl FetchError {
    /// The URL the error is about (empty for client-construction errors).
    pub fn url(&self) -> &str {
        match self {
            FetchError::InvalidUrl { url, .. }
            | FetchError::Timeout { url, .. }
            | FetchError::Connect { url, .. }
            | FetchError::TooLarge { url, .. }
            | FetchError::Body { url, .. }
            | FetchError::TooManyRedirects { url, .. }
            | FetchError::RedirectLoop { url, .. }
            | FetchError::BadRedirect { url, .. }
            | FetchError::RobotsDisallowed { url, .. }
            | FetchError::RobotsUnavailable { url, .. }
            | FetchError::Status { url, .. }
            | FetchError::RetryAfterTooLong { url, .. }
            | FetchError::Tls { url, .. }
            | FetchError::Other { url, .. } => url,
            FetchError::Proxy { .. } | FetchError::Client(_) => "",
        }
    }

    /// A short, stable machine name for the kind of failure (`"timeout"`, `"connect"`, …),
    /// handy for counters and the archive's `error_kind` column.
    pub fn kind(&self) -> &'static str {
        match self {
            FetchError::InvalidUrl { .. } => "invalid_url",
            FetchError::Timeout { .. } => "timeout",
            FetchError::Connect { .. } => "connect",
            FetchError::TooLarge { .. } => "too_large",
            FetchError::Body { .. } => "truncated",
            FetchError::TooManyRedirects { .. } => "too_many_redirects",
            FetchError::RedirectLoop { .. } => "redirect_loop",
            FetchError::BadRedirect { .. } => "bad_redirect",
            FetchError::RobotsDisallowed { .. } => "robots_disallowed",
            FetchError::RobotsUnavailable { .. } => "robots_unavailable",
            FetchError::Status { .. } => "status",
            FetchError::RetryAfterTooLong { .. } => "retry_after_too_long",
            FetchError::Tls { .. } => "tls",
            FetchError::Proxy { .. } => "proxy",
            FetchError::Client(_) => "client",
            FetchError::Other { .. } => "other",
        }
    }
}

impl From<FetchError> for crate::Error {
    fn from(e: FetchError) -> Self {
        match &e {
            FetchError::Proxy { .. } | FetchError::Client(_) => crate::Error::Other(e.to_string()),
            _ => {
                let url = e.url().to_string();
                let full = e.to_string();
                let message = full.strip_prefix(&format!("{url}: ")).unwrap_or(&full).to_string();
                crate::Error::Fetch { url, message }
            }
        }
    }
}

/// Advice for a server the default (rustls, TLS 1.2+) client cannot agree with.
const ADVICE_LEGACY: &str = "the server may only speak old TLS (1.0/1.1) or old ciphers: \
     set `legacy_tls = true` in its site rule (in a build with `--features legacy-tls`)";
/// Advice for a server even the legacy client cannot agree with.
#[cfg(feature = "legacy-tls")]
const ADVICE_LEGACY_FAILED: &str =
    "even the legacy client (OpenSSL) could not agree with the server; the `legacy TLS:` line of the log shows \
     the OpenSSL settings in use";
/// Advice for an untrusted server certificate.
const ADVICE_CERTIFICATE: &str = "the server's certificate is not trusted (self-signed, or an intermediate \
     certificate missing): add the certificate(s) to its site rule with `tls_ca = \"_certs/NAME.pem\"`";

/// Advice for a server presenting a CA certificate as its own, which rustls refuses even when
/// trusted.
const ADVICE_CA_AS_SERVER: &str = "the server presents a CA certificate (basicConstraints CA:TRUE, typical \
     of a home-made self-signed one) as its own, which the default client refuses even with `tls_ca`: \
     set `legacy_tls = true` as well as `tls_ca` in its site rule";

/// A failed TLS handshake found in an error's source chain: (the TLS library's message, advice).
/// `None` when the failure is not a TLS one (or is a network error during the handshake, which
/// stays a retryable connection error).
pub(super) fn tls_failure(e: &(dyn std::error::Error + 'static)) -> Option<(String, &'static str)> {
    let mut cur = Some(e);
    while let Some(err) = cur {
        // tokio-rustls reports rustls errors inside (nested) io::Errors, whose `source()` skips
        // the error they wrap: look inside them too.
        let mut node = Some(err);
        while let Some(n) = node {
            if let Some(r) = n.downcast_ref::<rustls::Error>() {
                return rustls_advice(r).map(|advice| (r.to_string(), advice));
            }
            #[cfg(feature = "legacy-tls")]
            if let Some(t) = n.downcast_ref::<native_tls::Error>() {
                return native_tls_advice(t).map(|advice| (t.to_string(), advice));
            }
            node = n.downcast_ref::<std::io::Error>().and_then(|io| io.get_ref()).map(|i| i as &(dyn std::error::Error + 'static));
        }
        cur = err.source();
    }
    None
}

fn rustls_advice(e: &rustls::Error) -> Option<&'static str> {
    use rustls::Error as E;
    match e {
        // webpki's error is not a type rustls exposes: recognise it by name.
        E::InvalidCertificate(c) if format!("{c:?}").contains("CaUsedAsEndEntity") => Some(ADVICE_CA_AS_SERVER),
        E::InvalidCertificate(_) | E::NoCertificatesPresented | E::UnsupportedNameType => Some(ADVICE_CERTIFICATE),
        E::AlertReceived(_)
        | E::PeerIncompatible(_)
        | E::PeerMisbehaved(_)
        | E::InappropriateMessage { .. }
        | E::InappropriateHandshakeMessage { .. }
        | E::InvalidMessage(_)
        | E::DecryptError => Some(ADVICE_LEGACY),
        _ => None,
    }
}

#[cfg(feature = "legacy-tls")]
fn native_tls_advice(e: &native_tls::Error) -> Option<&'static str> {
    // A network failure during the handshake (reset, EOF) stays a connection error.
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        if s.is::<std::io::Error>() {
            return None;
        }
        src = s.source();
    }
    let msg = e.to_string();
    Some(if msg.contains("certificate verify failed") { ADVICE_CERTIFICATE } else { ADVICE_LEGACY_FAILED })
}
