//! Extraction behaviours on small pages built from the defects seen in real scraped text
//! (/work/shared/seeds): Word markup, chrome, metadata label variants, rules, attachments.

use nianbao::extract::{extract, Extracted, Page};
use nianbao::site::{DetailRule, Sel};
use regex::Regex;
use scraper::Selector;

const URL: &str = "http://www.example.gov.cn/zwgk/zfxxgknb/201903/t20190325_1.html";

fn run(html: &str, rule: Option<&DetailRule>) -> Extracted {
    extract(&Page { html, url: URL, site: None }, rule)
}

fn sel(css: &str) -> Sel {
    let (css_part, attr) = match css.split_once('@') {
        Some((c, a)) => (c, Some(a.to_string())),
        None => (css, None),
    };
    Sel { css: Selector::parse(css_part).unwrap(), attr, source: css.to_string() }
}

fn page(head: &str, body: &str) -> String {
    format!("<!DOCTYPE html><html><head><meta charset=\"utf-8\">{head}</head><body>{body}</body></html>")
}

#[test]
fn word_markup_loses_no_character() {
    // The two strings seed 001 mangled ("2018 11—2018 1231日", "〔201884号"), in Word HTML.
    let body = r#"<div class="TRS_Editor">
<?xml:namespace prefix = st1 ns = "urn:schemas-microsoft-com:office:smarttags" />
<p class="MsoNormal" style="text-indent:32.0pt"><span style="font-family:仿宋_GB2312">报告中所列数据统计期限为<st1:chsdate Year="2018" Month="1" Day="1" IsLunarDate="False" IsROCDate="False" w:st="on"><span lang="EN-US">2018</span>年<span lang="EN-US">1</span>月<span lang="EN-US">1</span>日</st1:chsdate>—<st1:chsdate Year="2018" Month="12" Day="31" IsLunarDate="False" IsROCDate="False" w:st="on"><span lang="EN-US">2018</span>年<span lang="EN-US">12</span>月<span lang="EN-US">31</span>日</st1:chsdate>。<o:p></o:p></span></p>
<p class="MsoNormal"><span><font face="仿宋">《阜新市人民政府办公室关于印发2018年政务公开重点工作安排的通知》（阜政办发</font></span><span lang="EN-US"><font face="Times New Roman">〔</font></span><span><b><span lang="EN-US">2018</span></b></span><span>〕<u><span lang="EN-US">4</span></u>号）<o:p></o:p></span></p>
</div>"#;
    let e = run(&page("", body), None);
    assert!(e.text.contains("统计期限为2018年1月1日—2018年12月31日。"), "{}", e.text);
    assert!(e.text.contains("（阜政办发〔2018〕4号）"), "{}", e.text);
    assert_eq!(e.text.lines().filter(|l| !l.is_empty()).count(), 2, "two paragraphs: {}", e.text);
}

#[test]
fn seed_chrome_is_stripped_but_body_mentions_survive() {
    let body = r#"<div class="top">登录 注册</div><div class="wx">官方微信</div>
<div id="zoom">
  <p>日期: 2019-03-25 浏览量:266 来源:区政府办 责任编辑:王宝新 文字大小:</p>
  <p>发布时间:2019-03-11 08:46:42 【字体: 】</p>
  <p>　　细河区2018年政府信息公开工作报告，是根据《中华人民共和国政府信息公开条例》的有关规定编制而成。</p>
  <p>　　各单位可在门户网站下载并打印本报告，网站浏览量：12万次，比上年增长10%。</p>
  <p>　　全年通过区政府网站主动公开各类信息1243条，其中网站地图栏目调整2次。</p>
  <p><img src="./W020190311.jpg" alt="W020190311.jpg">W020190311.jpg</p>
  <p>image001.png</p>
  <p>相关附件:</p>
  <p>附件：</p>
  <p>相关文档:</p>
  <ul><li>扫一扫在手机打开当前页</li></ul>
  <p>打印本页 关闭窗口</p>
  <p>打印</p><p>分享</p><p>返回列表</p>
  <p>【字体：大 中 小】</p>
  <p>字体大小：</p>
  <p>点击数：</p>
  <p>网站地图 | 联系我们</p>
</div>
<div class="foot">版权所有：某某区人民政府 网站标识码：2109030001 辽ICP备05001234号 辽公网安备21090302000123号</div>"#;
    let e = run(&page("", body), None);
    assert_eq!(
        e.text,
        "细河区2018年政府信息公开工作报告，是根据《中华人民共和国政府信息公开条例》的有关规定编制而成。\n\n\
         各单位可在门户网站下载并打印本报告，网站浏览量：12万次，比上年增长10%。\n\n\
         全年通过区政府网站主动公开各类信息1243条，其中网站地图栏目调整2次。"
    );
    assert_eq!(e.published_at.as_deref(), Some("2019-03-25"), "on-page 日期: snippet");
}

#[test]
fn chrome_in_a_text_density_page_is_dropped_with_the_surroundings() {
    // No container class: the generic path picks the prose block, not the menus.
    let body = r#"<div class="menu"><a href="/">首页</a> <a href="/zwgk/">政务公开</a> <a href="/bsfw/">办事服务</a></div>
<div class="article"><h2>东丰县2014年度政府信息公开工作年度报告</h2>
<p>发布日期：2015-01-29　　点击数：</p>
<p>今年以来，在县委、县政府的正确领导下，政务服务中心积极践行党的群众路线，坚持规范、高效、廉洁、优质的服务宗旨。</p>
<p>一、主要工作</p>
<p>建立县政府信息公开领导组织机构，明确各部门职责，由县政府统一领导，各职能部门分工协作。</p></div>
<div class="footer">主办单位：东丰县人民政府办公室 技术支持：某某公司</div>"#;
    let e = run(&page("<title>东丰县2014年度政府信息公开工作年度报告_东丰县人民政府</title>", body), None);
    assert_eq!(e.title, "东丰县2014年度政府信息公开工作年度报告");
    assert_eq!(e.report_year, Some(2014));
    assert_eq!(e.published_at.as_deref(), Some("2015-01-29"));
    assert!(e.warnings.iter().any(|w| w.contains("text density")), "{:?}", e.warnings);
    assert!(e.text.starts_with("今年以来，在县委"), "title and metadata line dropped: {}", e.text);
    assert!(e.text.contains("\n\n一、主要工作\n\n"));
    assert!(!e.text.contains("主办单位") && !e.text.contains("首页") && !e.text.contains("点击数"));
}

#[test]
fn metadata_labels_in_every_padding_and_layout() {
    // label and value in separate <td>s, letter-spaced with spaces, &ensp;, full-width spaces.
    let body = r#"<table class="xxgk"><tr><td>索&ensp;引&ensp;号：</td><td>11350128MB0001/2019-00012</td><td>主题分类</td><td>综合政务\政务公开</td></tr>
<tr><td>发文机关:</td><td>某县人民政府办公室</td><td>成文日期</td><td>2019年3月1日</td></tr>
<tr><td>文　　号</td><td>某政办〔2019〕12号</td><td>发布日期</td><td>2019/3/11</td></tr>
<tr><td>时　　效</td><td>有效</td><td>标　　题</td><td>某县2018年政府信息公开工作年度报告</td></tr></table>
<div id="zoom"><p>根据《中华人民共和国政府信息公开条例》要求，现公布某县2018年政府信息公开工作年度报告。</p></div>"#;
    let e = run(&page(r#"<meta name="ArticleTitle" content="错误的标题"><meta name="PubDate" content="2019-04-01 10:00">"#, body), None);
    assert_eq!(e.index_no.as_deref(), Some("11350128MB0001/2019-00012"));
    assert_eq!(e.category.as_deref(), Some("综合政务\\政务公开"));
    assert_eq!(e.publisher.as_deref(), Some("某县人民政府办公室"));
    assert_eq!(e.written_at.as_deref(), Some("2019-03-01"));
    assert_eq!(e.doc_no.as_deref(), Some("某政办〔2019〕12号"));
    assert_eq!(e.published_at.as_deref(), Some("2019-03-11"), "metadata block beats PubDate");
    assert_eq!(e.validity.as_deref(), Some("有效"));
    assert_eq!(e.title, "某县2018年政府信息公开工作年度报告", "metadata block beats ArticleTitle");
    assert_eq!(e.report_year, Some(2018));

    // li/span layouts with trailing colons and a value in a nested <font>/<em>.
    let body = r#"<ul class="info"><li>索　引　号：<font>0001-2020-00034</font></li><li>发文单位：<span>某市交通局</span></li>
<li>生成日期：<font>2020.05.06</font></li><li>发文字号：<font>某交〔2020〕7号</font></li><li>分　　类：<font>交通</font></li><li>有&ensp;效&ensp;性：<em>失效</em></li></ul>
<div class="TRS_Editor"><p>为进一步加强交通运输管理工作，现将有关事项通知如下，请各单位认真贯彻执行。</p></div>"#;
    let e = run(&page("", body), None);
    assert_eq!(e.index_no.as_deref(), Some("0001-2020-00034"));
    assert_eq!(e.publisher.as_deref(), Some("某市交通局"));
    assert_eq!(e.written_at.as_deref(), Some("2020-05-06"));
    assert_eq!(e.doc_no.as_deref(), Some("某交〔2020〕7号"));
    assert_eq!(e.category.as_deref(), Some("交通"));
    assert_eq!(e.validity.as_deref(), Some("失效"));
}

#[test]
fn metadata_block_inside_content_is_not_text() {
    let body = r#"<div class="TRS_Editor">
<table><tr><td>索引号：</td><td>000000000-2019-03710</td><td>发布机构：</td><td>地区行署办公室</td></tr>
<tr><td>发布日期：</td><td>2019-03-11</td><td>主题分类：</td><td>地直部门</td></tr></table>
<p>本年度报告依据《中华人民共和国政府信息公开条例》和省、地政府信息公开有关规定编制形成。</p>
<table><tr><td>指标</td><td>数量</td></tr><tr><td>主动公开</td><td>120</td></tr></table></div>"#;
    let e = run(&page("", body), None);
    assert_eq!(e.publisher.as_deref(), Some("地区行署办公室"));
    assert_eq!(e.category.as_deref(), Some("地直部门"));
    assert_eq!(e.text, "本年度报告依据《中华人民共和国政府信息公开条例》和省、地政府信息公开有关规定编制形成。\n\n指标 | 数量\n主动公开 | 120");
    assert_eq!(e.tables, vec![vec![vec!["指标".to_string(), "数量".into()], vec!["主动公开".into(), "120".into()]]]);
}

#[test]
fn meta_tags_case_insensitive_and_bad_values_rejected() {
    let head = r#"<meta name="articletitle" content="某区2021年政府信息公开工作年度报告"><meta name="PUBDATE" content="2022-01-20 09:30:00">
<meta name="contentsource" content="null"><meta name="SiteName" content="网站名称">"#;
    let e = run(&page(head, "<div id=zoom><p>正文第一段正文第一段正文第一段。</p></div>"), None);
    assert_eq!(e.title, "某区2021年政府信息公开工作年度报告");
    assert_eq!(e.published_at.as_deref(), Some("2022-01-20"));
    assert_eq!(e.publisher, None, "null rejected");

    let head = r#"<meta name="ArticleTitle" content="<$[标题]>"><meta name="PubDate" content="——"><title>某镇二〇二三年政府信息公开工作年度报告-某镇人民政府</title>"#;
    let e = run(&page(head, "<div id=zoom><p>正文第一段正文第一段正文第一段。</p></div>"), None);
    assert_eq!(e.title, "某镇二〇二三年政府信息公开工作年度报告");
    assert_eq!(e.report_year, Some(2023));
    assert_eq!(e.published_at, None);
}

/// A page with a short ContentSource and a 发布机构 block naming the full publisher.
fn publisher_page(extra_body: &str) -> String {
    page(
        r#"<meta name="ContentSource" content="区政府办">"#,
        &format!(
            r#"<table class="xxgk_table"><tr><td>索引号：</td><td>11210900MB1234567X/2019-00012</td><td>发布机构：</td><td>细河区人民政府办公室</td></tr>
<tr><td>发布日期：</td><td>2019-01-25</td><td>文号：</td><td></td></tr></table>{extra_body}
<div id="zoom"><p>细河区2018年政府信息公开工作年度报告正文第一段。</p></div>"#
        ),
    )
}

#[test]
fn family_defaults_do_not_beat_the_publisher_block() {
    for family in nianbao::site::family_names() {
        let rule = nianbao::site::family_rule(family).unwrap();
        assert!(rule.publisher.is_empty(), "family {family} sets a publisher selector");
        let e = run(&publisher_page(""), Some(&rule));
        assert_eq!(e.publisher.as_deref(), Some("细河区人民政府办公室"), "family {family}");
    }
    // Without a block, ContentSource is the fallback.
    let rule = nianbao::site::family_rule("hanweb").unwrap();
    let html = page(r#"<meta name="ContentSource" content="区政府办">"#, "<div id=zoom><p>正文第一段正文第一段。</p></div>");
    assert_eq!(run(&html, Some(&rule)).publisher.as_deref(), Some("区政府办"));
}

#[test]
fn a_site_rules_own_publisher_selector_still_wins() {
    let src = r#"
name = "xihe"
title = "阜新市细河区人民政府"
domains = ["www.xihe.gov.cn"]
extends = "hanweb"
[detail]
publisher = ".source@data-name"
"#;
    let site = nianbao::site::parse_str("xihe.toml", src).unwrap_or_else(|e| panic!("{e}"));
    let e = run(&publisher_page(r#"<span class="source" data-name="阜新市细河区人民政府办公室">来源</span>"#), Some(&site.detail));
    assert_eq!(e.publisher.as_deref(), Some("阜新市细河区人民政府办公室"));
    // The same site without the selector: the block.
    let site = nianbao::site::parse_str("xihe.toml", &src.replace("publisher = \".source@data-name\"", "")).unwrap();
    assert_eq!(run(&publisher_page(""), Some(&site.detail)).publisher.as_deref(), Some("细河区人民政府办公室"));
}

#[test]
fn rule_selectors_win_and_fall_through_in_order() {
    let body = r#"<h1 class="t">规则标题2022年度报告</h1><span class="src">来源：规则来源</span><span class="d">2023-02-01</span>
<div class="empty"></div>
<div class="main"><p>第一段正文。</p><div class="share">分享到微信</div><p>第二段（此件公开发布）</p></div>
<div class="TRS_Editor"><p>不应被选中的通用容器内容。</p></div>
<div class="fj"><a href="/files/report">年报全文</a></div>"#;
    let rule = DetailRule {
        title: vec![sel("h2.none"), sel("h1.t")],
        content: vec![sel("div.nothing"), sel("div.empty"), sel("div.main")],
        published_at: vec![sel("span.src"), sel("span.d")],
        publisher: vec![sel("span.src")],
        drop: vec![Selector::parse(".share").unwrap()],
        chrome: vec![Regex::new(r"（此件公开发布）").unwrap()],
        attachments: vec![sel("div.fj a@href")],
        ..DetailRule::default()
    };
    let e = run(&page(r#"<meta name="ArticleTitle" content="元标签标题">"#, body), Some(&rule));
    assert_eq!(e.title, "规则标题2022年度报告");
    assert_eq!(e.report_year, Some(2022));
    assert_eq!(e.published_at.as_deref(), Some("2023-02-01"), "first alternative yielding a date");
    assert_eq!(e.publisher.as_deref(), Some("来源：规则来源"), "rule values are taken as written");
    assert_eq!(e.text, "第一段正文。\n\n第二段");
    assert!(e.warnings.is_empty(), "{:?}", e.warnings);
    assert_eq!(e.attachments.len(), 1);
    assert_eq!(e.attachments[0].url, "http://www.example.gov.cn/files/report");
    assert_eq!(e.attachments[0].name, "年报全文");

    // A rule matching nothing falls back to the generic path and says so.
    let rule = DetailRule { content: vec![sel("#missing")], ..DetailRule::default() };
    let e = run(&page("", body), Some(&rule));
    assert_eq!(e.text, "不应被选中的通用容器内容。");
    assert!(e.warnings.iter().any(|w| w.contains("#missing") && w.contains(".TRS_Editor")), "{:?}", e.warnings);
}

#[test]
fn rule_metadata_containers_are_read_and_removed() {
    let body = r#"<div class="con"><div class="meta"><span>索引号:</span><span>A-1</span> <span>文号:</span><span>B〔2024〕2号</span></div>
<p>正文内容足够长足够长足够长。</p></div>"#;
    let rule = DetailRule { content: vec![sel("div.con")], metadata: vec![sel("div.meta")], ..DetailRule::default() };
    let e = run(&page("", body), Some(&rule));
    assert_eq!(e.index_no.as_deref(), Some("A-1"));
    assert_eq!(e.doc_no.as_deref(), Some("B〔2024〕2号"));
    assert_eq!(e.text, "正文内容足够长足够长足够长。");
}

#[test]
fn nested_layout_tables_only_leaf_tables_are_tables() {
    let body = r#"<table width="100%"><tr><td><table><tr><td class="zoom_wrapper">
<div id="zoom"><p>一、总体情况</p><table border="1"><tr><td>项目</td><td>件数</td></tr><tr><td>新收申请</td><td>5</td></tr></table>
<table><tr><td><p>单格包装表里的段落文字。</p></td></tr></table></div></td></tr></table></td></tr></table>"#;
    let e = run(&page("", body), None);
    assert_eq!(e.tables, vec![vec![vec!["项目".to_string(), "件数".into()], vec!["新收申请".into(), "5".into()]]]);
    assert_eq!(e.text, "一、总体情况\n\n项目 | 件数\n新收申请 | 5\n\n单格包装表里的段落文字。");
}

#[test]
fn page_frame_table_is_layout_and_its_article_block_is_the_content() {
    // The old template of sites/dongfeng (no CMS markers): header, nav, then one wide table
    // whose cells are a side menu and the article (metadata list, heading, article div, editor).
    let para = |t: &str| format!("<p>\u{3000}\u{3000}{t}</p>");
    let article: String = [
        "今年以来，在县委、县政府的正确领导下，政务服务中心积极践行党的群众路线。",
        "一、主要工作",
        "扎实开展党的群众路线教育实践活动，全面提高为民服务的能力和水平。",
        "根据全县专项整治工作部署会议要求，中心牵头开展了行政审批改革障碍专项整治。",
    ]
    .iter()
    .map(|t| para(t))
    .collect();
    let body = format!(
        r#"<div class="topbar"><span>欢迎访问东丰县人民政府门户网站！</span><span><a href="/login.html">登录</a> <a href="/register.html">注册</a> | <a href="/wzdt/">网站地图</a></span></div>
<div class="nav"><ul><li><a href="/">首页</a></li><li><a href="/zwgk/">政务公开</a></li><li><a href="/hdjl/">互动交流</a></li></ul></div>
<table width="1000" align="center"><tr>
<td width="230" class="left"><div class="left_tit">政府信息公开</div><ul class="left_menu"><li><a href="a/">政府信息公开指南</a></li><li><a href="b/">政府信息公开制度</a></li><li><a href="c/">政府信息公开年报</a></li></ul></td>
<td width="770"><ul class="info_list"><li><span>索　引　号：</span>11220421013784578Y/2015-00003</li><li><span>发布机构：</span>东丰县政务服务中心</li><li><span>发布日期：</span>2015年01月29日</li></ul>
<h1>东丰县2014年度政府信息公开工作年度报告</h1><div>{article}</div><div class="editor">责任编辑：孙喆</div></td>
</tr></table><div class="footer"><p>主办单位：东丰县人民政府办公室</p></div>"#
    );
    let e = run(&page("", &body), None);
    assert!(e.tables.is_empty(), "the frame is not a data table: {:?}", e.tables);
    assert_eq!(
        e.text,
        "今年以来，在县委、县政府的正确领导下，政务服务中心积极践行党的群众路线。\n\n一、主要工作\n\n\
         扎实开展党的群众路线教育实践活动，全面提高为民服务的能力和水平。\n\n\
         根据全县专项整治工作部署会议要求，中心牵头开展了行政审批改革障碍专项整治。"
    );
    assert_eq!(e.warnings, vec!["content: generic fallback: text density (div)".to_string()]);
    assert_eq!(e.publisher.as_deref(), Some("东丰县政务服务中心"));
    assert_eq!(e.index_no.as_deref(), Some("11220421013784578Y/2015-00003"));
}

#[test]
fn attachments_of_every_kind_resolved_and_deduplicated() {
    let head = r#"<base href="http://www.example.gov.cn/zwgk/zfxxgknb/201903/">"#;
    let body = r#"<div id="zoom"><p>附件：</p>
<p><a href="./P020190325123.pdf">某区2018年政府信息公开工作年度报告.pdf</a></p>
<p><a href="/module/download/downfile.jsp?classid=0&amp;filename=2744946c3924484685880c1e225222d1.docx"><img src="/module/jslib/icons/word.png"/></a></p>
<p><a data-appendix="true" href="./P020190325999.et" title="统计表.et"></a></p>
<p><a href="P020190325123.pdf">重复链接</a></p>
<p><a href="javascript:void(0)" onclick="print()">打印</a></p>
<p><a href="./t20190101_2.html">上一篇</a></p>
<iframe src="/pdfjs/web/viewer.html?file=/att/report.ofd"></iframe></div>"#;
    let e = run(&page(head, body), None);
    let got: Vec<(&str, &str)> = e.attachments.iter().map(|a| (a.url.as_str(), a.name.as_str())).collect();
    assert_eq!(
        got,
        vec![
            ("http://www.example.gov.cn/zwgk/zfxxgknb/201903/P020190325123.pdf", "某区2018年政府信息公开工作年度报告.pdf"),
            (
                "http://www.example.gov.cn/module/download/downfile.jsp?classid=0&filename=2744946c3924484685880c1e225222d1.docx",
                "2744946c3924484685880c1e225222d1.docx"
            ),
            ("http://www.example.gov.cn/zwgk/zfxxgknb/201903/P020190325999.et", "统计表.et"),
            ("http://www.example.gov.cn/pdfjs/web/viewer.html?file=/att/report.ofd", "report.ofd"),
        ]
    );
    assert!(!e.text.contains("附件："), "empty 附件： label left: {}", e.text);
}

#[test]
fn paragraphs_lines_and_whitespace() {
    let body = "<div id=zoom>\n  <p>&nbsp;&nbsp;第一段，\n  继续第一段。</p><p></p><p>&nbsp;</p>\n<p>第二段第一行<br>第二段第二行</p>\n\
                <div><div><p>　　第三段  Windows   10 系统</p></div></div><script>document.write('脚本')</script><!-- 注释 --></div>";
    let e = run(&page("", body), None);
    assert_eq!(e.text, "第一段，继续第一段。\n\n第二段第一行\n第二段第二行\n\n第三段 Windows 10 系统");
}

#[test]
fn degenerate_pages_do_not_panic() {
    for html in ["", "<html>", "纯文本，没有标签", "<table><tr><td rowspan=65535 colspan=100000>x</td></tr></table>"] {
        let e = run(html, None);
        assert_eq!(e.url, URL);
    }
    let e = run("", None);
    assert!(e.warnings.iter().any(|w| w.contains("no text")), "{:?}", e.warnings);
    // Deep nesting: the walks are iterative, no stack overflow.
    let depth = 3_000; // html5ever itself is quadratic in depth; this is about our walks
    let html = format!("{}<p>深层正文内容深层正文内容</p>{}", "<div>".repeat(depth), "</div>".repeat(depth));
    let e = run(&html, None);
    assert_eq!(e.text, "深层正文内容深层正文内容");
}

#[test]
fn small_data_table_with_date_headers_stays_in_the_content() {
    let body = r#"<div id="zoom"><p>今年共举办政府开放日活动两次，具体安排如下表所示，欢迎群众参加。</p>
<table><tr><td>日期</td><td>时间</td><td>地点</td></tr><tr><td>5月15日</td><td>上午</td><td>大厅</td></tr></table></div>"#;
    let e = run(&page("", body), None);
    assert_eq!(e.tables.len(), 1, "{}", e.text);
    assert!(e.text.ends_with("日期 | 时间 | 地点\n5月15日 | 上午 | 大厅"), "{}", e.text);
}
