//! The mock government site server: N fixture sites on one 127.0.0.1 port, told apart by the
//! Host header (`www.county1.gov.cn`, `www.county2.gov.cn`, … — give reqwest
//! [`MockServer::resolve`] so each site is a separate host for politeness), with injectable
//! faults and a politeness meter.
//!
//! ```ignore
//! let mock = MockServer::builder().sites(3).docs_per_site(12).mixed_styles()
//!     .fault(Target::path(0, "/zwgk/zfxxgknb/index.html"), Fault::Status { status: 503, count: 2, retry_after: None })
//!     .start().await;
//! let fetcher = Fetcher::new(mock.fetch_config())?;
//! for s in mock.sites() { fetcher.add_site(&s.rule())?; }
//! …
//! mock.assert_all_polite();
//! ```

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use nianbao::fetch::{FetchConfig, Fetcher};
use nianbao::site::Rate;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tokio::time::Instant;

pub use super::content::{Encoding, MockDoc, SiteContent, Style};
use super::http::{gzip_stored, read_request, write_response, BodyMode, HttpRequest, HttpResponse};
pub use super::meter::{Hit, Meter};

/// A fault to inject.
#[derive(Debug, Clone)]
pub enum Fault {
    /// Wait this long before answering.
    Latency(Duration),
    /// Answer the first `count` matching requests with `status` (a 5xx burst, 429 …), with an
    /// optional Retry-After value (seconds or HTTP-date, sent verbatim).
    Status { status: u16, count: u32, retry_after: Option<String> },
    /// Reset the connection (RST) instead of answering, `count` times.
    Reset { count: u32 },
    /// Promise the full Content-Length but close after half the body, `count` times.
    Truncate { count: u32 },
    /// Trickle the body: `chunk` bytes every `every`.
    SlowBody { chunk: usize, every: Duration },
    /// A body of `len` bytes; `chunked` omits Content-Length.
    Huge { len: u64, chunked: bool },
    /// `path` → `path?loop=1` → `path` … (302).
    RedirectLoop,
    /// 302 to this absolute URL.
    RedirectTo(String),
    /// 302 to `path` on another mock site (another host).
    RedirectToSite { site: usize, path: String },
    /// `hops` 302 redirects (`?hop=1`, `?hop=2` …) before the real page.
    RedirectChain { hops: u32 },
    /// A 瑞数-style 412 JS challenge page.
    Challenge412,
    /// A 403 WAF block page (网站防火墙).
    Waf403,
    /// A 200 "信息已删除" page.
    Deleted,
    /// 410 Gone.
    Gone410,
    /// Send this charset in the Content-Type header whatever the bytes are.
    WrongCharset(&'static str),
    /// WZWS warm-up: a request without the `wzws_cid` cookie gets 307 to the same URL with
    /// Set-Cookie.
    CookieWarmup,
}

/// Where a fault applies.
#[derive(Debug, Clone)]
pub struct Target {
    /// Site index; `None` = every site.
    pub site: Option<usize>,
    /// Path prefix (query ignored); `None` = every path.
    pub path: Option<String>,
}

impl Target {
    /// Every request to every site.
    pub fn all() -> Target {
        Target { site: None, path: None }
    }
    /// Every request to site `i`.
    pub fn site(i: usize) -> Target {
        Target { site: Some(i), path: None }
    }
    /// Requests to site `i` whose path starts with `prefix`.
    pub fn path(i: usize, prefix: &str) -> Target {
        Target { site: Some(i), path: Some(prefix.to_string()) }
    }
}

/// What `/robots.txt` answers.
#[derive(Debug, Clone)]
pub enum Robots {
    /// 404.
    Absent,
    /// 200 with this text.
    Text(String),
    /// This status with an empty body.
    Status(u16),
}

#[derive(Debug)]
struct FaultRule {
    target: Target,
    fault: Fault,
    hits: AtomicU32,
}

#[derive(Debug)]
struct State {
    sites: Vec<SiteContent>,
    faults: Vec<FaultRule>,
    robots: Vec<Robots>,
    meter: Meter,
    port: u16,
}

/// Builder for [`MockServer`].
#[derive(Debug, Clone)]
pub struct MockBuilder {
    sites: usize,
    docs: usize,
    per_page: usize,
    encodings: Vec<Encoding>,
    styles: Vec<Style>,
    rate: Rate,
    concurrency: usize,
    faults: Vec<(Target, Fault)>,
    robots: Vec<(Option<usize>, Robots)>,
}

impl MockBuilder {
    pub fn sites(mut self, n: usize) -> Self {
        self.sites = n;
        self
    }
    pub fn docs_per_site(mut self, n: usize) -> Self {
        self.docs = n;
        self
    }
    pub fn per_page(mut self, n: usize) -> Self {
        self.per_page = n;
        self
    }
    /// One encoding for all sites.
    pub fn encoding(mut self, e: Encoding) -> Self {
        self.encodings = vec![e];
        self
    }
    /// Alternate UTF-8 and GBK sites.
    pub fn mixed_encodings(mut self) -> Self {
        self.encodings = vec![Encoding::Utf8, Encoding::Gbk];
        self
    }
    /// One style for all sites.
    pub fn style(mut self, s: Style) -> Self {
        self.styles = vec![s];
        self
    }
    /// Cycle TRS, Hanweb, 下一页.
    pub fn mixed_styles(mut self) -> Self {
        self.styles = vec![Style::Trs, Style::Hanweb, Style::NextLink];
        self
    }
    /// The rate every site's rule declares (and the meter checks); default 20/s.
    pub fn rate(mut self, requests: u32, per: Duration) -> Self {
        self.rate = Rate { requests, per };
        self
    }
    /// Requests in flight per host the rules allow; default 1.
    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = n;
        self
    }
    pub fn fault(mut self, target: Target, fault: Fault) -> Self {
        self.faults.push((target, fault));
        self
    }
    /// robots.txt of site `i` (`None` = all sites). Default: absent (404).
    pub fn robots(mut self, site: Option<usize>, robots: Robots) -> Self {
        self.robots.push((site, robots));
        self
    }

    /// Bind 127.0.0.1:0 and serve.
    pub async fn start(self) -> MockServer {
        let sites: Vec<SiteContent> = (0..self.sites)
            .map(|i| {
                let enc = self.encodings[i % self.encodings.len()];
                let style = self.styles[i % self.styles.len()];
                SiteContent::generate(i, self.docs, enc, style, self.per_page)
            })
            .collect();
        let robots = (0..self.sites)
            .map(|i| {
                self.robots.iter().rev().find(|(s, _)| s.is_none_or(|s| s == i)).map(|(_, r)| r.clone()).unwrap_or(Robots::Absent)
            })
            .collect();
        let faults = self.faults.into_iter().map(|(target, fault)| FaultRule { target, fault, hits: AtomicU32::new(0) }).collect();
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind mock server");
        let addr = listener.local_addr().unwrap();
        let state = Arc::new(State { sites, faults, robots, meter: Meter::default(), port: addr.port() });
        let st = state.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else { continue };
                let accepted = Instant::now();
                let st = st.clone();
                tokio::spawn(async move { serve_connection(st, stream, accepted).await });
            }
        });
        MockServer { addr, state, rate: self.rate, concurrency: self.concurrency, task }
    }
}

/// A running mock server. Dropping it stops the accept loop.
#[derive(Debug)]
pub struct MockServer {
    addr: SocketAddr,
    state: Arc<State>,
    rate: Rate,
    concurrency: usize,
    task: JoinHandle<()>,
}

impl Drop for MockServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl MockServer {
    pub fn builder() -> MockBuilder {
        MockBuilder {
            sites: 1,
            docs: 10,
            per_page: 5,
            encodings: vec![Encoding::Utf8],
            styles: vec![Style::Trs],
            rate: Rate { requests: 20, per: Duration::from_secs(1) },
            concurrency: 1,
            faults: vec![],
            robots: vec![],
        }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
    pub fn port(&self) -> u16 {
        self.addr.port()
    }
    pub fn sites(&self) -> &[SiteContent] {
        &self.state.sites
    }
    pub fn site(&self, i: usize) -> &SiteContent {
        &self.state.sites[i]
    }
    /// The rate the site rules declare.
    pub fn rate(&self) -> Rate {
        self.rate
    }
    pub fn concurrency(&self) -> usize {
        self.concurrency
    }

    /// Absolute URL of `path` on site `i`.
    pub fn url(&self, i: usize, path: &str) -> String {
        format!("http://{}:{}{path}", self.state.sites[i].host, self.port())
    }

    /// DNS overrides mapping every site host to the mock.
    pub fn resolve(&self) -> Vec<(String, SocketAddr)> {
        self.state.sites.iter().map(|s| (s.host.clone(), self.addr)).collect()
    }

    /// A fetcher over [`Self::fetch_config`] (adjusted by `config`) with every mock site's rule
    /// registered.
    pub fn fetcher_with(&self, config: impl FnOnce(FetchConfig) -> FetchConfig) -> Fetcher {
        let fetcher = Fetcher::new(config(self.fetch_config())).unwrap();
        for i in 0..self.sites().len() {
            fetcher.add_site(&self.rule(i)).unwrap();
        }
        fetcher
    }

    /// A fetch configuration for tests: resolve overrides, short timeouts and backoffs, and
    /// the builder's rate as the default for hosts without a registered rule.
    pub fn fetch_config(&self) -> FetchConfig {
        FetchConfig {
            contact: "crawler-tests@example.org".into(),
            timeout: Duration::from_secs(5),
            connect_timeout: Duration::from_secs(2),
            retries: 3,
            base_backoff: Duration::from_millis(20),
            max_backoff: Duration::from_millis(200),
            max_retry_after: Duration::from_secs(10),
            slowdown_for: Duration::from_secs(5),
            robots_retry: Duration::from_secs(60),
            resolve: self.resolve(),
            // Hosts without a registered rule are mock hosts too: same rate as the rules.
            default_rate: self.rate,
            ..FetchConfig::default()
        }
    }

    pub fn meter(&self) -> &Meter {
        &self.state.meter
    }
    /// All requests seen, in arrival order.
    pub fn hits(&self) -> Vec<Hit> {
        self.state.meter.hits()
    }
    /// Requests seen by site `i`.
    pub fn hits_for(&self, i: usize) -> Vec<Hit> {
        self.state.meter.hits_for(&self.state.sites[i].host)
    }
    /// How many requests site `i` saw for exactly this path (query ignored).
    pub fn count(&self, i: usize, path: &str) -> usize {
        self.hits_for(i).iter().filter(|h| h.target.split('?').next() == Some(path)).count()
    }

    /// Fail unless site `i` was treated within `rate` and `concurrency`.
    pub fn assert_polite(&self, i: usize, rate: Rate, concurrency: usize) {
        self.state.meter.assert_polite(&self.state.sites[i].host, rate, concurrency);
    }
    /// Every site against the builder's rate and concurrency.
    pub fn assert_all_polite(&self) {
        for i in 0..self.state.sites.len() {
            self.assert_polite(i, self.rate, self.concurrency);
        }
    }
}

const RUISHU_PAGE: &str = r#"<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"><meta id="9DhefwqGPrzGxEp9hPaoag" content="_x4Ukr8Gq1l3mH4lAUJ2Ek.rZbhd3bTlt0sOLh1FWIyzFzk6oYvpN9sM3Xl3qy0l" r='m'><script type="text/javascript" charset="utf-8" src="/7Kqn1KePp2NQ/v4Rgr8ZXDKEO.b4c45da.js" r='m'></script></head><body><script type="text/javascript" r='m'>$_ts=window['$_ts'];if(!$_ts)$_ts={};$_ts.nsd=28433;$_ts.cd="qo1BrrAlqGqmqqGEcqGGcaAFrApqqqAlrcAmrqAqqGGlcGrqqqqqEGRl";</script></body></html><script type="text/javascript" r='m'>_$e3()</script>"#;

const WAF_PAGE: &str = "<html><head><title>网站防火墙</title></head><body><h3>您的请求带有不合法参数，已被网站管理员设置拦截！</h3><p>可能原因：您提交的内容包含危险的攻击请求</p><p>如何解决：检查提交内容；如网站托管，请联系空间提供商；普通网站访客，请联系网站管理员</p></body></html>";

const DELETED_PAGE: &str = "<html><head><title>提示信息</title></head><body><div class=\"tip\">对不起，该信息已撤销或已被删除！</div><a href=\"/\">返回首页</a></body></html>";

/// What the fault rules say about one request.
#[derive(Default)]
struct Plan {
    latency: Duration,
    charset: Option<&'static str>,
    mode: Option<BodyMode>,
    terminal: Option<Fault>,
}

impl State {
    fn site_of(&self, host: &str) -> Option<usize> {
        self.sites.iter().position(|s| s.host == host)
    }

    fn plan(&self, site: Option<usize>, req: &HttpRequest) -> Plan {
        let mut plan = Plan::default();
        for rule in &self.faults {
            if rule.target.site.is_some_and(|s| Some(s) != site) {
                continue;
            }
            if rule.target.path.as_deref().is_some_and(|p| !req.path().starts_with(p)) {
                continue;
            }
            match &rule.fault {
                Fault::Latency(d) => plan.latency += *d,
                Fault::WrongCharset(cs) => plan.charset = Some(cs),
                Fault::SlowBody { chunk, every } => plan.mode = Some(BodyMode::Trickle { chunk: *chunk, every: *every }),
                Fault::Truncate { count } => {
                    if rule.hits.fetch_add(1, Ordering::SeqCst) < *count {
                        plan.mode = Some(BodyMode::Truncated);
                    }
                }
                Fault::Status { count, .. } | Fault::Reset { count } => {
                    if plan.terminal.is_none() && rule.hits.fetch_add(1, Ordering::SeqCst) < *count {
                        plan.terminal = Some(rule.fault.clone());
                    }
                }
                f => {
                    if plan.terminal.is_none() {
                        plan.terminal = Some(f.clone());
                    }
                }
            }
        }
        plan
    }

    fn respond(&self, site: Option<usize>, req: &HttpRequest, terminal: Option<Fault>) -> HttpResponse {
        let Some(i) = site else {
            return HttpResponse::new(404, "text/html", "<html><body>no such site</body></html>");
        };
        let site = &self.sites[i];
        if let Some(f) = terminal {
            match f {
                Fault::Status { status, retry_after, .. } => {
                    let r = HttpResponse::new(status, "text/html", format!("<html><body><h1>{status}</h1>服务器繁忙，请稍后再试。</body></html>"));
                    return match retry_after {
                        Some(v) => r.header("Retry-After", v),
                        None => r,
                    };
                }
                Fault::Huge { len, chunked } => {
                    let mut r = HttpResponse::new(200, "application/pdf", Vec::new());
                    r.mode = BodyMode::Huge { len, chunked };
                    return r;
                }
                Fault::RedirectLoop => {
                    let path = req.path();
                    let to = if req.target.contains("loop=1") { path.to_string() } else { format!("{path}?loop=1") };
                    return HttpResponse::redirect(302, &to);
                }
                Fault::RedirectTo(location) => return HttpResponse::redirect(302, &location),
                Fault::RedirectToSite { site, path } => {
                    let location = format!("http://{}:{}{path}", self.sites[site].host, self.port);
                    return HttpResponse::redirect(302, &location);
                }
                Fault::RedirectChain { hops } => {
                    let n: u32 = req.param("hop").and_then(|v| v.parse().ok()).unwrap_or(0);
                    if n < hops {
                        return HttpResponse::redirect(302, &format!("{}?hop={}", req.path(), n + 1));
                    }
                }
                Fault::Challenge412 => {
                    return HttpResponse::new(412, "text/html", RUISHU_PAGE)
                        .header("Set-Cookie", "FSSBBIl1UgzbN7NS=5kTz7yq2; Path=/; expires=Fri, 20 Nov 2026 10:00:00 GMT; HttpOnly")
                }
                Fault::Waf403 => return HttpResponse::new(403, "text/html; charset=utf-8", WAF_PAGE),
                Fault::Deleted => return HttpResponse::new(200, "text/html; charset=utf-8", DELETED_PAGE),
                Fault::Gone410 => return HttpResponse::new(410, "text/html", "<html><body>Gone</body></html>"),
                Fault::CookieWarmup if !req.header("cookie").is_some_and(|c| c.contains("wzws_cid=")) => {
                    return HttpResponse::redirect(307, &req.target).header("Set-Cookie", "wzws_cid=8f3a61c0d2; Path=/; HttpOnly");
                }
                _ => {}
            }
        }
        if req.path() == "/robots.txt" {
            return match &self.robots[i] {
                Robots::Absent => HttpResponse::new(404, "text/html", "<html><body>404</body></html>"),
                Robots::Text(t) => HttpResponse::new(200, "text/plain", t.clone().into_bytes()),
                Robots::Status(s) => HttpResponse::new(*s, "text/plain", Vec::new()),
            };
        }
        site.route(req).unwrap_or_else(|| {
            HttpResponse::new(404, "text/html", "<html><head><title>404 Not Found</title></head><body><h1>Not Found</h1></body></html>")
        })
    }
}

/// Serve one connection. A request's time is when the server first saw it: the TCP accept for
/// the first request on a fresh connection (what a webmaster's firewall counts), the first byte
/// otherwise.
async fn serve_connection(state: Arc<State>, mut stream: TcpStream, accepted: Instant) {
    let mut buf = Vec::new();
    let mut first = true;
    loop {
        let (req, first_byte) = match read_request(&mut stream, &mut buf).await {
            Ok(Some(r)) => r,
            _ => return,
        };
        // (A connection opened by one request but first used by a later one — hyper's pool can
        // do that — has a long accept→first-byte gap: then the first byte counts.)
        let fresh = std::mem::take(&mut first) && first_byte - accepted < Duration::from_millis(10);
        let at = if fresh { accepted } else { first_byte };
        let site = state.site_of(&req.host);
        state.meter.record(Hit {
            host: req.host.clone(),
            method: req.method.clone(),
            target: req.target.clone(),
            at,
            via_proxy: req.via_proxy,
            user_agent: req.header("user-agent").map(str::to_string),
            cookie: req.header("cookie").map(str::to_string),
        });
        // While answering, watch the client: if it gives up (timeout) and closes the
        // connection, the request is no longer in flight. Bytes it sends meanwhile (the next
        // request) are kept.
        let mut extra = Vec::new();
        let keep = {
            let (mut rd, mut wr) = stream.split();
            tokio::select! {
                keep = handle(&state, site, &req, &mut wr) => keep,
                _ = watch_close(&mut rd, &mut extra) => false,
            }
        };
        buf.extend_from_slice(&extra);
        state.meter.done(&req.host);
        if !keep {
            return;
        }
    }
}

/// Resolves when the peer closes (or resets) the connection; data read meanwhile goes to `extra`.
async fn watch_close(rd: &mut tokio::net::tcp::ReadHalf<'_>, extra: &mut Vec<u8>) {
    use tokio::io::AsyncReadExt;
    let mut chunk = [0u8; 4096];
    loop {
        match rd.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => extra.extend_from_slice(&chunk[..n]),
        }
    }
}

/// Answer one request; false when the connection must be dropped.
async fn handle(state: &State, site: Option<usize>, req: &HttpRequest, stream: &mut tokio::net::tcp::WriteHalf<'_>) -> bool {
    let plan = state.plan(site, req);
    if !plan.latency.is_zero() {
        tokio::time::sleep(plan.latency).await;
    }
    if let Some(Fault::Reset { .. }) = plan.terminal {
        let _ = stream.as_ref().set_zero_linger();
        return false;
    }
    let mut resp = state.respond(site, req, plan.terminal);
    if let Some(cs) = plan.charset {
        let base = resp.content_type().unwrap_or("text/html").split(';').next().unwrap_or("text/html").to_string();
        resp.set_content_type(&format!("{base}; charset={cs}"));
    }
    if let Some(mode) = plan.mode {
        resp.mode = mode;
    }
    if matches!(resp.mode, BodyMode::Normal) && req.accepts("gzip") && resp.body.len() > 256 {
        resp.body = gzip_stored(&resp.body);
        resp.headers.push(("Content-Encoding".into(), "gzip".into()));
        resp.headers.push(("Vary".into(), "Accept-Encoding".into()));
    }
    match write_response(stream, &resp, req.method == "HEAD").await {
        Ok(keep) => keep && !req.header("connection").is_some_and(|c| c.eq_ignore_ascii_case("close")),
        Err(_) => false,
    }
}
