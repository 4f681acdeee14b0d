//! Archive: frontier for resumable crawls, runs with per-site counters, `nianbao sites` stats.

mod archive_common;

use archive_common::{detail_fetch, report, temp_archive};
use nianbao::archive::{
    FetchKind, FetchOutcome, FetchRecord, FrontierItem, FrontierState, RunOutcome,
};

fn item(url: &str, kind: FetchKind, depth: u32) -> FrontierItem {
    FrontierItem {
        url: url.into(),
        site: "pingtan".into(),
        kind,
        depth,
        parent: None,
        run_id: None,
    }
}

#[tokio::test]
async fn frontier_enqueue_claim_complete_and_resume() {
    let (_d, a) = temp_archive().await;
    let base = "https://www.pingtan.gov.cn/zwgk/zfxxgknb";
    let items = vec![
        item(&format!("{base}/202403/t1.htm"), FetchKind::Detail, 1),
        item(&format!("{base}/"), FetchKind::List, 0),
        item(&format!("{base}/202403/t2.htm"), FetchKind::Detail, 1),
        // Same URL as the first up to the fragment and host case: not new.
        item(
            "https://WWW.pingtan.gov.cn/zwgk/zfxxgknb/202403/t1.htm#top",
            FetchKind::Detail,
            1,
        ),
    ];
    assert_eq!(a.enqueue(items.clone()).await.unwrap(), 3);
    assert_eq!(a.enqueue(items).await.unwrap(), 0);

    // Shallowest first, then discovery order.
    let got = a.claim("pingtan", 2).await.unwrap();
    assert_eq!(
        got.iter().map(|e| e.url.as_str()).collect::<Vec<_>>(),
        vec![
            format!("{base}/").as_str(),
            format!("{base}/202403/t1.htm").as_str()
        ]
    );
    assert!(got
        .iter()
        .all(|e| e.state == FrontierState::InProgress && e.attempts == 1));
    assert!(a.claim("other-site", 10).await.unwrap().is_empty());

    assert!(a
        .complete(&got[0].url, FrontierState::Done, None)
        .await
        .unwrap());
    assert!(!a
        .complete("https://nowhere.gov.cn/", FrontierState::Done, None)
        .await
        .unwrap());

    // The process dies here: t1 stays in progress. A new run resets it to pending.
    assert_eq!(a.reset_in_progress(Some("pingtan")).await.unwrap(), 1);
    let again = a.claim("pingtan", 10).await.unwrap();
    assert_eq!(again.len(), 2);
    assert_eq!(again[0].url, format!("{base}/202403/t1.htm"));
    assert_eq!(again[0].attempts, 2);
    a.complete(&again[0].url, FrontierState::Failed, Some("timeout"))
        .await
        .unwrap();
    a.complete(&again[1].url, FrontierState::Blocked, Some("412"))
        .await
        .unwrap();
    let counts = a.frontier_counts("pingtan").await.unwrap();
    assert!(counts.contains(&(FrontierState::Done, 1)));
    assert!(counts.contains(&(FrontierState::Failed, 1)));
    assert!(counts.contains(&(FrontierState::Blocked, 1)));

    // List pages are re-fetched on the next run.
    assert_eq!(a.requeue(vec![format!("{base}/")]).await.unwrap(), 1);
    assert_eq!(a.claim("pingtan", 10).await.unwrap().len(), 1);
}

/// A stored page's attachments are claimed in the transaction that stores the page (no claim
/// job of their own), the run's counters move in that transaction too, and URLs the frontier
/// already knows are left to their owner.
#[tokio::test]
async fn store_crawled_claims_new_attachments_and_counts_the_run() {
    let (_d, a) = temp_archive().await;
    let run = a.start_run(&["pingtan".to_string()]).await.unwrap();
    let e = report("pingtan", 1, 2023);
    a.enqueue(vec![item(&e.url, FetchKind::Detail, 1)]).await.unwrap();
    let page = a.claim("pingtan", 10).await.unwrap();
    assert_eq!(page.len(), 1);
    // One attachment is already in the frontier (linked from another page, still pending).
    let known = "https://www.pingtan.gov.cn/a/shared.pdf";
    a.enqueue(vec![item(known, FetchKind::Attachment, 2)]).await.unwrap();
    let discovered = vec![
        item("https://www.pingtan.gov.cn/a/P1.pdf", FetchKind::Attachment, 2),
        item(known, FetchKind::Attachment, 2),
        item("https://www.pingtan.gov.cn/a/P2.xls", FetchKind::Attachment, 2),
    ];
    let stored = a
        .store_crawled(detail_fetch(&e, 1, Some(run)), Some(e.clone()), FrontierState::Done, None, discovered)
        .await
        .unwrap();
    assert_eq!(stored.outcome.document.map(|d| d.change), Some(nianbao::archive::Change::New));
    let claimed: Vec<(&str, FrontierState, u32, u32)> =
        stored.claimed.iter().map(|c| (c.url.as_str(), c.state, c.attempts, c.depth)).collect();
    assert_eq!(
        claimed,
        vec![
            ("https://www.pingtan.gov.cn/a/P1.pdf", FrontierState::InProgress, 1, 2),
            ("https://www.pingtan.gov.cn/a/P2.xls", FrontierState::InProgress, 1, 2),
        ]
    );
    let counts = a.frontier_counts("pingtan").await.unwrap();
    assert!(counts.contains(&(FrontierState::Done, 1)), "{counts:?}");
    assert!(counts.contains(&(FrontierState::InProgress, 2)), "{counts:?}");
    assert!(counts.contains(&(FrontierState::Pending, 1)), "{counts:?}");
    let s = a.run_summary(run).await.unwrap().unwrap();
    let p = &s.sites.iter().find(|(n, _)| n == "pingtan").unwrap().1;
    assert_eq!((p.fetched, p.new), (1, 1));

    // The page fetched again with nothing new linked: counted, nothing claimed.
    let again = a
        .store_crawled(detail_fetch(&e, 2, Some(run)), Some(e.clone()), FrontierState::Done, None, Vec::new())
        .await
        .unwrap();
    assert!(again.claimed.is_empty());
    let s = a.run_summary(run).await.unwrap().unwrap();
    let p = &s.sites.iter().find(|(n, _)| n == "pingtan").unwrap().1;
    assert_eq!((p.fetched, p.new, p.unchanged), (2, 1, 1));
}

/// Claims take attachments first (fetched soon after the page that links them), then the
/// shallowest; URLs claimed but never fetched are released without an attempt counted.
#[tokio::test]
async fn claims_prefer_attachments_and_released_claims_cost_no_attempt() {
    let (_d, a) = temp_archive().await;
    let base = "https://www.pingtan.gov.cn/zwgk";
    a.enqueue(vec![
        item(&format!("{base}/t1.htm"), FetchKind::Detail, 1),
        item(&format!("{base}/t2.htm"), FetchKind::Detail, 1),
        item(&format!("{base}/P1.pdf"), FetchKind::Attachment, 2),
    ])
    .await
    .unwrap();
    let got = a.claim("pingtan", 2).await.unwrap();
    let urls: Vec<&str> = got.iter().map(|e| e.url.as_str()).collect();
    assert_eq!(urls, vec![format!("{base}/P1.pdf").as_str(), format!("{base}/t1.htm").as_str()]);
    // Finished in the meantime: not released.
    a.complete(&got[0].url, FrontierState::Done, None).await.unwrap();
    let released = a.release(got.iter().map(|e| e.url.clone()).collect()).await.unwrap();
    assert_eq!(released, 1);
    let again = a.claim("pingtan", 10).await.unwrap();
    let t1 = again.iter().find(|e| e.url.ends_with("/t1.htm")).expect("t1 pending again");
    assert_eq!(t1.attempts, 1, "the released claim was not counted");
    assert_eq!(again.len(), 2);
}

#[tokio::test]
async fn known_urls_covers_frontier_and_documents_and_returns_input_strings() {
    let (_d, a) = temp_archive().await;
    let e = report("pingtan", 1, 2023);
    a.store_fetch(detail_fetch(&e, 1, None), Some(e.clone()))
        .await
        .unwrap();
    a.enqueue(vec![item(
        "https://www.pingtan.gov.cn/a/t9.htm",
        FetchKind::Detail,
        1,
    )])
    .await
    .unwrap();
    let asked = vec![
        format!("{}#print", e.url),
        "https://www.pingtan.gov.cn/a/t9.htm".to_string(),
        "https://www.pingtan.gov.cn/a/t10.htm".to_string(),
    ];
    let known = a.known_urls("pingtan", &asked).await.unwrap();
    assert_eq!(known.len(), 2);
    assert!(known.contains(&asked[0]) && known.contains(&asked[1]));
    // Many URLs at once (chunked queries).
    let many: Vec<String> = (0..1500)
        .map(|i| format!("https://www.pingtan.gov.cn/b/t{i}.htm"))
        .collect();
    assert!(a.known_urls("pingtan", &many).await.unwrap().is_empty());
}

#[tokio::test]
async fn runs_count_per_site_and_record_errors() {
    let (_d, a) = temp_archive().await;
    let sites = vec!["pingtan".to_string(), "lishui".to_string()];
    let run = a.start_run(&sites).await.unwrap();
    let e = report("pingtan", 1, 2023);
    a.store_fetch(detail_fetch(&e, 1, Some(run)), Some(e.clone()))
        .await
        .unwrap(); // new
    a.store_fetch(detail_fetch(&e, 2, Some(run)), Some(e.clone()))
        .await
        .unwrap(); // unchanged
    let mut e2 = e.clone();
    e2.title.push_str("(修订)");
    a.store_fetch(detail_fetch(&e2, 3, Some(run)), Some(e2))
        .await
        .unwrap(); // changed
    let mut gone = FetchRecord::new(e.url.clone(), FetchKind::Detail, 404, Vec::new());
    gone.outcome = FetchOutcome::Gone;
    gone.site = Some("pingtan".into());
    gone.run_id = Some(run);
    a.store_fetch(gone, None).await.unwrap(); // taken down
    let mut list = FetchRecord::new(
        "https://www.lishui.gov.cn/col/",
        FetchKind::List,
        200,
        b"<ul></ul>".to_vec(),
    );
    list.site = Some("lishui".into());
    list.run_id = Some(run);
    a.store_fetch(list, None).await.unwrap();
    a.record_error(
        Some(run),
        Some("lishui"),
        Some("https://www.lishui.gov.cn/x"),
        "timed out after 3 tries",
    )
    .await
    .unwrap();

    let s = a.run_summary(run).await.unwrap().unwrap();
    assert_eq!(s.outcome, RunOutcome::Running);
    let p = &s.sites.iter().find(|(n, _)| n == "pingtan").unwrap().1;
    assert_eq!(
        (
            p.fetched,
            p.new,
            p.unchanged,
            p.changed,
            p.taken_down,
            p.failed
        ),
        (4, 1, 1, 1, 1, 0)
    );
    let l = &s.sites.iter().find(|(n, _)| n == "lishui").unwrap().1;
    assert_eq!((l.fetched, l.failed), (1, 1));
    assert_eq!(s.errors.len(), 1);
    assert_eq!(s.errors[0].message, "timed out after 3 tries");

    assert_eq!(a.finish_run(run, None).await.unwrap(), RunOutcome::Partial);
    let s = a.run_summary(run).await.unwrap().unwrap();
    assert_eq!(s.outcome, RunOutcome::Partial);
    assert!(s.finished_at.is_some());
}

#[tokio::test]
async fn clean_runs_finish_ok_and_stale_runs_become_interrupted() {
    let (_d, a) = temp_archive().await;
    let r1 = a.start_run(&["pingtan".to_string()]).await.unwrap();
    let e = report("pingtan", 1, 2023);
    a.store_fetch(detail_fetch(&e, 1, Some(r1)), Some(e))
        .await
        .unwrap();
    assert_eq!(a.finish_run(r1, None).await.unwrap(), RunOutcome::Ok);
    let r2 = a.start_run(&["pingtan".to_string()]).await.unwrap();
    assert_eq!(a.interrupt_stale_runs().await.unwrap(), 1);
    assert_eq!(
        a.run_summary(r2).await.unwrap().unwrap().outcome,
        RunOutcome::Interrupted
    );
}

#[tokio::test]
async fn site_stats_show_last_run_documents_and_report_years() {
    let (_d, a) = temp_archive().await;
    let old = a.start_run(&["pingtan".to_string()]).await.unwrap();
    a.finish_run(old, Some(RunOutcome::Failed)).await.unwrap();
    let run = a
        .start_run(&["pingtan".to_string(), "lishui".to_string()])
        .await
        .unwrap();
    for (i, y) in [(1, 2021), (2, 2023), (3, 2023), (4, 2019)] {
        let e = report("pingtan", i, y);
        a.store_fetch(detail_fetch(&e, 1, Some(run)), Some(e))
            .await
            .unwrap();
    }
    let mut e = report("lishui", 9, 2022);
    e.report_year = None;
    a.store_fetch(detail_fetch(&e, 1, Some(run)), Some(e))
        .await
        .unwrap();
    a.finish_run(run, None).await.unwrap();

    let stats = a.site_stats().await.unwrap();
    assert_eq!(
        stats.iter().map(|s| s.site.as_str()).collect::<Vec<_>>(),
        vec!["lishui", "pingtan"]
    );
    let p = &stats[1];
    assert_eq!(p.documents, 4);
    assert_eq!(p.versions, 4);
    assert_eq!(p.report_years, vec![2019, 2021, 2023]);
    let last = p.last_run.as_ref().unwrap();
    assert_eq!(last.run_id, run);
    assert_eq!(last.outcome, RunOutcome::Ok);
    assert_eq!(last.counts.new, 4);
    assert!(stats[0].report_years.is_empty());
    assert_eq!(stats[0].documents, 1);
}
