//! Shared helpers for the archive tests and the archive benchmark: realistic annual reports
//! (the national template's sections and tables, sentences from real reports) as `Extracted`
//! values and as raw GBK/UTF-8 HTML bytes.
#![allow(dead_code)]

use nianbao::archive::{Archive, FetchKind, FetchRecord};
use nianbao::extract::{Attachment, Extracted, Table};

/// Real sentences from annual reports (seeds 000, 002, 004).
pub const SENTENCES: &[&str] = &[
    "本年度报告依据《中华人民共和国政府信息公开条例》和省、地政府信息公开有关规定,在总结信息公开和办事公开工作基础上编制形成。",
    "本年度报告统计日期自1月1日起至12月31日止。",
    "坚持把政府信息公开作为依法行政、加强监督、勤政廉政建设的一项重要内容,推进行政审批公开透明运行。",
    "加强了对全区各部门单位政府信息依申请公开工作的指导,全区共受理依申请公开38例,按时回复率100%。",
    "在区政府门户网站设置“重点领域政府信息公开”专栏,并在网站首页开设了直通链接。",
    "指导各部门单位在处理内容比较敏感、答复难度较大、社会效应预期复杂的申请时,及时与有关部门协调会商。",
    "努力拓宽公开渠道、创新公开方法、丰富公开形式,有效整合利用政府门户网站、新闻媒体资源。",
    "建立对部门窗口和窗口工作人员全方位、多渠道的服务评价体系,激励先进,鞭策后进。",
];

const SECTIONS: &[&str] = &[
    "一、总体情况",
    "二、主动公开政府信息情况",
    "三、收到和处理政府信息公开申请情况",
    "四、政府信息公开行政复议、行政诉讼情况",
    "五、存在的主要问题及改进情况",
    "六、其他需要报告的事项",
];

/// Deterministic small numbers for table cells.
fn num(seed: u64, i: u64) -> u64 {
    let mut x = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(i.wrapping_mul(1442695040888963407));
    x ^= x >> 33;
    x % 200
}

/// The 2021 template's application table (自然人 / 法人或其他组织 / 总计), shortened.
pub fn application_table(seed: u64) -> Table {
    let header = [
        "",
        "自然人",
        "商业企业",
        "科研机构",
        "社会公益组织",
        "法律服务机构",
        "其他",
        "总计",
    ];
    let rows = [
        "一、本年新收政府信息公开申请数量",
        "二、上年结转政府信息公开申请数量",
        "(一)予以公开",
        "(二)部分公开",
        "四、结转下年度继续办理",
    ];
    let mut t = vec![header.iter().map(|s| s.to_string()).collect::<Vec<_>>()];
    for (r, label) in rows.iter().enumerate() {
        let mut row = vec![label.to_string()];
        let cells: Vec<u64> = (0..6).map(|c| num(seed, (r * 8 + c) as u64)).collect();
        row.extend(cells.iter().map(u64::to_string));
        row.push(cells.iter().sum::<u64>().to_string());
        t.push(row);
    }
    t
}

/// A realistic annual report extraction. `i` varies the county, numbers and text.
pub fn report(site: &str, i: u64, year: i32) -> Extracted {
    let county = format!(
        "{}县",
        ["平潭", "东丰", "雨花", "连江", "闽侯"][(i % 5) as usize]
    );
    let title = format!("{county}{year}年政府信息公开工作年度报告(第{i}号)");
    let mut text = String::new();
    for (s, section) in SECTIONS.iter().enumerate() {
        text.push_str(section);
        text.push_str("\n\n");
        for k in 0..3 {
            text.push_str(SENTENCES[(i as usize + s * 3 + k) % SENTENCES.len()]);
        }
        text.push_str(&format!("本项统计编号{i}-{s}。\n\n"));
    }
    let url = format!("https://www.{site}.gov.cn/zwgk/zfxxgknb/{year}03/t{year}0308_{i}.htm");
    Extracted {
        url: url.clone(),
        site: Some(site.to_string()),
        title,
        text,
        published_at: Some(format!("{}-03-{:02}", year + 1, 1 + i % 28)),
        written_at: None,
        publisher: Some(format!("{county}人民政府办公室")),
        index_no: Some(format!("000000000-{year}-{i:05}")),
        doc_no: None,
        category: Some("政府信息公开年报".into()),
        validity: None,
        report_year: Some(year),
        tables: vec![application_table(i)],
        attachments: vec![Attachment {
            url: format!("https://www.{site}.gov.cn/zwgk/zfxxgknb/{year}03/P0{year}0308_{i}.pdf"),
            name: format!("{county}{year}年年报.pdf"),
        }],
        ..Default::default()
    }
}

/// A TRS-like detail page holding the report, with the usual chrome, about 10 KB.
pub fn html(e: &Extracted, views: u64) -> String {
    let mut body = String::new();
    for p in e.text.split("\n\n") {
        body.push_str(&format!(
            "<p class=\"MsoNormal\"><span style=\"font-family:仿宋\">{p}</span><o:p></o:p></p>\n"
        ));
    }
    for t in &e.tables {
        body.push_str("<table border=\"1\">");
        for row in t {
            body.push_str("<tr>");
            for c in row {
                body.push_str(&format!(
                    "<td><p align=\"center\"><span>{c}</span></p></td>"
                ));
            }
            body.push_str("</tr>\n");
        }
        body.push_str("</table>\n");
    }
    let nav: String = (0..40)
        .map(|k| format!("<li><a href=\"/col{k}/\">栏目{k}</a></li>"))
        .collect();
    format!(
        "<!DOCTYPE html><html><head><meta charset=\"gbk\"><meta name=\"ArticleTitle\" content=\"{t}\">\
         <meta name=\"PubDate\" content=\"{d}\"><meta name=\"ContentSource\" content=\"{p}\"><title>{t}</title></head>\
         <body><div class=\"nav\"><ul>{nav}</ul></div><div class=\"xxgk\">索引号:{ix} 发布机构:{p}</div>\
         <div class=\"TRS_Editor\">{body}</div><div class=\"tools\">扫一扫在手机打开当前页 打印本页 关闭窗口 浏览次数:{views}</div>\
         <div class=\"footer\">版权所有 网站标识码3501280001 闽ICP备05000000号</div></body></html>",
        t = e.title,
        d = e.published_at.clone().unwrap_or_default(),
        p = e.publisher.clone().unwrap_or_default(),
        ix = e.index_no.clone().unwrap_or_default(),
    )
}

/// GBK bytes of `s` (real GBK encoding of real text).
pub fn gbk(s: &str) -> Vec<u8> {
    let (bytes, _, unmappable) = encoding_rs::GBK.encode(s);
    assert!(!unmappable, "text not representable in GBK");
    bytes.into_owned()
}

/// A detail-page fetch of `e` as GBK bytes.
pub fn detail_fetch(e: &Extracted, views: u64, run_id: Option<i64>) -> FetchRecord {
    fetch_with_body(e, gbk(&html(e, views)), run_id)
}

/// A detail-page fetch of `e` with the given raw body.
pub fn fetch_with_body(e: &Extracted, body: Vec<u8>, run_id: Option<i64>) -> FetchRecord {
    let mut r = FetchRecord::new(e.url.clone(), FetchKind::Detail, 200, body);
    r.headers = vec![
        ("Content-Type".into(), "text/html".into()),
        ("Server".into(), "TRS".into()),
    ];
    r.charset = Some("gb18030".into());
    r.charset_source = Some("meta".into());
    r.site = e.site.clone();
    r.run_id = run_id;
    r
}

/// A fresh archive in a temporary directory (kept alive by the returned guard).
pub async fn temp_archive() -> (tempfile::TempDir, Archive) {
    let dir = tempfile::tempdir().expect("tempdir");
    let archive = Archive::open(dir.path().join("db").join("nianbao.db"))
        .await
        .expect("open archive");
    (dir, archive)
}
