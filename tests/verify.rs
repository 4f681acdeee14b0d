//! The site fixtures in `sites/` and the `verify` runner end to end.

use std::path::{Path, PathBuf};

fn sites_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sites")
}

/// Fixture pages served as GBK: (site, case). Their text is authored as UTF-8 in
/// `sites/<site>/source/<case>.utf8.html` and encoded here with encoding_rs.
const GBK_CASES: &[(&str, &str)] = &[("dongfeng", "report-2014"), ("jiedong", "fzzf-2019")];

/// The committed GBK bytes are exactly the encoded sources (so they can be regenerated after a
/// source edit: `NIANBAO_REGEN_GBK=1 cargo test --test verify gbk_fixture`), every character is
/// encodable (no HTML numeric escapes slipped in), and the gb2312-labelled page really holds a
/// character outside GB2312.
#[test]
fn gbk_fixture_bytes_are_the_encoded_sources() {
    for (site, case) in GBK_CASES {
        let dir = sites_dir().join(site);
        let src_path = dir.join("source").join(format!("{case}.utf8.html"));
        let src = std::fs::read_to_string(&src_path).unwrap();
        let (bytes, _, unmappable) = encoding_rs::GBK.encode(&src);
        assert!(!unmappable, "{}: a character has no GBK encoding", src_path.display());
        let page = dir.join(format!("{case}.html"));
        if std::env::var_os("NIANBAO_REGEN_GBK").is_some() {
            std::fs::write(&page, &bytes).unwrap();
        }
        let committed = std::fs::read(&page).unwrap();
        assert!(committed == bytes.as_ref(), "{} differs from its encoded source", page.display());
        assert!(std::str::from_utf8(&committed).is_err(), "{} must not be valid UTF-8", page.display());
    }
    // 喆 is GBK 0x86B4: its lead byte is outside the GB2312 range (0xA1–0xF7).
    let dongfeng = std::fs::read(sites_dir().join("dongfeng/report-2014.html")).unwrap();
    assert!(dongfeng.windows(2).any(|w| w == [0x86, 0xB4]), "dongfeng lost its GBK-only character");
    assert!(dongfeng.windows(14).any(|w| w == b"charset=gb2312"));
    let jiedong = std::fs::read(sites_dir().join("jiedong/fzzf-2019.html")).unwrap();
    assert!(!String::from_utf8_lossy(&jiedong).to_ascii_lowercase().contains("charset"));
}
