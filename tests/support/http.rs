//! A deliberately small HTTP/1.1 server core for the mock: raw tokio sockets, so that faults a
//! framework would hide (connection resets, short bodies, trickled bodies, absolute-form proxy
//! requests) can be produced exactly.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A parsed request.
#[derive(Debug, Clone)]
pub struct HttpRequest {
    pub method: String,
    /// Path and query (origin-form), even when the client sent absolute-form.
    pub target: String,
    /// Host name from the absolute-form target or the Host header, lowercase, without port.
    pub host: String,
    /// True when the request came in absolute-form (i.e. through us as an HTTP proxy).
    pub via_proxy: bool,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpRequest {
    /// First header with this name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
    /// The path without the query.
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("/")
    }
    /// A query (or form) parameter.
    pub fn param(&self, name: &str) -> Option<String> {
        let q = self.target.split_once('?').map(|(_, q)| q).unwrap_or("");
        let form = std::str::from_utf8(&self.body).unwrap_or("");
        q.split('&')
            .chain(form.split('&'))
            .filter_map(|kv| kv.split_once('='))
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_string())
    }
    /// Does the client accept this content coding?
    pub fn accepts(&self, coding: &str) -> bool {
        self.header("accept-encoding").is_some_and(|v| v.split(',').any(|c| c.trim().starts_with(coding)))
    }
}

/// Read one request from `stream`. `Ok(None)` on a clean close between requests. Also returns
/// when its first byte arrived.
pub async fn read_request(
    stream: &mut TcpStream,
    buf: &mut Vec<u8>,
) -> std::io::Result<Option<(HttpRequest, tokio::time::Instant)>> {
    let mut first_byte = (!buf.is_empty()).then(tokio::time::Instant::now);
    let head_end = loop {
        if let Some(p) = find(buf, b"\r\n\r\n") {
            break p;
        }
        if buf.len() > 64 * 1024 {
            return Err(std::io::Error::other("request head too large"));
        }
        let mut chunk = [0u8; 8192];
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Ok(None);
        }
        first_byte.get_or_insert_with(tokio::time::Instant::now);
        buf.extend_from_slice(&chunk[..n]);
    };
    let first_byte = first_byte.unwrap_or_else(tokio::time::Instant::now);
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let request_line = lines.next().unwrap_or_default();
    let mut parts = request_line.split_whitespace();
    let method = parts.next().unwrap_or("GET").to_string();
    let raw_target = parts.next().unwrap_or("/").to_string();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let len = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(0);
    let body_start = head_end + 4;
    while buf.len() < body_start + len {
        let mut chunk = [0u8; 8192];
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Err(std::io::Error::other("request body cut short"));
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let body = buf[body_start..body_start + len].to_vec();
    buf.drain(..body_start + len);

    let (via_proxy, authority, target) = match raw_target.split_once("://") {
        Some((_, rest)) => {
            let (auth, path) = rest.split_once('/').map(|(a, p)| (a, format!("/{p}"))).unwrap_or((rest, "/".into()));
            (true, auth.to_string(), path)
        }
        None => {
            let host = headers.iter().find(|(k, _)| k == "host").map(|(_, v)| v.clone()).unwrap_or_default();
            (false, host, raw_target)
        }
    };
    let host = authority.rsplit_once(':').map(|(h, _)| h).unwrap_or(&authority).to_ascii_lowercase();
    Ok(Some((HttpRequest { method, target, host, via_proxy, headers, body }, first_byte)))
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// How to send the body.
#[derive(Debug, Clone)]
pub enum BodyMode {
    /// All at once with a correct Content-Length.
    Normal,
    /// Promise the full length, send only the first half, then close the connection.
    Truncated,
    /// Send `chunk` bytes every `every`.
    Trickle { chunk: usize, every: Duration },
    /// Generate `len` filler bytes on the fly; `chunked` omits Content-Length.
    Huge { len: u64, chunked: bool },
}

/// A response to write.
#[derive(Debug, Clone)]
pub struct HttpResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub mode: BodyMode,
}

impl HttpResponse {
    /// A response with a body and a Content-Type.
    pub fn new(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> HttpResponse {
        HttpResponse {
            status,
            headers: vec![("Content-Type".into(), content_type.into())],
            body: body.into(),
            mode: BodyMode::Normal,
        }
    }
    /// Add a header.
    pub fn header(mut self, k: &str, v: impl Into<String>) -> HttpResponse {
        self.headers.push((k.into(), v.into()));
        self
    }
    /// A redirect.
    pub fn redirect(status: u16, location: &str) -> HttpResponse {
        HttpResponse::new(status, "text/html", format!("<a href=\"{location}\">moved</a>")).header("Location", location)
    }
    /// Replace the Content-Type header.
    pub fn set_content_type(&mut self, ct: &str) {
        self.headers.retain(|(k, _)| !k.eq_ignore_ascii_case("content-type"));
        self.headers.push(("Content-Type".into(), ct.into()));
    }
    /// The Content-Type header.
    pub fn content_type(&self) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case("content-type")).map(|(_, v)| v.as_str())
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        307 => "Temporary Redirect",
        403 => "Forbidden",
        404 => "Not Found",
        410 => "Gone",
        412 => "Precondition Failed",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

/// Write `resp`. Returns false when the connection must be closed afterwards.
pub async fn write_response<W: tokio::io::AsyncWrite + Unpin>(stream: &mut W, resp: &HttpResponse, head_only: bool) -> std::io::Result<bool> {
    let mut head = format!("HTTP/1.1 {} {}\r\n", resp.status, reason(resp.status));
    for (k, v) in &resp.headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    match &resp.mode {
        BodyMode::Huge { len, chunked: true } => {
            let _ = len;
            head.push_str("Transfer-Encoding: chunked\r\n");
        }
        BodyMode::Huge { len, chunked: false } => head.push_str(&format!("Content-Length: {len}\r\n")),
        _ => head.push_str(&format!("Content-Length: {}\r\n", resp.body.len())),
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).await?;
    if head_only {
        return Ok(true);
    }
    match &resp.mode {
        BodyMode::Normal => {
            stream.write_all(&resp.body).await?;
            Ok(true)
        }
        BodyMode::Truncated => {
            stream.write_all(&resp.body[..resp.body.len() / 2]).await?;
            stream.flush().await?;
            Ok(false)
        }
        BodyMode::Trickle { chunk, every } => {
            for part in resp.body.chunks((*chunk).max(1)) {
                stream.write_all(part).await?;
                stream.flush().await?;
                tokio::time::sleep(*every).await;
            }
            Ok(true)
        }
        BodyMode::Huge { len, chunked } => {
            let block = vec![b'x'; 64 * 1024];
            let mut left = *len;
            while left > 0 {
                let n = left.min(block.len() as u64) as usize;
                if *chunked {
                    stream.write_all(format!("{n:x}\r\n").as_bytes()).await?;
                    stream.write_all(&block[..n]).await?;
                    stream.write_all(b"\r\n").await?;
                } else {
                    stream.write_all(&block[..n]).await?;
                }
                left -= n as u64;
            }
            if *chunked {
                stream.write_all(b"0\r\n\r\n").await?;
            }
            Ok(true)
        }
    }
}

/// gzip with stored (uncompressed) deflate blocks: a valid stream any decoder accepts, without
/// a compression library in the test harness.
pub fn gzip_stored(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255];
    if data.is_empty() {
        out.extend_from_slice(&[1, 0, 0, 0xff, 0xff]);
    }
    let chunks: Vec<&[u8]> = data.chunks(65_535).collect();
    for (i, c) in chunks.iter().enumerate() {
        out.push(if i + 1 == chunks.len() { 1 } else { 0 });
        let len = c.len() as u16;
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(c);
    }
    out.extend_from_slice(&crc32(data).to_le_bytes());
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out
}

fn crc32(data: &[u8]) -> u32 {
    static TABLE: std::sync::OnceLock<[u32; 256]> = std::sync::OnceLock::new();
    let table = TABLE.get_or_init(|| {
        let mut t = [0u32; 256];
        for (i, e) in t.iter_mut().enumerate() {
            let mut c = i as u32;
            for _ in 0..8 {
                c = if c & 1 != 0 { (c >> 1) ^ 0xEDB8_8320 } else { c >> 1 };
            }
            *e = c;
        }
        t
    });
    !data.iter().fold(!0u32, |crc, &b| table[((crc ^ b as u32) & 0xff) as usize] ^ (crc >> 8))
}
