//! The report in a real headless Chromium: it renders (screenshot), and the DOM Chromium builds
//! has the matrix, the flagged site and the blocked site. Needs `chromium` (or `chromium-browser`,
//! `google-chrome`, or `$CHROMIUM`); fails without it unless `NIANBAO_SKIP_CHROMIUM=1`.

mod report_data;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use nianbao::report::render_report;

fn find_chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"]
        .iter()
        .flat_map(|name| std::env::split_paths(&path).map(move |dir| dir.join(name)))
        .find(|p| p.is_file())
}

/// Run Chromium headless with a fresh profile, killing it after 90 s.
fn chromium(bin: &Path, profile: &Path, extra: &[&str], url: &str) -> Output {
    let mut child = Command::new(bin)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(url)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()));
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!("chromium timed out; stderr:\n{}", String::from_utf8_lossy(&out.stderr));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn report_renders_in_headless_chromium() {
    let Some(bin) = find_chromium() else {
        if std::env::var("NIANBAO_SKIP_CHROMIUM").as_deref() == Ok("1") {
            eprintln!("SKIPPED: chromium not found and NIANBAO_SKIP_CHROMIUM=1");
            return;
        }
        panic!(
            "chromium not found on PATH (tried chromium, chromium-browser, google-chrome; or set $CHROMIUM). \
             Install it (Debian: apt-get install -y chromium fonts-wqy-microhei) or set NIANBAO_SKIP_CHROMIUM=1 to skip."
        );
    };
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("report.html");
    std::fs::write(&page, render_report(&report_data::sample())).unwrap();
    let url = format!("file://{}", page.display());

    // Screenshot.
    let png = dir.path().join("report.png");
    let out = chromium(
        &bin,
        &dir.path().join("profile-shot"),
        &["--window-size=1280,1600", &format!("--screenshot={}", png.display())],
        &url,
    );
    assert!(png.is_file(), "no screenshot; chromium stderr:\n{}", String::from_utf8_lossy(&out.stderr));
    let bytes = std::fs::read(&png).unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "not a PNG");
    // IHDR: width and height.
    let (w, h) = (u32::from_be_bytes(bytes[16..20].try_into().unwrap()), u32::from_be_bytes(bytes[20..24].try_into().unwrap()));
    assert_eq!((w, h), (1280, 1600));
    // A blank page compresses to a few KB; the report is tables, colours and text.
    assert!(bytes.len() > 40_000, "screenshot suspiciously small ({} bytes): blank page?", bytes.len());
    if let Some(keep) = std::env::var_os("NIANBAO_KEEP_SCREENSHOT") {
        std::fs::copy(&png, keep).unwrap();
    }

    // The DOM as Chromium parsed it.
    let out = chromium(&bin, &dir.path().join("profile-dom"), &["--dump-dom"], &url);
    assert!(out.status.success(), "chromium --dump-dom failed:\n{}", String::from_utf8_lossy(&out.stderr));
    let dom = String::from_utf8(out.stdout).unwrap();
    assert!(dom.contains("<table id=\"coverage-matrix\" class=\"matrix\">"), "matrix missing");
    assert!(dom.contains("<th>2016</th>") && dom.contains("<th>2024</th>"));
    assert!(dom.contains("<tr data-site=\"minhou\" class=\"flagged\">"), "flagged site not marked");
    assert!(dom.contains("data-flag=\"list-empty\""));
    assert!(dom.contains("<tr data-site=\"handan\" class=\"blocked\">"), "blocked site not marked");
    assert!(dom.contains("id=\"blocked-table\"") && dom.contains("HTTP 412 瑞数 challenge"));
    // The escaped title stayed text: no script element was created from it.
    assert!(!dom.contains("<script"), "a <script> element appeared in the DOM");
    assert!(dom.contains("&lt;script&gt;alert('x')&lt;/script&gt;平潭2016年报"));
}
