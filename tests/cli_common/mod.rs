//! Shared set-up for the `tests/cli_*.rs` tests: a temporary archive populated through the library
//! (no network), a sites directory with rule files, and running the real binary against them.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use chrono::{Duration, TimeZone, Utc};
use nianbao::archive::{Archive, FetchKind, FetchOutcome, FetchRecord, RunOutcome};
use nianbao::extract::Extracted;
use nianbao::schedule::{DueReason, HealthFlag, RunHistory, RunOutcome as SiteOutcome, RunRecord, RunStatus};

#[path = "../archive_common/mod.rs"]
pub mod archive_common;

pub use archive_common::{detail_fetch, report};

/// A rule for the synthetic TRS-like report pages of `archive_common::html`.
pub fn rule(name: &str, title: &str, content: &str) -> String {
    format!(
        "name = \"{name}\"\ntitle = \"{title}\"\ndomains = [\"www.{name}.gov.cn\"]\nrate = \"1/2s\"\nschedule = \"0 4 * * 1\"\n\n[detail]\ntitle = \"meta[name=ArticleTitle]@content\"\ncontent = \"{content}\"\n"
    )
}

/// A temporary working directory with `archive/nianbao.db` and `sites/`.
pub struct Env {
    pub dir: tempfile::TempDir,
}

impl Env {
    pub fn new() -> Env {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("sites")).unwrap();
        Env { dir }
    }
    pub fn path(&self) -> &Path {
        self.dir.path()
    }
    pub fn archive(&self) -> PathBuf {
        self.dir.path().join("archive").join("nianbao.db")
    }
    pub fn sites(&self) -> PathBuf {
        self.dir.path().join("sites")
    }
    /// Write `sites/<name>.toml`.
    pub fn write_rule(&self, name: &str, text: &str) {
        std::fs::write(self.sites().join(format!("{name}.toml")), text).unwrap();
    }
    /// The standard rules: pingtan and lianjiang.
    pub fn standard_rules(&self) {
        self.write_rule("pingtan", &rule("pingtan", "平潭综合实验区管委会", ".TRS_Editor"));
        self.write_rule("lianjiang", &rule("lianjiang", "连江县人民政府", ".TRS_Editor"));
    }
    /// Run `nianbao ARGS --archive … --sites-dir …` in the directory.
    pub fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_nianbao"))
            .args(args)
            .arg("--archive")
            .arg(self.archive())
            .arg("--sites-dir")
            .arg(self.sites())
            .current_dir(self.path())
            .env_remove("NIANBAO_ARCHIVE")
            .env_remove("NIANBAO_SITES")
            .env_remove("RUST_LOG")
            .env("NO_COLOR", "1")
            .output()
            .expect("run nianbao")
    }
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

pub fn code(o: &Output) -> i32 {
    o.status.code().expect("exited")
}

/// The bytes of pingtan 2022's attachment.
pub const PDF: &[u8] = b"%PDF-1.4\n% nianbao test attachment\n%%EOF\n";

/// What [`populate`] stored.
pub struct Populated {
    /// pingtan 2022 (new in the last run), pingtan 2023 (changed in the last run), lianjiang 2021
    /// (taken down in the last run).
    pub reports: Vec<Extracted>,
    /// A pingtan notice (not an annual report).
    pub notice: Extracted,
    pub last_run: i64,
}

/// Fill the archive through the library: an earlier run, then a last run in which pingtan got a
/// new report and a changed one (with a broken total), lianjiang's report was taken down and a
/// fetch failed; a blocked site (handan); scheduler records with a health flag.
pub async fn populate(env: &Env) -> Populated {
    let a = Archive::open(env.archive()).await.unwrap();
    let sites = vec!["pingtan".to_string(), "lianjiang".to_string()];

    let first = a.start_run(&sites).await.unwrap();
    let p23 = report("pingtan", 1, 2023);
    let lj21 = report("lianjiang", 3, 2021);
    let mut notice = report("pingtan", 4, 2023);
    notice.title = "关于做好政务公开工作的通知".into();
    notice.report_year = None;
    notice.tables.clear();
    notice.url = "https://www.pingtan.gov.cn/zwgk/tzgg/t20240101_9.htm".into();
    for e in [&p23, &lj21, &notice] {
        a.store_fetch(detail_fetch(e, 1, Some(first)), Some(e.clone())).await.unwrap();
    }
    a.finish_run(first, None).await.unwrap();

    let last = a.start_run(&sites).await.unwrap();
    let p22 = report("pingtan", 2, 2022);
    a.store_fetch(detail_fetch(&p22, 1, Some(last)), Some(p22.clone())).await.unwrap();
    // Its PDF was downloaded.
    let mut pdf = FetchRecord::new(p22.attachments[0].url.clone(), FetchKind::Attachment, 200, PDF.to_vec());
    pdf.headers = vec![("Content-Type".into(), "application/pdf".into())];
    pdf.site = Some("pingtan".into());
    pdf.run_id = Some(last);
    a.store_fetch(pdf, None).await.unwrap();
    // pingtan 2023 changes: a figure corrected without its total (a failed check).
    let mut p23b = p23.clone();
    p23b.tables[0][1][1] = "999".into();
    p23b.text.push_str("补充说明:本报告于次年更正。\n\n");
    a.store_fetch(detail_fetch(&p23b, 2, Some(last)), Some(p23b.clone())).await.unwrap();
    let mut gone = FetchRecord::new(lj21.url.clone(), FetchKind::Detail, 404, b"not found".to_vec());
    gone.outcome = FetchOutcome::Gone;
    gone.site = Some("lianjiang".into());
    gone.run_id = Some(last);
    a.store_fetch(gone, None).await.unwrap();
    a.record_error(Some(last), Some("lianjiang"), Some("https://www.lianjiang.gov.cn/zwgk/list_2.htm"), "HTTP 503 after 3 retries")
        .await
        .unwrap();
    a.finish_run(last, Some(RunOutcome::Partial)).await.unwrap();

    // A site behind a WAF: only challenge answers.
    for _ in 0..2 {
        let mut b = FetchRecord::new("https://www.hd.gov.cn/hdzfxxgk/", FetchKind::List, 412, b"<script>$_ts=1</script>".to_vec());
        b.outcome = FetchOutcome::Blocked;
        b.site = Some("handan".into());
        b.headers = vec![("Content-Type".into(), "text/html".into())];
        a.store_fetch(b, None).await.unwrap();
    }

    // The scheduler's record of pingtan's last run, with a rule-breakage flag.
    let started = Utc::now() - Duration::minutes(30);
    a.record(&RunRecord {
        site: "pingtan".into(),
        reason: DueReason::FirstRun,
        started: Utc.timestamp_opt(started.timestamp(), 0).unwrap(),
        finished: started + Duration::minutes(2),
        outcome: SiteOutcome { status: RunStatus::Ok, pages: 3, errors: vec![], stats: None },
        flags: vec![HealthFlag::ShorterText { median: 120, usual: 4100 }],
    })
    .await
    .unwrap();
    a.close().await.unwrap();
    Populated { reports: vec![p22, p23b, lj21], notice, last_run: last }
}
