use super::*;

const HTML: Option<&str> = Some("text/html; charset=utf-8");

/// A 瑞数 (RS6) first answer as seen on nmpa/nhc: meta with r='m', `$_ts` bootstrap, external
/// obfuscated script, trigger after `</html>`.
const RUISHU: &str = r#"<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"><meta http-equiv="X-UA-Compatible" content="IE=edge,chrome=1"><meta id="9DhefwqGPrzGxEp9hPaoag" content="_x4Ukr8Gq1l3mH4lAUJ2Ek.rZbhd3bTlt0sOLh1FWIyzFzk6oYvpN9sM3Xl3qy0l" r='m'><!--[if lt IE 9]><script r='m'>document.createElement("section")</script><![endif]--><script type="text/javascript" charset="utf-8" src="/7Kqn1KePp2NQ/v4Rgr8ZXDKEO.b4c45da.js" r='m'></script></head><body><script type="text/javascript" r='m'>$_ts=window['$_ts'];if(!$_ts)$_ts={};$_ts.nsd=28433;$_ts.cd="qo1BrrAlqGqmqqGEcqGGcaAFrApqqqAlrcAmrqAqqGGlcGrqqqqqEGRl";</script></body></html><script type="text/javascript" r='m'>_$e3()</script>"#;

#[test]
fn ruishu_412_is_blocked_with_marker_as_evidence() {
    match classify(412, HTML, "", RUISHU.as_bytes()) {
        Outcome::Blocked { reason, evidence } => {
            assert!(reason.contains("瑞数"), "{reason}");
            assert!(evidence.contains("HTTP 412"), "{evidence}");
            assert!(evidence.contains("$_ts"), "{evidence}");
        }
        other => panic!("expected blocked, got {other:?}"),
    }
}

#[test]
fn ruishu_on_200_and_202_is_still_blocked() {
    assert!(classify(200, HTML, "", RUISHU.as_bytes()).is_blocked());
    assert!(classify(202, HTML, "", RUISHU.as_bytes()).is_blocked());
    // Older variant: only the r='m' meta tag, no $_ts in sight.
    let old = r#"<html><head><meta content="{qtJ2bnZ0dm5" r="m"><script src="/aBc/xyz.js" r="m"></script></head><body></body></html>"#;
    assert!(classify(202, HTML, "", old.as_bytes()).is_blocked());
}

#[test]
fn jiasule_521_with_document_cookie_is_blocked() {
    let body = r#"<html><body><script>document.cookie=('_')+('_')+('j')+('s')+('l')+('_')+('c')+('l')+('e')+('a')+('r')+('a')+('n')+('c')+('e')+('_')+('s')+('=')+(-~[]+'')+(1+[0]>>[1]+'')+'6.443|0|'+'RrkA1xBvbRvcmYqFSjtzWi'+('%')+(1+'');location.href=location.pathname+location.search</script></body></html>"#;
    match classify(521, HTML, "__jsluid_s=6e2f; path=/", body.as_bytes()) {
        Outcome::Blocked { reason, .. } => assert!(reason.contains("加速乐"), "{reason}"),
        other => panic!("{other:?}"),
    }
    // 512 variant carrying the clearance cookie name literally.
    let b2 = "<script>var x='__jsl_clearance_s';document.cookie=x+'=1'</script>";
    assert!(classify(512, HTML, "", b2.as_bytes()).is_blocked());
}

#[test]
fn wzws_challenge_page_is_blocked() {
    let body = "<html><head><title>请开启JavaScript</title></head><body><noscript>请开启JavaScript并刷新该页.</noscript><script>var url='/zwgk/?wzwschallenge=V1pXU19DT05GSVJNX1BSRUZJWF9MQUJFTDM';location.href=url;</script></body></html>";
    match classify(200, HTML, "wzws_cid=abc; path=/", body.as_bytes()) {
        Outcome::Blocked { reason, .. } => assert!(reason.contains("WZWS"), "{reason}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn waf_pages_are_recognised_by_wording_in_utf8_and_gbk() {
    let page = "<html><head><title>访问异常页面</title></head><body><div class=\"main\"><p>您的访问出现异常，可能的原因是：您的网络环境存在安全风险。</p><p>如有疑问请联系网站管理员。</p>".to_string()
        + &"<p>说明文字</p>".repeat(30)
        + "</div></body></html>";
    for bytes in [page.as_bytes().to_vec(), encoding_rs::GBK.encode(&page).0.into_owned()] {
        match classify(200, Some("text/html"), "", &bytes) {
            Outcome::Blocked { reason, evidence } => {
                assert!(reason.contains("访问异常"), "{reason}");
                assert!(evidence.contains("访问异常页面"), "title in evidence: {evidence}");
            }
            other => panic!("{other:?}"),
        }
    }
    let safedog = "<html><head><title>网站防火墙</title></head><body><h3>您的请求带有不合法参数，已被网站管理员设置拦截！</h3><p>可能原因：您提交的内容包含危险的攻击请求</p></body></html>";
    assert!(classify(403, HTML, "", safedog.as_bytes()).is_blocked());
}

#[test]
fn plain_403_and_412_are_blocked() {
    let body = b"<html><head><title>403 Forbidden</title></head><body><center><h1>403 Forbidden</h1></center><hr><center>nginx</center></body></html>";
    match classify(403, HTML, "", body) {
        Outcome::Blocked { reason, .. } => assert_eq!(reason, "HTTP 403 Forbidden"),
        other => panic!("{other:?}"),
    }
    assert!(classify(412, None, "", b"").is_blocked());
}

#[test]
fn title_only_and_empty_200s_are_blocked() {
    let title_only = b"<html><head><title>\xe6\x94\xbf\xe5\xba\x9c\xe4\xbf\xa1\xe6\x81\xaf\xe5\x85\xac\xe5\xbc\x80</title><script>var a=1;</script></head><body></body></html>";
    assert!(classify(200, HTML, "", title_only).is_blocked());
    assert!(classify(200, HTML, "", b"").is_blocked());
    assert!(classify(200, HTML, "", b"   \n").is_blocked());
}

#[test]
fn js_redirect_shell_is_not_blocked() {
    let shell = b"<html><head><script>window.location.replace('/zwgk/index.html');</script></head></html>";
    assert_eq!(classify(200, HTML, "", shell), Outcome::Ok);
}

#[test]
fn deleted_pages_are_gone_and_plain_404_is_not_found() {
    let deleted = "<html><head><title>提示信息</title></head><body><div class=\"tip\">对不起，该信息已撤销或已被删除！</div><a href=\"/\">返回首页</a></body></html>";
    match classify(200, HTML, "", deleted.as_bytes()) {
        Outcome::Gone { reason, evidence } => {
            assert!(reason.contains("soft 404"), "{reason}");
            assert!(evidence.contains("该信息已撤销") || evidence.contains("已被删除"), "{evidence}");
        }
        other => panic!("{other:?}"),
    }
    let gbk = encoding_rs::GBK.encode("<html><head><title>页面不存在</title></head><body>您访问的页面不存在，5秒后返回首页</body></html>").0;
    assert!(matches!(classify(404, Some("text/html; charset=gbk"), "", &gbk), Outcome::Gone { .. }));
    let plain = b"<html><head><title>404 Not Found</title></head><body><h1>Not Found</h1><p>The requested URL was not found on this server.</p></body></html>";
    assert_eq!(classify(404, HTML, "", plain), Outcome::NotFound);
    assert!(matches!(classify(410, None, "", b""), Outcome::Gone { .. }));
}

#[test]
fn real_report_page_is_ok_even_if_it_mentions_deletion_words() {
    let mut page = String::from("<html><head><title>2023年政府信息公开工作年度报告</title></head><body><div class=\"TRS_Editor\">");
    for _ in 0..60 {
        page.push_str("<p>本年度报告依据《中华人民共和国政府信息公开条例》编制，统计期限自1月1日起至12月31日止。</p>");
    }
    page.push_str("<p>对群众反映找不到的信息，及时补充公开。</p></div></body></html>");
    assert_eq!(classify(200, HTML, "", page.as_bytes()), Outcome::Ok);
}

#[test]
fn pdf_attachment_is_ok_and_not_scanned_for_wording() {
    let mut pdf = b"%PDF-1.4\n".to_vec();
    pdf.extend_from_slice("页面不存在".as_bytes());
    assert_eq!(classify(200, Some("application/pdf"), "", &pdf), Outcome::Ok);
    assert!(classify(200, Some("application/pdf"), "", b"").is_blocked());
}

#[test]
fn visible_len_ignores_markup_scripts_and_title() {
    assert_eq!(visible_len("<html><head><title>很长的标题</title><style>p{}</style></head><body><!-- x --><p>你好 ab</p><script>var s='中文';</script></body>"), 4);
    assert_eq!(title_of("<HTML><TITLE>\n 标题  一 </TITLE>").as_deref(), Some("标题 一"));
}
