//! Extraction of real government pages (copies of /work/shared/fixtures/real in
//! tests/fixtures/extract/), without rules: the generic fallback must do the job.


use nianbao::extract::{extract, Extracted, Page};

fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/extract/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn run(name: &str, url: &str) -> Extracted {
    let html = fixture(name);
    extract(&Page { html: &html, url, site: Some("test") }, None)
}

const PINGTAN_NB: &str = "https://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgknb/202403/t20240308_87885.htm";

/// Find the row whose first cell starts with `label` in a table.
fn row<'a>(table: &'a [Vec<String>], label: &str) -> &'a Vec<String> {
    table.iter().find(|r| r[0].starts_with(label)).unwrap_or_else(|| panic!("no row {label}: {table:?}"))
}

#[test]
fn pingtan_2023_report_metadata_and_text() {
    let e = run("../../../sites/pingtan/report-2023.html", PINGTAN_NB);
    assert_eq!(e.title, "平潭综合实验区2023年度政府信息公开工作年度报告");
    assert_eq!(e.report_year, Some(2023));
    assert_eq!(e.published_at.as_deref(), Some("2024-03-08"));
    assert_eq!(e.publisher.as_deref(), Some("平潭综合实验区管委会办公室"));
    assert_eq!(e.site.as_deref(), Some("test"));
    assert!(e.warnings.iter().any(|w| w.contains(".TRS_Editor")), "{:?}", e.warnings);
    // Body starts with the first paragraph and keeps the section headings as paragraphs.
    assert!(e.text.starts_with("本报告根据《中华人民共和国政府信息公开条例》"), "{}", &e.text[..200]);
    assert!(e.text.contains("\n\n一、总体情况\n\n"));
    assert!(e.text.contains("统计期限自2023年1月1日起至2023年12月31日止。"));
    assert!(e.text.ends_with("2023年，无收取信息处理费情况。"), "{}", &e.text[e.text.len() - 200..]);
    // Chrome around the article never leaks in.
    for chrome in ["扫一扫", "关闭", "分享到", "当前位置", "无障碍浏览", "ICP备", "网站标识码"] {
        assert!(!e.text.contains(chrome), "{chrome} leaked");
    }
}

#[test]
fn pingtan_2023_report_statistical_tables() {
    let e = run("../../../sites/pingtan/report-2023.html", PINGTAN_NB);
    assert_eq!(e.tables.len(), 3, "three statistical tables");

    // 二、主动公开: colspan=4 section rows repeat across the grid.
    let t2 = &e.tables[0];
    assert_eq!(t2[0], vec!["第二十条第（一）项"; 4]);
    assert_eq!(row(t2, "行政规范性文件"), &vec!["行政规范性文件", "77", "132", "470"]);
    assert_eq!(row(t2, "行政许可"), &vec!["行政许可", "2629", "2629", "2629"]);

    // 三、申请情况: 10 columns; the header's rowspan/colspan expanded.
    let t3 = &e.tables[1];
    assert!(t3.iter().all(|r| r.len() == 10), "rectangular grid");
    assert_eq!(t3[1][3], "自然人");
    assert_eq!(t3[2][3], "自然人", "rowspan=2 repeats 自然人 below itself");
    assert_eq!(t3[1][4..9], vec!["法人或其他组织"; 5]);
    assert_eq!(t3[2][4..9], vec!["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"]);
    assert_eq!(t3[2][9], "总计");
    let new = row(t3, "一、本年新收");
    assert_eq!(new[3], "80", "自然人 column of 一、本年新收");
    assert_eq!(new[4], "1", "商业企业");
    assert_eq!(new[9], "81", "总计");
    // 三、本年度办理结果 spans 22 rows: every one of them starts with it.
    let results: Vec<_> = t3.iter().filter(|r| r[0] == "三、本年度办理结果").collect();
    assert_eq!(results.len(), 22);
    let refused = t3.iter().find(|r| r[2] == "1.属于国家秘密").expect("不予公开 row");
    assert_eq!(refused[1], "（三）不予公开");

    // 四、复议诉讼: 15 numeric columns in the last row.
    let t4 = &e.tables[2];
    let last = t4.last().unwrap();
    assert_eq!(last.len(), 15);
    assert_eq!(last[4], "2", "行政复议 总计");

    // Rendered in the text: one row per line, " | " between cells, colspans written once.
    assert!(e.text.contains("\n规章 | 0 | 0 | 0\n"));
    assert!(e.text.contains("\n行政许可 | 2629\n"));
    assert!(e.text.contains("\n一、本年新收政府信息公开申请数量 | 80 | 1 | 0 | 0 | 0 | 0 | 81\n"));
}

#[test]
fn pingtan_normative_document_li_metadata_with_ensp_and_word_body() {
    let e = run("../../../sites/pingtan/gfxwj-2015.html", "https://www.pingtan.gov.cn/zwgk/zfxxgk/gwhwj/hzgfxwj/201508/t20150823_79692.htm");
    assert_eq!(e.index_no.as_deref(), Some("PZ00101-1700-2023-00034"));
    assert_eq!(e.doc_no.as_deref(), Some("岚综管综〔2015〕175号"));
    assert_eq!(e.publisher.as_deref(), Some("平潭综合实验区交通建设局"));
    assert_eq!(e.written_at.as_deref(), Some("2015-08-31"));
    assert_eq!(e.published_at.as_deref(), Some("2015-08-23"));
    assert_eq!(e.validity.as_deref(), Some("有效"));
    assert_eq!(e.category, None, "主题分类 is 无");
    assert_eq!(e.report_year, None, "a notice, not a report: no year in the title");
    assert!(e.text.starts_with("区直各单位、各片区开发管理局、各乡镇人民政府、其他相关单位："), "{}", &e.text[..300]);
    assert!(e.text.contains("\n\n（一）要高度重视联审工作。各责任单位要增强责任意识"), "bold run joined to its paragraph");
    assert!(e.text.ends_with("平潭综合实验区管委会\n\n2015年8月31日"), "{}", &e.text[e.text.len() - 200..]);
    assert!(!e.text.contains("索引号") && !e.text.contains("索 引 号"));
    assert_eq!(e.attachments.len(), 1);
    assert_eq!(
        e.attachments[0].url,
        "https://www.pingtan.gov.cn/attachFiles/myfile/DATE_20230823/402802528a210804018a218e0c770007.doc"
    );
    assert_eq!(e.attachments[0].name, "附件：平潭综合实验区保障性住房配置各责任单位审核.doc");
}

#[test]
fn lishui_hanweb_table_metadata_body_table_and_downfile() {
    let e = run("../../../sites/lishui/xxgk-2023.html", "http://www.lishui.gov.cn/art/2023/10/23/art_1229283449_2493752.html");
    assert_eq!(e.index_no.as_deref(), Some("113325000026455663/2023-43887"));
    assert_eq!(e.doc_no.as_deref(), Some("丽政发〔2023〕30号"));
    assert_eq!(e.publisher.as_deref(), Some("市政府"), "metadata block beats ContentSource meta (市府办)");
    assert_eq!(e.written_at.as_deref(), Some("2023-10-16"));
    assert_eq!(e.published_at.as_deref(), Some("2023-10-23"));
    assert_eq!(e.tables.len(), 1, "the xxgk_article metadata table is not a content table");
    let t = &e.tables[0];
    assert_eq!(t[0], vec!["序号", "安置单位名称", "安置任务", "岗位类别"]);
    assert_eq!(t[1], vec!["1", "丽水国家粮食储备库", "1", "事业"]);
    assert_eq!(t.last().unwrap(), &vec!["合计", "合计", "29", ""]);
    assert!(e.text.contains("\n合计 | 29\n") || e.text.contains("\n合计 | 29 |"), "{}", e.text);
    assert!(!e.text.contains("打印") && !e.text.contains("语言播报"));
    assert_eq!(e.attachments.len(), 1);
    assert_eq!(
        e.attachments[0].url,
        "http://www.lishui.gov.cn/module/download/downfile.jsp?classid=0&filename=be5f1a4be0294db7abf660dd336b3fa5.pdf"
    );
    assert!(e.attachments[0].name.starts_with("丽水市人民政府关于下达2023年"));
}

#[test]
fn shanxi_trs_news_with_fullwidth_indentation() {
    let e = run("../../../sites/shanxi/news-2019.html", "http://www.shanxi.gov.cn/yw/sxyw/201909/t20190918_693227.shtml");
    assert_eq!(e.title, "山西品牌丝路行（南美站）正式启动");
    assert_eq!(e.published_at.as_deref(), Some("2019-09-18"));
    assert_eq!(e.publisher.as_deref(), Some("山西日报"));
    assert!(e.text.starts_with("图为山西品牌丝路行（南美站）启动仪式。（刘通摄）\n\n跨越千山万水"), "{}", &e.text[..200]);
    assert!(e.text.ends_with("（张巨峰）"));
    assert!(!e.text.contains('\u{3000}'), "full-width indentation trimmed");
    assert!(!e.text.contains("W020190918234243033577"), "image file names never appear");
    for chrome in ["扫一扫", "网站地图", "放大", "打印"] {
        assert!(!e.text.contains(chrome), "{chrome} leaked");
    }
}

#[test]
fn deqing_hanweb_markers_and_lowercase_meta_names() {
    let e = run("deqing_hanweb.html", "http://fgw.zj.gov.cn/art/2016/11/22/art_1621004_30332664.html");
    assert_eq!(e.title, "1-10月德清县固定资产投资结构趋稳趋优");
    assert_eq!(e.published_at.as_deref(), Some("2016-11-22"));
    assert_eq!(e.publisher.as_deref(), Some("省发改委"), "contentSource matched case-insensitively");
    assert!(e.text.starts_with("1-10月，全县固定资产投资完成246.79亿元"), "{}", &e.text[..200]);
}

#[test]
fn gov_cn_gazette_title_from_title_tag_with_fullwidth_space() {
    let e = run("gov_cn_gongbao.html", "https://www.gov.cn/gongbao/content/2007/content_711039.htm");
    assert_eq!(e.title, "全国人民代表大会常务委员会关于批准财政部发行特别国债购买外汇及调整2007年末国债余额限额的决议");
    assert!(e.warnings.iter().any(|w| w.contains("#UCAP-CONTENT")), "{:?}", e.warnings);
    assert!(e.text.contains("调整2007年末国债余额限额的决议\n（2007年6月29日"), "<br> is a line break: {}", &e.text[..300]);
    assert!(!e.text.contains("扫一扫"));
}

#[test]
fn nfra_merged_cells_found_by_density() {
    let e = run("nfra_merged.html", "https://www.nfra.gov.cn/cn/view/pages/ItemDetail.html?docId=1212085");
    assert!(e.warnings.iter().any(|w| w.contains("text density")), "{:?}", e.warnings);
    assert_eq!(e.tables.len(), 1, "{:?}", e.tables);
    let t = &e.tables[0];
    assert_eq!(t.len(), 3);
    assert_eq!(t[0][2], "行政处罚决定书文号");
    // rowspan=2 cells repeat in the second data row.
    assert_eq!(t[1][2], "浙金罚决字〔2024〕52号");
    assert_eq!(t[2][2], "浙金罚决字〔2024〕52号");
    assert_eq!(t[2][5], "浙江金融监管局");
    assert_eq!(t[2][3], t[1][3]);
    assert_eq!(t[2][1], "陈首伟（时任中国太平洋财产保险股份有限公司温州分公司副总经理）");
    assert_eq!(t[2][4], "警告并罚款14万元");
    assert!(!e.text.contains("版权与免责声明"));
    assert!(!e.text.contains("font-family"), "Word <style> never leaks");
}

#[test]
fn cmse_long_page_is_clean() {
    let html = fixture("cmse_long.html");
    assert!(html.len() > 400_000);
    let page = Page { html: &html, url: "http://www.cmse.gov.cn/xwzx/201206/t20120624_1.html", site: None };
    // Its speed is measured by `cargo bench --bench extract`, not here.
    let e = extract(&page, None);
    assert_eq!(e.title, "天宫一号与神舟九号载人交会对接任务第二场新闻发布会");
    assert_eq!(e.published_at.as_deref(), Some("2012-06-24"));
    assert!(e.text.starts_with("2012年6月24日\n\n中国载人航天工程新闻发言人 武平"), "{}", &e.text[..200]);
    assert!(e.text.ends_with("下面，我愿意回答大家的提问。"));
    assert!(!e.text.contains("责任编辑") && !e.text.contains("W0202003"));
}
