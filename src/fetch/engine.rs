//! The request loop: robots check → host slot → one HTTP attempt (body streamed under a cap and
//! a deadline) → retry/backoff/Retry-After → redirect handling → classification.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use tokio::time::Instant;
use url::Url;

use super::challenge::classify;
use super::error::tls_failure;
use super::retry::{backoff, is_retryable_status, is_throttle_status, parse_retry_after};
use super::robots::{self, RobotsState};
use super::{FetchError, Fetched, Fetcher, Host, Method, Outcome, Request, RequestKind};

/// A complete HTTP answer.
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    /// When the response head was read (for [`Host::answered`]).
    head_at: Instant,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
    fn set_cookie(&self) -> String {
        self.headers.iter().filter(|(k, _)| k == "set-cookie").map(|(_, v)| v.as_str()).collect::<Vec<_>>().join("\n")
    }
    fn classify(&self) -> Outcome {
        classify(self.status, self.header("content-type"), &self.set_cookie(), &self.body)
    }
}

/// Why one attempt failed.
#[derive(Debug)]
enum AttemptError {
    Timeout,
    Connect(String),
    Truncated(String),
    TooLarge(Option<u64>),
    /// A failed TLS handshake: the TLS library's message and advice (not retried).
    Tls(String, &'static str),
    Other(String),
}

impl AttemptError {
    fn retryable(&self) -> bool {
        matches!(self, AttemptError::Timeout | AttemptError::Connect(_) | AttemptError::Truncated(_))
    }
    fn into_fetch_error(self, url: &Url, attempts: u32, timeout: Duration, limit: u64) -> FetchError {
        let url = url.to_string();
        match self {
            AttemptError::Timeout => FetchError::Timeout { url, timeout, attempts },
            AttemptError::Connect(message) => FetchError::Connect { url, message, attempts },
            AttemptError::Truncated(message) => FetchError::Body { url, message, attempts },
            AttemptError::TooLarge(declared) => FetchError::TooLarge { url, limit, declared },
            AttemptError::Tls(message, advice) => FetchError::Tls { url, message, advice: advice.to_string() },
            AttemptError::Other(message) => FetchError::Other { url, message },
        }
    }
}

/// reqwest's error with its source chain, which is where the useful part ("connection reset")
/// lives.
fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut s = e.to_string();
    let mut src = e.source();
    while let Some(c) = src {
        let m = c.to_string();
        if !s.contains(&m) {
            s.push_str(": ");
            s.push_str(&m);
        }
        src = c.source();
    }
    s
}

fn map_reqwest(e: reqwest::Error) -> AttemptError {
    let msg = chain(&e);
    if e.is_timeout() {
        AttemptError::Timeout
    } else if e.is_builder() || e.is_redirect() {
        AttemptError::Other(msg)
    } else if e.is_body() || e.is_decode() {
        AttemptError::Truncated(msg)
    } else if let Some((message, advice)) = tls_failure(&e) {
        AttemptError::Tls(message, advice)
    } else {
        // Connect failures, and connections closed or reset before a response.
        AttemptError::Connect(msg)
    }
}

/// Parse and check a request URL.
fn parse_url(raw: &str) -> Result<Url, FetchError> {
    let bad = |message: String| FetchError::InvalidUrl { url: raw.to_string(), message };
    let url = Url::parse(raw.trim()).map_err(|e| bad(e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(bad(format!("scheme {:?} is not http or https", url.scheme())));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(bad("no host".into()));
    }
    Ok(url)
}

impl Fetcher {
    /// Fetch one URL politely: see the module documentation. Blocked/gone/not-found answers are
    /// `Ok` with the matching [`Outcome`]; transport failures, exhausted retries and other error
    /// statuses are `Err`, naming the URL.
    pub async fn fetch(&self, req: &Request) -> Result<Fetched, FetchError> {
        let cfg = &self.inner.config;
        let started = Instant::now();
        let url = parse_url(&req.url)?;
        let site_label = req.site.as_deref().unwrap_or("(default)");
        let client = self.inner.clients.get(&self.client_key(req), cfg, site_label)?;

        let mut method = req.method;
        let mut form = req.form.clone();
        let mut cur = url;
        let mut redirects: Vec<Url> = Vec::new();
        let mut visits: HashMap<String, u32> = HashMap::from([(cur.to_string(), 1)]);
        let mut attempts = 0u32;
        loop {
            let host = self.host_for(&cur, req.site.as_deref());
            if req.kind != RequestKind::Robots {
                self.check_robots(&host, &cur, req.site.as_deref()).await?;
            }
            let ans = self.attempts(&host, &client, &cur, method, &form, &req.headers, &mut attempts).await?;

            if matches!(ans.status, 301 | 302 | 303 | 307 | 308) {
                let next = ans
                    .header("location")
                    .and_then(|l| cur.join(l.trim()).ok())
                    .filter(|u| matches!(u.scheme(), "http" | "https"))
                    .ok_or_else(|| FetchError::BadRedirect { url: cur.to_string(), status: ans.status })?;
                if redirects.len() >= cfg.max_redirects {
                    return Err(FetchError::TooManyRedirects {
                        url: req.url.clone(),
                        limit: cfg.max_redirects,
                        last: next.to_string(),
                    });
                }
                // A URL may come round once more if the hop set a cookie (WZWS: 307 + Set-Cookie
                // back to the same page); otherwise a repeat is a loop.
                let seen = visits.entry(next.to_string()).or_insert(0);
                if *seen >= 2 || (*seen == 1 && ans.header("set-cookie").is_none()) {
                    return Err(FetchError::RedirectLoop { url: req.url.clone(), repeated: next.to_string() });
                }
                *seen += 1;
                tracing::debug!(from = %cur, to = %next, status = ans.status, "redirect");
                if ans.status == 303 || (matches!(ans.status, 301 | 302) && method == Method::Post) {
                    method = Method::Get;
                    form.clear();
                }
                redirects.push(next.clone());
                cur = next;
                continue;
            }

            let outcome = ans.classify();
            let status = ans.status;
            if !(200..300).contains(&status) && outcome.is_ok() {
                return Err(FetchError::Status { url: cur.to_string(), status, attempts });
            }
            match &outcome {
                Outcome::Blocked { reason, evidence } => {
                    tracing::warn!(url = %cur, site = site_label, %reason, %evidence, "blocked")
                }
                Outcome::Gone { reason, .. } => tracing::info!(url = %cur, site = site_label, %reason, "gone"),
                Outcome::NotFound => tracing::info!(url = %cur, site = site_label, "not found"),
                Outcome::Ok => {
                    tracing::debug!(url = %cur, status, bytes = ans.body.len(), attempts, "fetched")
                }
            }
            return Ok(Fetched {
                url: req.url.clone(),
                final_url: cur,
                status,
                headers: ans.headers,
                body: ans.body,
                fetched_at: Utc::now(),
                elapsed: started.elapsed(),
                attempts,
                redirects,
                outcome,
                site: req.site.clone(),
            });
        }
    }

    /// One URL (one hop), with retries. Returns the last answer, even a retryable status once
    /// retries are exhausted (the caller turns it into an error unless it is a challenge page).
    #[allow(clippy::too_many_arguments)]
    async fn attempts(
        &self,
        host: &Host,
        client: &reqwest::Client,
        url: &Url,
        method: Method,
        form: &[(String, String)],
        headers: &[(String, String)],
        attempts: &mut u32,
    ) -> Result<Answer, FetchError> {
        let cfg = &self.inner.config;
        let mut retry = 0u32;
        loop {
            let slot = host.acquire().await;
            *attempts += 1;
            let res = self.send_once(client, url, method, form, headers).await;
            if let Ok(ans) = &res {
                // A late answer may mean a late send: keep the server-side gap (see host.rs).
                host.answered(&slot, ans.head_at);
            }
            drop(slot);
            let last = retry >= cfg.retries;
            match res {
                Ok(ans) if is_retryable_status(ans.status) => {
                    if ans.classify().is_blocked() {
                        return Ok(ans);
                    }
                    let retry_after = ans.header("retry-after").and_then(|v| parse_retry_after(v, Utc::now()));
                    if let Some(ra) = retry_after.filter(|ra| *ra > cfg.max_retry_after) {
                        return Err(FetchError::RetryAfterTooLong {
                            url: url.to_string(),
                            status: ans.status,
                            retry_after: ra,
                            max: cfg.max_retry_after,
                        });
                    }
                    let pause = backoff(retry, cfg.base_backoff, cfg.max_backoff);
                    if is_throttle_status(ans.status) {
                        // Pause the whole host (Retry-After if given) and slow it down for a while.
                        host.back_off(retry_after.unwrap_or(pause), cfg.slowdown_factor, cfg.slowdown_for);
                    }
                    tracing::warn!(
                        url = %url, status = ans.status, attempt = *attempts, ?retry_after,
                        interval = ?host.current_interval(), "server error, will retry"
                    );
                    if last {
                        return Ok(ans);
                    }
                    if retry_after.is_none() {
                        tokio::time::sleep(pause).await;
                    }
                }
                Ok(ans) => return Ok(ans),
                Err(e) if e.retryable() && !last => {
                    let pause = backoff(retry, cfg.base_backoff, cfg.max_backoff);
                    tracing::warn!(url = %url, attempt = *attempts, error = ?e, ?pause, "transient failure, will retry");
                    tokio::time::sleep(pause).await;
                }
                Err(e) => return Err(e.into_fetch_error(url, *attempts, cfg.timeout, cfg.max_body_bytes)),
            }
            retry += 1;
        }
    }

    /// One HTTP exchange: send, then stream the body under the size cap, all within the timeout.
    async fn send_once(
        &self,
        client: &reqwest::Client,
        url: &Url,
        method: Method,
        form: &[(String, String)],
        headers: &[(String, String)],
    ) -> Result<Answer, AttemptError> {
        let cfg = &self.inner.config;
        let cap = cfg.max_body_bytes;
        let exchange = async {
            let mut rb = match method {
                Method::Get => client.get(url.clone()),
                Method::Post => client.post(url.clone()).form(form),
            };
            rb = rb
                .header(reqwest::header::ACCEPT, "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
                .header(reqwest::header::ACCEPT_LANGUAGE, "zh-CN,zh;q=0.9,en;q=0.5");
            for (k, v) in headers {
                rb = rb.header(k.as_str(), v.as_str());
            }
            let mut resp = rb.send().await.map_err(map_reqwest)?;
            let head_at = Instant::now();
            let status = resp.status().as_u16();
            let headers: Vec<(String, String)> = resp
                .headers()
                .iter()
                .map(|(k, v)| (k.as_str().to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
                .collect();
            // reqwest drops Content-Length when it decompresses, so this is the wire length of
            // an uncompressed body.
            let declared = headers
                .iter()
                .find(|(k, _)| k == "content-length")
                .and_then(|(_, v)| v.trim().parse::<u64>().ok());
            if declared.is_some_and(|d| d > cap) {
                return Err(AttemptError::TooLarge(declared));
            }
            let mut body = Vec::with_capacity(declared.unwrap_or(16 * 1024).min(1 << 20) as usize);
            while let Some(chunk) = resp.chunk().await.map_err(map_reqwest)? {
                if body.len() as u64 + chunk.len() as u64 > cap {
                    return Err(AttemptError::TooLarge(declared));
                }
                body.extend_from_slice(&chunk);
            }
            if let Some(d) = declared {
                if body.len() as u64 != d {
                    return Err(AttemptError::Truncated(format!("got {} of {d} bytes", body.len())));
                }
            }
            Ok(Answer { status, headers, body, head_at })
        };
        match tokio::time::timeout(cfg.timeout, exchange).await {
            Ok(r) => r,
            Err(_) => Err(AttemptError::Timeout),
        }
    }

    /// Make sure the host's robots.txt is known (fetching it once, through the host's limiter),
    /// then check `url` against it.
    /// (Boxed: the robots fetch goes through [`Fetcher::fetch`], which calls this.)
    fn check_robots<'a>(
        &'a self,
        host: &'a Arc<Host>,
        url: &'a Url,
        site: Option<&'a str>,
    ) -> Pin<Box<dyn Future<Output = Result<(), FetchError>> + Send + 'a>> {
        Box::pin(self.check_robots_inner(host, url, site))
    }

    async fn check_robots_inner(&self, host: &Arc<Host>, url: &Url, site: Option<&str>) -> Result<(), FetchError> {
        let cfg = &self.inner.config;
        if !cfg.respect_robots {
            return Ok(());
        }
        let mut state = host.robots.lock().await;
        if let Some(reason) = &host.policy().ignore_robots {
            if matches!(*state, RobotsState::Unknown) {
                tracing::info!(host = %host.name, %reason, "robots.txt ignored by rule");
                *state = RobotsState::Ignored { reason: reason.clone() };
            }
            return Ok(());
        }
        if state.needs_fetch(Instant::now()) {
            let robots_url = url.join("/robots.txt").expect("http(s) URL joins");
            let mut req = Request::get(robots_url.as_str()).kind(RequestKind::Robots);
            req.site = site.map(str::to_string);
            *state = match self.fetch(&req).await {
                Ok(f) => robots::from_response(f.status, &f.body, f.outcome.is_blocked(), cfg.robots_retry),
                Err(FetchError::Status { status, .. }) => robots::from_response(status, b"", false, cfg.robots_retry),
                Err(
                    e @ (FetchError::Timeout { .. }
                    | FetchError::Connect { .. }
                    | FetchError::Body { .. }
                    | FetchError::Tls { .. }),
                ) => {
                    // The host itself is unreachable: pause it (later requests fail fast with
                    // RobotsUnavailable) and report the transport error for this URL.
                    *state = robots::unavailable(e.to_string(), cfg.robots_retry);
                    tracing::warn!(host = %host.name, error = %e, "robots.txt unreachable, host paused");
                    let url = url.to_string();
                    return Err(match e {
                        FetchError::Timeout { timeout, attempts, .. } => FetchError::Timeout { url, timeout, attempts },
                        FetchError::Connect { message, attempts, .. } => {
                            FetchError::Connect { url, message: format!("robots.txt: {message}"), attempts }
                        }
                        FetchError::Body { message, attempts, .. } => {
                            FetchError::Body { url, message: format!("robots.txt: {message}"), attempts }
                        }
                        FetchError::Tls { message, advice, .. } => {
                            FetchError::Tls { url, message: format!("{message} (fetching robots.txt)"), advice }
                        }
                        other => other,
                    });
                }
                Err(FetchError::RetryAfterTooLong { status, .. }) => {
                    robots::unavailable(format!("HTTP {status} with a long Retry-After"), cfg.robots_retry)
                }
                Err(e) => {
                    tracing::warn!(host = %host.name, error = %e, "robots.txt unusable, treating as absent");
                    RobotsState::Absent { status: 0 }
                }
            };
            if let RobotsState::Rules(r) = &*state {
                host.set_crawl_delay(robots::crawl_delay(r).map(|d| d.min(cfg.max_crawl_delay)));
            }
            tracing::info!(host = %host.name, status = ?state.status(), "robots.txt");
        }
        match &*state {
            RobotsState::Rules(r) if !r.allowed(&robots::robots_path(url)) => {
                Err(FetchError::RobotsDisallowed { url: url.to_string(), host: host.name.clone() })
            }
            RobotsState::Unavailable { reason, until } => Err(FetchError::RobotsUnavailable {
                url: url.to_string(),
                host: host.name.clone(),
                reason: reason.clone(),
                retry_in: until.saturating_duration_since(Instant::now()),
            }),
            _ => Ok(()),
        }
    }
}
