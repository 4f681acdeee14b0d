//! `nianbao demo`: the bundled fixture pages of `sites/` served on 127.0.0.1 and captured into a
//! fresh archive through the real fetcher, rules and archive, without touching a government
//! server.
//!
//! The server is the fetcher's proxy for every request ([`crate::fetch::FetchConfig::proxy`]),
//! so the pages keep their real URLs and nothing can leave the machine: a URL that is not a
//! bundled page (robots.txt, an attachment whose file is not bundled) gets a 404. Pages saved
//! from `https://` addresses are served as `http://` (the demo server speaks no TLS).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::error::{Error, Result};
use crate::site::SiteSet;
use crate::verify::{case, CaseKind, CaseSpec};

/// One bundled page as the demo serves it.
#[derive(Debug, Clone)]
pub struct DemoPage {
    /// The site rule the page belongs to.
    pub site: String,
    /// The fixture's name (`<site>/<name>.html`).
    pub name: String,
    /// The page's URL (`http://`).
    pub url: String,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
}

/// The detail pages bundled with the site rules of `sites` (list fixtures are left to `verify`:
/// the documents they link are not bundled). Sorted by site, then name.
pub fn bundled_pages(sites: &SiteSet, sites_dir: &Path) -> Result<Vec<DemoPage>> {
    let mut out = Vec::new();
    for site in sites.iter() {
        for c in case::discover(&site.name, &sites_dir.join(&site.name))? {
            let spec = CaseSpec::load(&c.spec)?;
            if spec.kind != CaseKind::Detail {
                continue;
            }
            let body = std::fs::read(&c.html).map_err(|e| Error::Other(format!("{}: {e}", c.html.display())))?;
            let url = match spec.url.strip_prefix("https://") {
                Some(rest) => format!("http://{rest}"),
                None => spec.url.clone(),
            };
            out.push(DemoPage {
                site: site.name.clone(),
                name: c.name.clone(),
                url,
                content_type: spec.content_type().map(str::to_string),
                body,
            });
        }
    }
    Ok(out)
}

/// The demo's HTTP server: answers proxy requests (`GET http://host/path`) with the bundled pages.
pub struct DemoServer {
    addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl DemoServer {
    /// Serve `pages` on 127.0.0.1 (a free port).
    pub async fn start(pages: &[DemoPage]) -> Result<DemoServer> {
        let listener = TcpListener::bind(("127.0.0.1", 0))
            .await
            .map_err(|e| Error::Other(format!("demo server: cannot listen on 127.0.0.1: {e}")))?;
        let addr = listener.local_addr().map_err(|e| Error::Other(format!("demo server: {e}")))?;
        let table: Arc<HashMap<String, DemoPage>> =
            Arc::new(pages.iter().map(|p| (crate::archive::canonical_url(&p.url), p.clone())).collect());
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let table = table.clone();
                tokio::spawn(async move {
                    let _ = answer(stream, &table).await;
                });
            }
        });
        Ok(DemoServer { addr, task })
    }

    /// The proxy URL to give the fetcher.
    pub fn proxy_url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for DemoServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Read one request head and answer it; the connection is closed after the answer.
async fn answer(mut stream: TcpStream, pages: &HashMap<String, DemoPage>) -> std::io::Result<()> {
    let mut head = Vec::with_capacity(1024);
    let mut buf = [0u8; 2048];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut buf).await?;
        if n == 0 || head.len() > 64 * 1024 {
            return Ok(());
        }
        head.extend_from_slice(&buf[..n]);
    }
    let text = String::from_utf8_lossy(&head);
    let mut lines = text.split("\r\n");
    let mut first = lines.next().unwrap_or_default().split(' ');
    let (method, target) = (first.next().unwrap_or_default(), first.next().unwrap_or_default());
    // Absolute-form (we are the proxy); origin-form with a Host header also works.
    let url = if target.starts_with("http://") {
        target.to_string()
    } else {
        let host = lines
            .find_map(|l| l.split_once(':').filter(|(k, _)| k.trim().eq_ignore_ascii_case("host")).map(|(_, v)| v.trim()))
            .unwrap_or_default();
        format!("http://{host}{target}")
    };
    let page = if method == "GET" || method == "HEAD" { pages.get(&crate::archive::canonical_url(&url)) } else { None };
    let (status, ct, body): (&str, &str, &[u8]) = match page {
        Some(p) => ("200 OK", p.content_type.as_deref().unwrap_or("text/html"), &p.body),
        None => ("404 Not Found", "text/plain; charset=utf-8", b"not bundled with nianbao demo\n"),
    };
    let mut out = format!("HTTP/1.1 {status}\r\nContent-Type: {ct}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len())
        .into_bytes();
    if method != "HEAD" {
        out.extend_from_slice(body);
    }
    stream.write_all(&out).await?;
    stream.shutdown().await
}
