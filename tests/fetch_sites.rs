//! The mock serves every style and encoding consistently: list pages (TRS createPageHTML,
//! Hanweb datastore, 下一页), detail pages with metadata and attachments, PDFs — fetched through
//! the real fetcher, politely.

mod support;

use std::time::Duration;

use futures::future::join_all;
use nianbao::fetch::{Fetcher, Request, RequestKind};
use support::*;

fn text_of(site: &SiteContent, body: &[u8]) -> String {
    match site.encoding {
        Encoding::Utf8 => String::from_utf8(body.to_vec()).expect("UTF-8 site"),
        Encoding::Gbk => {
            let (t, bad) = encoding_rs::GBK.decode_without_bom_handling(body);
            assert!(!bad, "valid GBK");
            t.into_owned()
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_style_and_encoding_serves_lists_details_and_attachments() {
    let mock = MockServer::builder()
        .sites(6)
        .docs_per_site(7)
        .per_page(3)
        .mixed_styles()
        .mixed_encodings()
        .rate(20, Duration::from_secs(1))
        .start()
        .await;
    let fetcher = Fetcher::new(mock.fetch_config()).unwrap();
    for i in 0..6 {
        fetcher.add_site(&mock.rule(i)).unwrap();
    }
    let styles: Vec<(Style, Encoding)> = mock.sites().iter().map(|s| (s.style, s.encoding)).collect();
    for st in [Style::Trs, Style::Hanweb, Style::NextLink] {
        for enc in [Encoding::Utf8, Encoding::Gbk] {
            assert!(styles.contains(&(st, enc)), "{st:?}/{enc:?} covered");
        }
    }

    let per_site = |i: usize| {
        let fetcher = fetcher.clone();
        let mock = &mock;
        async move {
            let site = mock.site(i);
            let name = site.name.clone();
            let list = fetcher.fetch(&Request::get(mock.url(i, &site.list_path())).site(&name).kind(RequestKind::List)).await.unwrap();
            let html = text_of(site, &list.body);
            match site.style {
                Style::Trs => assert!(html.contains("createPageHTML(3, 0, \"index\", \"html\")"), "{html}"),
                Style::Hanweb => assert!(html.contains("<datastore>") && html.contains("totalRecord:7")),
                Style::NextLink => assert!(html.contains("href=\"list_2.html\">下一页</a>")),
            }
            assert!(html.contains(&site.docs[0].title));
            for d in &site.docs {
                let page = fetcher.fetch(&Request::get(mock.url(i, &d.path)).site(&name)).await.unwrap();
                assert!(page.outcome.is_ok(), "{:?}", page.outcome);
                let t = text_of(site, &page.body);
                assert!(t.contains(&format!("content=\"{}\"", d.title)), "ArticleTitle meta");
                assert!(t.contains("索&ensp;引&ensp;号") && t.contains(&d.paragraphs[0]));
                assert!(t.contains(&d.attachment_path.replace('&', "&amp;")) || t.contains(d.attachment_path.rsplit('/').next().unwrap()));
                let pdf = fetcher
                    .fetch(&Request::get(mock.url(i, &d.attachment_path)).site(&name).kind(RequestKind::Attachment))
                    .await
                    .unwrap();
                assert!(pdf.body.starts_with(b"%PDF-"));
            }
        }
    };
    join_all((0..6).map(per_site)).await;
    mock.assert_all_polite();
}
