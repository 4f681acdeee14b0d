//! A realistic report: a dozen county and city sites, 2017–2024 reports, a flagged site, a
//! blocked site, failed and interrupted runs. Shared by the report tests.

use chrono::{DateTime, TimeZone, Utc};
use chrono_tz::Asia::Shanghai;
use nianbao::report::{BlockedRow, CoverageCell, FlagRow, HealthFlag, Mark, ReportData, RunRow, RunStatus, SiteRow};

pub fn cst(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Shanghai.with_ymd_and_hms(y, mo, d, h, mi, 0).single().unwrap().with_timezone(&Utc)
}

pub const SITES: &[(&str, &str, &str)] = &[
    ("pingtan", "平潭综合实验区管委会", "www.pingtan.gov.cn"),
    ("fuqing", "福清市人民政府", "www.fuqing.gov.cn"),
    ("changle", "福州市长乐区人民政府", "www.fzcl.gov.cn"),
    ("minhou", "闽侯县人民政府", "www.minhou.gov.cn"),
    ("lianjiang", "连江县人民政府", "www.lianjiang.gov.cn"),
    ("luoyuan", "罗源县人民政府", "www.luoyuan.gov.cn"),
    ("minqing", "闽清县人民政府", "www.minqing.gov.cn"),
    ("yongtai", "永泰县人民政府", "www.yongtai.gov.cn"),
    ("xinjin", "成都市新津区人民政府", "www.xinjin.gov.cn"),
    ("ordos-engebei", "鄂尔多斯市恩格贝生态示范区", "www.egb.gov.cn"),
    ("handan", "邯郸市人民政府", "www.hd.gov.cn"),
    ("wuhan", "武汉市人民政府", "www.wuhan.gov.cn"),
];

/// The report the tests render.
pub fn sample() -> ReportData {
    let mut coverage = Vec::new();
    for (i, (name, title, host)) in SITES.iter().enumerate() {
        for year in 2017..=2024 {
            // Some gaps: older years missing for later sites, one hole in the middle.
            if (year as usize) < 2017 + i / 3 || (*name == "minqing" && year == 2020) {
                continue;
            }
            let mark = match (*name, year) {
                (_, 2024) if i % 4 != 3 => Some(Mark::New),
                ("fuqing", 2022) | ("wuhan", 2023) => Some(Mark::Changed),
                ("luoyuan", 2019) => Some(Mark::TakenDown),
                _ => None,
            };
            if year == 2024 && i % 4 == 3 {
                continue; // not yet published
            }
            coverage.push(CoverageCell {
                site: name.to_string(),
                year,
                documents: if *name == "handan" && year == 2021 { 2 } else { 1 },
                mark,
                title: Some(format!("{title}{year}年政府信息公开工作年度报告")),
                url: Some(format!("https://{host}/zwgk/zfxxgk/zfxxgknb/{}/t{year}0331_{}.html", year + 1, 1000 + i)),
            });
        }
    }
    // A report title with markup in it, as some CMSs leave it.
    coverage.push(CoverageCell {
        site: "pingtan".into(),
        year: 2016,
        documents: 1,
        mark: None,
        title: Some("<script>alert('x')</script>平潭2016年报".into()),
        url: Some("javascript:alert(1)".into()),
    });

    let sites = SITES
        .iter()
        .enumerate()
        .map(|(i, (name, title, _))| SiteRow {
            name: name.to_string(),
            title: title.to_string(),
            documents: 8 + i as u64 * 3,
            schedule: Some("0 6 * * *".into()),
            next_due: Some(cst(2025, 3, 27, 6, 0)),
        })
        .collect();

    let mut runs: Vec<RunRow> = SITES
        .iter()
        .enumerate()
        .map(|(i, (name, _, _))| RunRow {
            site: name.to_string(),
            started: cst(2025, 3, 26, 6, i as u32 * 3),
            finished: Some(cst(2025, 3, 26, 6, i as u32 * 3 + 2)),
            status: RunStatus::Ok,
            pages: 40 + i as u64 * 7,
            new_documents: u64::from(i % 4 != 3),
            changed_documents: 0,
            errors: Vec::new(),
        })
        .collect();
    runs[1].changed_documents = 1;
    runs[4].status = RunStatus::Failed;
    runs[4].errors = (1..=7)
        .map(|n| format!("https://www.lianjiang.gov.cn/zwgk/xxgkml/{n}.htm: HTTP 502 Bad Gateway after 3 tries"))
        .collect();
    runs[10].status = RunStatus::Blocked;
    runs[10].errors = vec!["https://www.hd.gov.cn/hdzfxxgk/: HTTP 412 瑞数 challenge ($_ts), not archived".into()];
    runs[11].status = RunStatus::Interrupted;
    runs[11].finished = Some(cst(2025, 3, 26, 6, 40));

    ReportData {
        generated_at: cst(2025, 3, 26, 9, 30),
        archive: "archive/nianbao.db".into(),
        sites,
        coverage,
        runs,
        blocked: vec![BlockedRow {
            site: "handan".into(),
            url: "https://www.hd.gov.cn/hdzfxxgk/".into(),
            reason: "HTTP 412 瑞数 challenge ($_ts)".into(),
            since: cst(2025, 3, 20, 6, 30),
            last_seen: cst(2025, 3, 26, 6, 30),
            count: 7,
        }],
        flags: vec![
            FlagRow {
                site: "minhou".into(),
                run_started: cst(2025, 3, 26, 6, 9),
                flag: HealthFlag::ListEmpty { list: "https://www.minhou.gov.cn/zwgk/zfxxgkzl/zfxxgknb/".into(), usual: 15 },
            },
            FlagRow {
                site: "yongtai".into(),
                run_started: cst(2025, 3, 26, 6, 21),
                flag: HealthFlag::ShorterText { median: 412, usual: 5230 },
            },
        ],
        broken_rules: vec![],
    }
}
