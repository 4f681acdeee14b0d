//! TLS against real servers: `openssl s_server` on 127.0.0.1 with a throwaway self-signed
//! certificate generated here, serving a GBK page from its directory (`-WWW`).
//!
//! * an old server (TLS 1.0 only, an old cipher): the default rustls client fails with an error
//!   naming the URL and pointing at `legacy_tls = true`;
//! * with the `legacy-tls` feature, the same site with `legacy_tls = true` and `tls_ca` fetches
//!   the page: once with ECDHE key exchange signed MD5+SHA-1 (refused by OpenSSL 3 at its default
//!   security level 1: this needs nianbao's OpenSSL settings), once with plain RSA key exchange;
//! * `tls_ca` for the default client (a TLS 1.2 server with a self-signed certificate), and its
//!   errors at rule load.
//!
//! Skipped, saying so, only when the `openssl` binary is missing.

use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use nianbao::fetch::{FetchConfig, FetchError, Fetcher, Request};
use nianbao::site::Site;

/// The page the servers serve, as UTF-8 (stored as GBK).
const PAGE_TEXT: &str = "北京市丰台区人大常委会2023年政府信息公开工作年度报告";

macro_rules! need_openssl {
    () => {
        if !openssl_available() {
            eprintln!("SKIPPED: no `openssl` binary on PATH (install the `openssl` package)");
            return;
        }
    };
}

fn openssl_available() -> bool {
    Command::new("openssl").arg("version").output().is_ok_and(|o| o.status.success())
}

/// A self-signed certificate for 127.0.0.1/localhost, a web root with a GBK page, and rule files,
/// all in one temporary directory.
struct Fixture {
    dir: tempfile::TempDir,
}

impl Fixture {
    /// A server certificate (`CA:FALSE`).
    fn new() -> Fixture {
        Fixture::with_constraints("critical,CA:FALSE")
    }

    /// A certificate with the given `basicConstraints`: `CA:TRUE` is what a plain
    /// `openssl req -x509` makes, and what many home-made server certificates are.
    fn with_constraints(constraints: &str) -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        for sub in ["www", "rules/_certs"] {
            std::fs::create_dir_all(dir.path().join(sub)).unwrap();
        }
        let out = Command::new("openssl")
            .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost"])
            .args(["-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"])
            .args(["-addext", &format!("basicConstraints={constraints}")])
            .arg("-keyout")
            .arg(dir.path().join("key.pem"))
            .arg("-out")
            .arg(dir.path().join("rules/_certs/server.pem"))
            .output()
            .unwrap();
        assert!(out.status.success(), "openssl req: {}", String::from_utf8_lossy(&out.stderr));
        let (gbk, _, bad) = encoding_rs::GBK.encode(PAGE_TEXT);
        assert!(!bad);
        let mut page = b"<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=gb2312\">\
                         <title>nb</title></head><body><p>"
            .to_vec();
        page.extend_from_slice(&gbk);
        page.extend_from_slice(b"</p></body></html>\n");
        std::fs::write(dir.path().join("www/report.html"), page).unwrap();
        Fixture { dir }
    }

    /// Start `openssl s_server` on a free port with the given protocol flag and cipher list.
    fn serve(&self, protocol: &str, ciphers: &str) -> Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new("openssl")
            .args(["s_server", "-accept", &format!("127.0.0.1:{port}"), protocol, "-cipher", ciphers, "-WWW", "-quiet"])
            .arg("-cert")
            .arg(self.dir.path().join("rules/_certs/server.pem"))
            .arg("-key")
            .arg(self.dir.path().join("key.pem"))
            .current_dir(self.dir.path().join("www"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut server = Server { child, port };
        let deadline = Instant::now() + Duration::from_secs(15);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(server.child.try_wait().unwrap().is_none(), "openssl s_server exited early");
            assert!(Instant::now() < deadline, "openssl s_server did not listen on {port}");
            std::thread::sleep(Duration::from_millis(50));
        }
        server
    }

    /// Write `rules/NAME.toml` (plus the common keys) and load it.
    fn rule(&self, name: &str, extra: &str) -> Result<Site, nianbao::Error> {
        let path = self.rule_path(name);
        std::fs::write(&path, format!("domains = [\"127.0.0.1\"]\nrate = \"20/s\"\n{extra}")).unwrap();
        nianbao::site::load_file(&path)
    }

    fn rule_path(&self, name: &str) -> PathBuf {
        self.dir.path().join(format!("rules/{name}.toml"))
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }
}

/// A running `openssl s_server`, killed on drop.
struct Server {
    child: Child,
    port: u16,
}

impl Server {
    fn url(&self) -> String {
        format!("https://127.0.0.1:{}/report.html", self.port)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn config() -> FetchConfig {
    FetchConfig {
        contact: "tests@example.org".into(),
        timeout: Duration::from_secs(20),
        connect_timeout: Duration::from_secs(10),
        retries: 1,
        base_backoff: Duration::from_millis(10),
        max_backoff: Duration::from_millis(50),
        ..Default::default()
    }
}

/// Fetch the report page through `site`, bounded in time.
async fn fetch(site: &Site, url: &str) -> Result<nianbao::fetch::Fetched, FetchError> {
    let fetcher = Fetcher::new(config()).unwrap();
    fetcher.add_site(site).unwrap();
    tokio::time::timeout(Duration::from_secs(60), fetcher.fetch(&Request::get(url).site(&site.name)))
        .await
        .expect("fetch bounded in time")
}

/// The default client cannot talk to a TLS 1.0-only server: the error names the URL, is not
/// retried, and says what to put in the rule.
#[tokio::test]
async fn default_client_names_the_url_and_suggests_legacy_tls() {
    need_openssl!();
    let fx = Fixture::new();
    let server = fx.serve("-tls1", "AES128-SHA:@SECLEVEL=0");
    let site = fx.rule("old-county", "tls_ca = \"_certs/server.pem\"\n").unwrap();
    let err = fetch(&site, &server.url()).await.unwrap_err();
    assert!(matches!(err, FetchError::Tls { .. }), "{err:?}");
    assert_eq!(err.kind(), "tls");
    assert_eq!(err.url(), server.url());
    let msg = err.to_string();
    assert!(msg.starts_with(&server.url()), "{msg}");
    assert!(msg.contains("TLS handshake failed") && msg.contains("legacy_tls = true"), "{msg}");
    eprintln!("{msg}");
}

/// A self-signed certificate: refused by the default client with advice naming `tls_ca`, accepted
/// once the rule names it (a TLS 1.2 server, so rustls can talk to it).
#[tokio::test]
async fn tls_ca_makes_the_default_client_trust_a_self_signed_server() {
    need_openssl!();
    let fx = Fixture::new();
    let server = fx.serve("-tls1_2", "ECDHE-RSA-AES128-GCM-SHA256");

    let plain = fx.rule("no-ca", "").unwrap();
    let err = fetch(&plain, &server.url()).await.unwrap_err();
    assert!(matches!(err, FetchError::Tls { .. }), "{err:?}");
    assert!(err.to_string().contains("tls_ca = "), "{err}");

    let trusted = fx.rule("with-ca", "tls_ca = \"_certs/server.pem\"\n").unwrap();
    assert_eq!(trusted.tls_ca.as_ref().unwrap().path, fx.path("rules/_certs/server.pem"));
    let page = fetch(&trusted, &server.url()).await.unwrap();
    assert_eq!(page.status, 200);
    let text = nianbao::decode::decode(&page.body, page.content_type(), None).text;
    assert!(text.contains(PAGE_TEXT), "{text}");
}

/// A self-signed certificate marked CA:TRUE: rustls refuses it as a server certificate even when
/// trusted, and the error says to use the legacy client.
#[tokio::test]
async fn a_ca_certificate_as_the_servers_own_points_at_legacy_tls() {
    need_openssl!();
    let fx = Fixture::with_constraints("critical,CA:TRUE");
    let server = fx.serve("-tls1_2", "ECDHE-RSA-AES128-GCM-SHA256");
    let site = fx.rule("ca-as-server", "tls_ca = \"_certs/server.pem\"\n").unwrap();
    let err = fetch(&site, &server.url()).await.unwrap_err();
    assert!(matches!(err, FetchError::Tls { .. }), "{err:?}");
    assert!(err.to_string().contains("CA certificate") && err.to_string().contains("legacy_tls = true"), "{err}");
}

/// `tls_ca` is checked when the rule loads: a missing file, a file that is not PEM, a PEM file
/// without a certificate. Each error names the rule file, the key and the line.
#[test]
fn tls_ca_errors_at_rule_load() {
    need_openssl!();
    let fx = Fixture::new();
    std::fs::write(fx.path("rules/_certs/notes.txt"), "this is not a certificate\n").unwrap();
    std::fs::copy(fx.path("key.pem"), fx.path("rules/_certs/key-only.pem")).unwrap();
    let broken = "-----BEGIN CERTIFICATE-----\nMIIB!!!not base64\n-----END CERTIFICATE-----\n";
    std::fs::write(fx.path("rules/_certs/broken.pem"), broken).unwrap();
    let cases = [
        ("missing", "_certs/nowhere.pem", "cannot read"),
        ("not-pem", "_certs/notes.txt", "no certificate"),
        ("key-only", "_certs/key-only.pem", "no certificate"),
        ("broken", "_certs/broken.pem", "damaged PEM"),
        ("empty", "", "empty path"),
    ];
    for (name, file, expected) in cases {
        let err = fx.rule(name, &format!("title = \"{name}\"\ntls_ca = \"{file}\"\n")).unwrap_err();
        let msg = err.to_string();
        match &err {
            nianbao::Error::Rule { path, key, message } => {
                assert_eq!(path, &fx.rule_path(name), "{msg}");
                assert_eq!(key, "tls_ca", "{msg}");
                assert!(message.starts_with("line 4: "), "{msg}");
                assert!(message.contains(expected), "{name}: {msg}");
            }
            other => panic!("{name}: not a rule error: {other:?}"),
        }
        if !file.is_empty() {
            assert!(msg.contains(&fx.path("rules").join(file).display().to_string()), "names the resolved file: {msg}");
        }
    }
}

#[cfg(feature = "legacy-tls")]
mod legacy {
    use super::*;

    async fn legacy_fetch(fx: &Fixture, server: &Server, name: &str) {
        let site = fx.rule(name, "legacy_tls = true\ntls_ca = \"_certs/server.pem\"\n").unwrap();
        let page = fetch(&site, &server.url()).await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(page.status, 200);
        assert!(page.body.windows(2).any(|w| w[0] >= 0x81), "raw GBK bytes, not UTF-8 re-encoded");
        let decoded = nianbao::decode::decode(&page.body, page.content_type(), None);
        assert!(decoded.text.contains(PAGE_TEXT), "{}", decoded.text);
    }

    /// TLS 1.0 with ECDHE-RSA: the key exchange is signed MD5+SHA-1, which OpenSSL 3 refuses at
    /// its default security level. Works only with nianbao's OpenSSL settings.
    #[tokio::test]
    async fn legacy_client_talks_tls10_with_md5_sha1_signed_key_exchange() {
        need_openssl!();
        let fx = Fixture::new();
        let server = fx.serve("-tls1", "ECDHE-RSA-AES128-SHA:@SECLEVEL=0");
        legacy_fetch(&fx, &server, "old-ecdhe").await;
        assert!(nianbao::fetch::legacy_tls::init().allows_old_servers(), "{}", nianbao::fetch::legacy_tls::init());
    }

    /// TLS 1.0 with plain RSA key exchange and AES128-SHA.
    #[tokio::test]
    async fn legacy_client_talks_tls10_with_rsa_key_exchange() {
        need_openssl!();
        let fx = Fixture::new();
        let server = fx.serve("-tls1", "AES128-SHA:@SECLEVEL=0");
        legacy_fetch(&fx, &server, "old-rsa").await;
    }

    /// OpenSSL accepts a trusted self-signed CA:TRUE certificate as the server's own.
    #[tokio::test]
    async fn legacy_client_accepts_a_trusted_ca_certificate_as_the_servers_own() {
        need_openssl!();
        let fx = Fixture::with_constraints("critical,CA:TRUE");
        let server = fx.serve("-tls1_2", "ECDHE-RSA-AES128-GCM-SHA256");
        legacy_fetch(&fx, &server, "ca-as-server-legacy").await;
    }

    /// The legacy client still verifies certificates: without `tls_ca` the self-signed server is
    /// refused, with advice naming `tls_ca`.
    #[tokio::test]
    async fn legacy_client_still_verifies_the_certificate() {
        need_openssl!();
        let fx = Fixture::new();
        let server = fx.serve("-tls1", "AES128-SHA:@SECLEVEL=0");
        let site = fx.rule("old-no-ca", "legacy_tls = true\n").unwrap();
        let err = fetch(&site, &server.url()).await.unwrap_err();
        assert!(matches!(err, FetchError::Tls { .. }), "{err:?}");
        assert!(err.to_string().contains("tls_ca = "), "{err}");
    }
}
