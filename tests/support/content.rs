//! Deterministic fixture sites: county portals in TRS, Hanweb and "下一页" styles, in GBK or
//! UTF-8, with list pages, detail pages (gov meta tags, metadata block, report body with a
//! table, chrome) and PDF attachments. Text comes from real report lines
//! (`tests/fixtures/mock/lines.txt`, taken from /work/shared/seeds).

use super::http::{HttpRequest, HttpResponse};

/// Real report sentences.
pub const LINES: &str = include_str!("../fixtures/mock/lines.txt");

/// Counties used for site titles (cycled, with a number appended past the end of the list).
const COUNTIES: &[&str] = &[
    "平潭县", "晋安区", "湖里区", "细河区", "东丰县", "揭东区", "雨花区", "水城区", "密云区", "怀柔区",
    "顺义区", "朝阳县", "延庆区", "丰台区", "门头沟区", "房山区", "通州区", "平谷区", "海淀区", "德清县",
];

/// Character encoding of a site's pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    /// GBK bytes, labelled gb2312 in the page (as real sites do) and GBK in the header.
    Gbk,
}

/// CMS / pagination style.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// TRS WCM: `index.html`, `index_1.html` … with `createPageHTML(count, cur, "index", "html")`.
    Trs,
    /// Hanweb jcms: column page with an inline `<datastore>`, later windows by POST to
    /// `/module/web/jpage/dataproxy.jsp`.
    Hanweb,
    /// Plain `list_N.html` pages linked by "下一页".
    NextLink,
}

/// One generated document.
#[derive(Debug, Clone)]
pub struct MockDoc {
    pub id: u32,
    pub title: String,
    /// Publication date, `YYYY-MM-DD`.
    pub date: String,
    /// Report year (the year before publication).
    pub year: u32,
    /// Path of the detail page.
    pub path: String,
    /// Path of the PDF attachment.
    pub attachment_path: String,
    pub attachment_name: String,
    /// Paragraphs of the body, in order.
    pub paragraphs: Vec<String>,
    /// True for annual reports (others are unrelated notices a `keep` filter should drop).
    pub is_report: bool,
}

/// One generated site.
#[derive(Debug, Clone)]
pub struct SiteContent {
    pub index: usize,
    pub host: String,
    pub name: String,
    pub title: String,
    pub encoding: Encoding,
    pub style: Style,
    pub per_page: usize,
    pub docs: Vec<MockDoc>,
}

fn lines() -> Vec<&'static str> {
    LINES.lines().map(str::trim).filter(|l| !l.is_empty()).collect()
}

impl SiteContent {
    /// Generate site `index` with `docs` documents.
    pub fn generate(index: usize, docs: usize, encoding: Encoding, style: Style, per_page: usize) -> SiteContent {
        let county = match COUNTIES.get(index) {
            Some(c) => c.to_string(),
            None => format!("{}{}", COUNTIES[index % COUNTIES.len()], index / COUNTIES.len() + 1),
        };
        let host = format!("www.county{}.gov.cn", index + 1);
        let lines = lines();
        let col = 10_000 + index as u32;
        let docs = (0..docs)
            .map(|k| {
                let id = (index as u32 + 1) * 1000 + k as u32;
                let year = 2023 - (k as u32 % 8);
                let (month, day) = (1 + k as u32 % 3, 10 + k as u32 % 18);
                let date = format!("{}-{month:02}-{day:02}", year + 1);
                let is_report = k % 4 != 3;
                let title = if is_report {
                    format!("{county}{year}年政府信息公开工作年度报告")
                } else {
                    format!("关于印发{county}{year}年政务公开工作要点的通知（{k}）")
                };
                let ymd = date.replace('-', "");
                let hex = format!("{:032x}", (id as u128) * 0x9e37_79b9_7f4a_7c15);
                let (path, attachment_path) = match style {
                    Style::Trs => (
                        format!("/zwgk/zfxxgknb/{}/t{ymd}_{id}.html", &ymd[..6]),
                        format!("/zwgk/zfxxgknb/{}/P0{ymd}{id:06}.pdf", &ymd[..6]),
                    ),
                    Style::Hanweb => (
                        format!("/art/{}/{month}/{day}/art_{col}_{id}.html", year + 1),
                        format!("/module/download/downfile.jsp?classid=0&filename={hex}.pdf"),
                    ),
                    Style::NextLink => (format!("/xxgk/ndbg/content_{id}.html"), format!("/uploads/{id}.pdf")),
                };
                let paragraphs = (0..6).map(|j| lines[(index * 7 + k * 3 + j) % lines.len()].to_string()).collect();
                MockDoc {
                    id,
                    attachment_name: format!("{title}.pdf"),
                    title,
                    date,
                    year,
                    path,
                    attachment_path,
                    paragraphs,
                    is_report,
                }
            })
            .collect();
        SiteContent {
            index,
            name: format!("county{}", index + 1),
            title: format!("{county}人民政府"),
            host,
            encoding,
            style,
            per_page: per_page.max(1),
            docs,
        }
    }

    /// Path of the first list page.
    pub fn list_path(&self) -> String {
        match self.style {
            Style::Trs => "/zwgk/zfxxgknb/index.html".into(),
            Style::Hanweb => format!("/col/col{}/index.html", 10_000 + self.index),
            Style::NextLink => "/xxgk/ndbg/list_1.html".into(),
        }
    }

    /// Number of list pages (TRS/NextLink) or records per Hanweb window.
    pub fn page_count(&self) -> usize {
        self.docs.len().div_ceil(self.per_page).max(1)
    }

    fn charset(&self) -> &'static str {
        match self.encoding {
            Encoding::Utf8 => "utf-8",
            Encoding::Gbk => "gb2312",
        }
    }

    /// HTML text → response bytes in the site's encoding, with a matching header.
    fn html(&self, status: u16, text: &str) -> HttpResponse {
        match self.encoding {
            Encoding::Utf8 => HttpResponse::new(status, "text/html; charset=utf-8", text.as_bytes().to_vec()),
            Encoding::Gbk => {
                let (bytes, _, unmappable) = encoding_rs::GBK.encode(text);
                assert!(!unmappable, "fixture text must be GBK-encodable");
                HttpResponse::new(status, "text/html; charset=GBK", bytes.into_owned())
            }
        }
    }

    fn page(&self, title: &str, head_extra: &str, body: &str) -> String {
        format!(
            "<!DOCTYPE html>\n<html>\n<head>\n<meta http-equiv=\"Content-Type\" content=\"text/html; charset={cs}\">\n\
             <title>{title}_{site}</title>\n<meta name=\"SiteName\" content=\"{site}\">\n\
             <meta name=\"SiteDomain\" content=\"{host}\">\n<meta name=\"SiteIDCode\" content=\"35012800{idx:02}\">\n{head_extra}\
             </head>\n<body>\n<div class=\"header\"><a href=\"/\">首页</a> <a href=\"/zwgk/\">政务公开</a> <a href=\"/sitemap.html\">网站地图</a></div>\n\
             {body}\n<div class=\"footer\">主办单位：{site}办公室 版权所有 网站标识码：35012800{idx:02} 闽ICP备05000000号</div>\n</body>\n</html>\n",
            cs = self.charset(),
            site = self.title,
            host = self.host,
            idx = self.index,
        )
    }

    fn list_items(&self, docs: &[MockDoc], relative_to: &str) -> String {
        docs.iter()
            .map(|d| {
                let href = d.path.strip_prefix(relative_to).map(|p| format!("./{p}")).unwrap_or_else(|| d.path.clone());
                format!("<li><a href=\"{href}\" title=\"{t}\" target=\"_blank\">{t}</a><span class=\"date\">{date}</span></li>", t = d.title, date = d.date)
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Answer a request for this site, or `None` (→ 404).
    pub fn route(&self, req: &HttpRequest) -> Option<HttpResponse> {
        let path = req.path();
        if let Some(doc) = self.docs.iter().find(|d| d.path == path) {
            return Some(self.detail(doc));
        }
        if let Some(doc) = self.docs.iter().find(|d| d.attachment_path.split('?').next() == Some(path)) {
            if self.style == Style::Hanweb {
                // downfile.jsp 302-redirects to /attach/0/<hex>.pdf.
                let file = req.param("filename").unwrap_or_default();
                return Some(HttpResponse::redirect(302, &format!("/attach/0/{file}")));
            }
            return Some(pdf(doc));
        }
        if let Some(file) = path.strip_prefix("/attach/0/") {
            let doc = self.docs.iter().find(|d| d.attachment_path.ends_with(file))?;
            return Some(pdf(doc));
        }
        match self.style {
            Style::Trs => {
                let n = if path == "/zwgk/zfxxgknb/index.html" || path == "/zwgk/zfxxgknb/" {
                    0
                } else {
                    path.strip_prefix("/zwgk/zfxxgknb/index_")?.strip_suffix(".html")?.parse().ok()?
                };
                (n < self.page_count()).then(|| self.trs_list(n))
            }
            Style::Hanweb => {
                if path == self.list_path() {
                    return Some(self.hanweb_column());
                }
                if path == "/module/web/jpage/dataproxy.jsp" && req.method == "POST" {
                    return Some(self.hanweb_window(req));
                }
                None
            }
            Style::NextLink => {
                let n: usize = path.strip_prefix("/xxgk/ndbg/list_")?.strip_suffix(".html")?.parse().ok()?;
                (n >= 1 && n <= self.page_count()).then(|| self.next_list(n))
            }
        }
    }

    fn trs_list(&self, n: usize) -> HttpResponse {
        let docs: Vec<MockDoc> = self.docs.iter().skip(n * self.per_page).take(self.per_page).cloned().collect();
        let body = format!(
            "<div class=\"position\">当前位置：首页 &gt; 政务公开 &gt; 政府信息公开年报</div>\n<ul class=\"list\">\n{}\n</ul>\n\
             <div class=\"page\"><script>var currentPage = {n};//所在页从0开始\nvar countPage = {c}//共多少页\n\
             createPageHTML({c}, {n}, \"index\", \"html\");</script></div>",
            self.list_items(&docs, "/zwgk/zfxxgknb/"),
            c = self.page_count()
        );
        self.html(200, &self.page("政府信息公开年报", "<meta name=\"ColumnName\" content=\"政府信息公开年报\">\n", &body))
    }

    fn hanweb_record(d: &MockDoc) -> String {
        format!(
            "<record><![CDATA[<li><a href='{p}' title='{t}' target='_blank'>{t}</a><span>{date}</span></li>]]></record>",
            p = d.path,
            t = d.title,
            date = d.date
        )
    }

    /// Records per dataproxy window (three pages, like the real 45/15).
    pub fn hanweb_window_size(&self) -> usize {
        self.per_page * 3
    }

    fn hanweb_column(&self) -> HttpResponse {
        let col = 10_000 + self.index;
        let unit = 200_000 + self.index;
        let first: String = self.docs.iter().take(self.hanweb_window_size()).map(Self::hanweb_record).collect();
        let body = format!(
            "<div id=\"{unit}\"><script type=\"text/xml\"><datastore>\n<nextgroup><![CDATA[<a href=\"/module/web/jpage/dataproxy.jsp?page=1&appid=1&webid=1&path=/&columnid={col}&unitid={unit}&webname={site}&permissiontype=0\"></a>]]></nextgroup>\n\
             <recordset>\n{first}\n</recordset>\n</datastore></script>\n\
             <script>var param_{unit} = {{col:1,webid:1,path:'/',columnid:{col},sourceContentType:1,unitid:'{unit}',webname:'{site}',permissiontype:0}};\n\
             $('#{unit}').jpage({{totalRecord:{total},perPage:{pp},dataStore:'',proxyUrl:'/module/web/jpage/dataproxy.jsp',groupSize:3}});</script></div>",
            site = self.title,
            total = self.docs.len(),
            pp = self.per_page,
        );
        self.html(200, &self.page("政府信息公开年报", &format!("<meta name=\"i_columnid\" content=\"{col}\">\n"), &body))
    }

    fn hanweb_window(&self, req: &HttpRequest) -> HttpResponse {
        let start: usize = req.param("startrecord").and_then(|v| v.parse().ok()).unwrap_or(1).max(1);
        let end: usize = req.param("endrecord").and_then(|v| v.parse().ok()).unwrap_or(start + 44);
        // Records are 1-based; groups after the first start with one overlapping record (the
        // last of the previous group), as on real sites.
        let from = if start > 1 { start - 2 } else { 0 };
        let to = end.min(self.docs.len());
        let recs: String = self.docs.get(from..to.max(from)).unwrap_or_default().iter().map(Self::hanweb_record).collect();
        let xml = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><datastore><totalrecord>{}</totalrecord><totalpage>{}</totalpage><recordset>{recs}</recordset></datastore>",
            self.docs.len(),
            self.page_count()
        );
        HttpResponse::new(200, "text/xml;charset=UTF-8", xml.into_bytes())
    }

    fn next_list(&self, n: usize) -> HttpResponse {
        let docs: Vec<MockDoc> = self.docs.iter().skip((n - 1) * self.per_page).take(self.per_page).cloned().collect();
        let last = self.page_count();
        let mut nav = String::from("<div class=\"pagination\"><a href=\"list_1.html\">首页</a>");
        if n > 1 {
            nav.push_str(&format!("<a href=\"list_{}.html\">上一页</a>", n - 1));
        }
        if n < last {
            nav.push_str(&format!("<a class=\"next\" href=\"list_{}.html\">下一页</a>", n + 1));
        }
        nav.push_str(&format!("<a href=\"list_{last}.html\">尾页</a><span>第{n}页/共{last}页</span></div>"));
        let body = format!("<div class=\"news-list\"><ul>\n{}\n</ul></div>\n{nav}", self.list_items(&docs, "/xxgk/ndbg/"));
        self.html(200, &self.page("年度报告", "", &body))
    }

    fn detail(&self, d: &MockDoc) -> HttpResponse {
        let container = match self.style {
            Style::Trs => "<div class=\"TRS_Editor\"><div class=\"Custom_UnionStyle\">",
            Style::Hanweb => "<div id=\"zoom\"><!--<$[信息内容]>begin--><!--ZJEG_RSS.content.begin--><meta name=\"ContentStart\"><div>",
            Style::NextLink => "<div class=\"article-content\"><div>",
        };
        let close = match self.style {
            Style::Hanweb => "</div><meta name=\"ContentEnd\"><!--ZJEG_RSS.content.end--><!--<$[信息内容]>end--></div>",
            _ => "</div></div>",
        };
        let mut text = String::new();
        for (j, p) in d.paragraphs.iter().enumerate() {
            if j == 2 {
                text.push_str("<p>二、主动公开政府信息情况</p>\n<table border=\"1\"><tr><td>信息内容</td><td>本年制发件数</td><td>本年废止件数</td><td>现行有效件数</td></tr>\
                    <tr><td>规章</td><td>0</td><td>0</td><td>0</td></tr><tr><td>行政规范性文件</td><td>3</td><td>1</td><td>12</td></tr></table>\n");
            }
            text.push_str(&format!("<p class=\"MsoNormal\" style=\"text-indent:2em\">{p}</p>\n"));
        }
        let attach = d.attachment_path.rsplit('/').next().unwrap_or_default();
        let href = if self.style == Style::Trs { format!("./{attach}") } else { d.attachment_path.clone() };
        let body = format!(
            "<div class=\"article\">\n<h1 class=\"title\">{t}</h1>\n\
             <table class=\"xxgk_table\"><tr><td>索&ensp;引&ensp;号：</td><td>35012800{idx:02}-{y}-{id}</td><td>发布机构：</td><td>{site}办公室</td></tr>\
             <tr><td>发布日期：</td><td>{date}</td><td>文　　号：</td><td></td></tr><tr><td>主题分类：</td><td>政务公开</td><td>有&ensp;效&ensp;性：</td><td>有效</td></tr></table>\n\
             <div class=\"info\">发布时间：{date} 来源：{site}办公室 【字体：<a>大</a> <a>中</a> <a>小</a>】 浏览次数：</div>\n\
             {container}\n<p style=\"text-align:center\"><b>{t}</b></p>\n{text}{close}\n\
             <div class=\"attachments\">相关附件：<a href=\"{href}\" appendix=\"true\">{an}</a></div>\n\
             <div class=\"tools\">扫一扫在手机打开当前页 <a href=\"javascript:window.print()\">打印本页</a> <a href=\"javascript:window.close()\">关闭窗口</a></div>\n</div>",
            t = d.title,
            idx = self.index,
            y = d.year + 1,
            id = d.id,
            site = self.title,
            date = d.date,
            an = d.attachment_name,
        );
        let metas = format!(
            "<meta name=\"ArticleTitle\" content=\"{t}\">\n<meta name=\"PubDate\" content=\"{date} 09:30\">\n\
             <meta name=\"ContentSource\" content=\"{site}办公室\">\n<meta name=\"ColumnName\" content=\"政府信息公开年报\">\n",
            t = d.title,
            date = d.date,
            site = self.title
        );
        self.html(200, &self.page(&d.title, &metas, &body))
    }
}

/// A small but well-formed PDF whose text is the document title (bytes start with `%PDF-`).
pub fn pdf(d: &MockDoc) -> HttpResponse {
    let mut b = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n".to_vec();
    b.extend_from_slice(format!("% {} {}\n", d.id, d.date).as_bytes());
    b.extend_from_slice(b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n");
    HttpResponse::new(200, "application/octet-stream", b)
        .header("Content-Disposition", format!("attachment; filename=\"P0{}.pdf\"", d.id))
}
