//! Shared helpers of the crawl tests: a crawler over the mock server with a fresh archive, and
//! small archive queries.
#![allow(dead_code)]

use nianbao::archive::Archive;
use nianbao::crawl::{CrawlOptions, CrawlReport, Crawler};
use nianbao::fetch::{FetchConfig, Fetcher};
use nianbao::site::Site;
use sqlx::Row;

use crate::support::{MockBuilder, MockServer};

/// A mock, a crawler into a fresh archive, and the mock's rules.
pub struct Setup {
    pub mock: MockServer,
    pub crawler: Crawler,
    pub rules: Vec<Site>,
    pub dir: tempfile::TempDir,
}

impl Setup {
    pub async fn new(builder: MockBuilder) -> Setup {
        Setup::with_config(builder, |c| c).await
    }

    pub async fn with_config(builder: MockBuilder, config: impl FnOnce(FetchConfig) -> FetchConfig) -> Setup {
        let mock = builder.start().await;
        let dir = tempfile::tempdir().unwrap();
        let archive = Archive::open(dir.path().join("a.db")).await.unwrap();
        let fetcher = Fetcher::new(config(mock.fetch_config())).unwrap();
        let rules = (0..mock.sites().len()).map(|i| mock.rule(i)).collect();
        Setup { crawler: Crawler::new(archive, fetcher), mock, rules, dir }
    }

    pub fn archive(&self) -> &Archive {
        self.crawler.archive()
    }

    /// Crawl every mock site.
    pub async fn crawl(&self, opts: &CrawlOptions) -> CrawlReport {
        let sites: Vec<&Site> = self.rules.iter().collect();
        self.crawler.crawl(&sites, opts).await.unwrap()
    }

    /// Crawl with default options.
    pub async fn crawl_default(&self) -> CrawlReport {
        self.crawl(&CrawlOptions::default()).await
    }

    /// Documents of a site.
    pub async fn documents(&self, site: &str) -> Vec<String> {
        sqlx::query("SELECT url FROM documents WHERE site = ? ORDER BY url")
            .bind(site)
            .fetch_all(self.archive().reader())
            .await
            .unwrap()
            .iter()
            .map(|r| r.get::<String, _>(0))
            .collect()
    }

    /// Detail paths of the mock's report documents (the ones the rule's `keep` filter keeps).
    pub fn report_paths(&self, i: usize) -> Vec<String> {
        self.mock.site(i).docs.iter().filter(|d| d.is_report).map(|d| d.path.clone()).collect()
    }

    /// Requests site `i` saw for `path`, by method (query ignored).
    pub fn count(&self, i: usize, path: &str) -> usize {
        self.mock.count(i, path)
    }
}

/// One number from a query.
pub async fn scalar(archive: &Archive, sql: &str) -> i64 {
    sqlx::query(sql).fetch_one(archive.reader()).await.unwrap().get::<i64, _>(0)
}
