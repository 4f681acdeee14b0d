#!/usr/bin/env python3
"""Authoring aid: rebuild the five seed-site fixture pages around /work/shared/seeds/*.txt.

Usage: python3 tools/make_seed_fixtures.py /work/shared/seeds

Writes, for each seed site, `sites/<name>/source/seed.txt` (the seed, verbatim, defects and all)
and the page: UTF-8 pages go straight to `sites/<name>/<case>.html`; pages that are served as GBK
go to `sites/<name>/source/<case>.utf8.html` and are turned into GBK bytes by encoding_rs in
`tests/verify.rs` (`NIANBAO_REGEN_GBK=1 cargo test --test verify gbk_fixture`), so the committed
bytes are reproducible. The known defects of the seeds are repaired here (see DEFECTS); the chrome
the other tool leaked goes into the page's chrome, never into the body.
"""
import html
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Defects of the seed texts, repaired in the pages (seed substring -> original text). The same
# table lives in tests/verify.rs (SEED_FIXES) for the "nothing lost" check.
DEFECTS = {
    "xihe": [
        ("2018 11—2018 1231日", "2018年1月1日—2018年12月31日"),
        ("〔201884号", "〔2018〕4号"),
        ("\n、依申请公开工作情况", "\n七、依申请公开工作情况"),
        ("\n、政务舆情处置回应情况", "\n八、政务舆情处置回应情况"),
        ("“5·15政务公开日为契机", "以“5·15”政务公开日为契机"),
        ("“5·15政务公开日活动", "“5·15”政务公开日活动"),
    ],
    "dongfeng": [("2013?2014", "2013—2014")],
    "yuhua": [("\n一)多维联动", "\n(一)多维联动")],
}


def fullwidth(s):
    """The seeds went through NFKC; real pages use full-width punctuation."""
    s = s.replace(",", "，").replace(";", "；").replace("(", "（").replace(")", "）")
    s = re.sub(r"(?<![0-9]):|:(?![0-9])", "：", s)
    return s


def esc(s):
    return html.escape(s, quote=False)


def seed_lines(seed_dir, prefix, name, first, last):
    path = [f for f in os.listdir(seed_dir) if f.startswith(prefix)][0]
    raw = open(os.path.join(seed_dir, path), encoding="utf-8").read()
    os.makedirs(os.path.join(ROOT, "sites", name, "source"), exist_ok=True)
    open(os.path.join(ROOT, "sites", name, "source", "seed.txt"), "w", encoding="utf-8").write(raw)
    text = raw
    for bad, good in DEFECTS.get(name, []):
        assert bad in text, (name, bad)
        text = text.replace(bad, good)
    lines = text.split("\n")[first - 1:last]
    return [fullwidth(l.strip(" \u00a0")) if l.strip(" \u00a0") else "" for l in lines]


def head(charset_meta, s):
    metas = "\n".join(
        f'<meta name="{k}" content="{esc(v)}" />'
        for k, v in [
            ("SiteName", s["sitename"]), ("SiteDomain", s["domain"]), ("SiteIDCode", s["idcode"]),
            ("ColumnName", s["column"]), ("ColumnType", "信息公开年报"),
            ("ArticleTitle", s["title"]), ("PubDate", s["pubdate"]),
            ("ContentSource", s["source"]), ("Keywords", s.get("keywords", "")),
            ("Url", s["url"]),
        ]
    )
    return f"""<!DOCTYPE html>
<html>
<head>
{charset_meta}<meta http-equiv="X-UA-Compatible" content="IE=edge" />
{metas}
<title>{esc(s["title"])}_{esc(s["column"])}_{esc(s["sitename"])}</title>
<link rel="stylesheet" type="text/css" href="/images/common.css" />
<script type="text/javascript" src="/js/jquery-1.11.3.min.js"></script>
<script type="text/javascript">
  function doZoom(size) {{ document.getElementById('zoom').style.fontSize = size + 'px'; }}
  var _hmt = _hmt || [];
</script>
</head>
"""


def topbar(s, extra=""):
    return f"""<div class="topbar">
  <div class="w1200">
    <span class="fl">欢迎访问{esc(s["sitename"])}门户网站！今天是：<script>document.write(new Date().toLocaleDateString());</script></span>
    <span class="fr"><a href="/login.html">登录</a> <a href="/register.html">注册</a> | <a href="javascript:void(0)" id="wza">无障碍浏览</a> | <a href="/wzdt/">网站地图</a>{extra}</span>
  </div>
</div>
<div class="header">
  <div class="w1200">
    <a class="logo" href="/"><img src="/images/logo.png" alt="{esc(s["sitename"])}" /></a>
    <form class="search" action="/search/" method="get"><input type="text" name="searchword" placeholder="请输入关键字" /><button type="submit">搜索</button></form>
  </div>
</div>
<div class="nav">
  <ul class="w1200">
    <li><a href="/">首页</a></li>
    <li><a href="/zwdt/">政务动态</a></li>
    <li class="on"><a href="/zwgk/">政务公开</a></li>
    <li><a href="/zwfw/">政务服务</a></li>
    <li><a href="/hdjl/">互动交流</a></li>
    <li><a href="/zjgk/">走进{esc(s["place"])}</a></li>
  </ul>
</div>
<div class="crumb w1200">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a> &gt; <a href="/zwgk/zfxxgk/">政府信息公开</a> &gt; <a href="./">{esc(s["column"])}</a></div>
"""


def footer(s, icp, police, editor=""):
    return f"""<div class="share-bar">
  <div class="qr"><img src="/images/qrcode_page.png" alt="" /><p>扫一扫在手机打开当前页</p></div>
  <span class="print"><a href="javascript:window.print()">打印本页</a></span>
  <span class="close"><a href="javascript:window.close()">关闭窗口</a></span>
  <span class="share">分享到：<a class="wx" href="javascript:void(0)"></a><a class="wb" href="javascript:void(0)"></a></span>
  <span class="back"><a href="./">返回列表</a></span>
</div>
{editor}<div class="prevnext w1200">
  <p>上一篇：<a href="./">关于公布{esc(s["place"])}政府信息公开指南的通知</a></p>
  <p>下一篇：<a href="./">{esc(s["place"])}政府信息公开目录</a></p>
</div>
<div class="footer">
  <div class="w1200">
    <p><a href="/wzdt/">网站地图</a> | <a href="/lxwm/">联系我们</a> | <a href="/wzsm/">网站声明</a></p>
    <p>主办单位：{esc(s["sitename"])}办公室　承办单位：{esc(s["place"])}政务服务数据管理中心</p>
    <p>版权所有：{esc(s["sitename"])}　网站标识码：{s["idcode"]}</p>
    <p><a href="https://beian.miit.gov.cn/" target="_blank">{icp}</a>　<img src="/images/ga.png" alt="" />{police}</p>
    <div class="wx"><img src="/images/wx_qrcode.jpg" alt="" /><p>官方微信</p></div>
    <p><script type="text/javascript">document.write(unescape("%3Cspan id='_ideConac' %3E%3C/span%3E"));</script></p>
  </div>
</div>
</body>
</html>
"""


def write(name, case, text, gbk=False):
    d = os.path.join(ROOT, "sites", name)
    if gbk:
        path = os.path.join(d, "source", case + ".utf8.html")
    else:
        path = os.path.join(d, case + ".html")
    open(path, "w", encoding="utf-8").write(text)
    print("wrote", os.path.relpath(path, ROOT))


# ---------------------------------------------------------------------------------------------
def dxal(seed_dir):
    s = dict(
        sitename="大兴安岭地区行政公署", place="大兴安岭", domain="www.dxal.gov.cn",
        idcode="2327000001", column="政府信息公开年报",
        url="https://www.dxal.gov.cn/zwgk/zfxxgk/zfxxgknb/201903/t20190311_371052.html",
        title="2018年地区行政服务中心政府信息公开工作年度报告", pubdate="2019-03-11 08:46",
        source="地区行署办公室", keywords="政府信息公开,年度报告",
    )
    lines = seed_lines(seed_dir, "000_", "dxal", 12, 68)
    images = {
        "0c66c72589e148d28628637945affc83.png": "W020190311371052384921.png",
        "98d5b75395cf46e9b09552ac646cb389.png": "W020190311371052401733.png",
    }
    body = []
    for l in lines:
        if not l:
            continue
        if l in images:
            body.append(
                f'<p style="text-align: center;"><img src="./{images[l]}" title="{l}" alt="{l}" '
                f'oldsrc="{images[l]}" width="600" height="337" style="border: 0px;" /></p>'
            )
        elif l in ("2018年地区行政服务中心政府信息公开工作", "年 度 报 告"):
            body.append(f'<p style="text-align: center;"><strong>{esc(l)}</strong></p>')
        elif re.match(r"^[一二三四五六七八九十]+、", l):
            body.append(f'<p style="text-indent: 2em;"><strong>{esc(l)}</strong></p>')
        else:
            body.append(f'<p style="text-indent: 2em;">{esc(l)}</p>')
    body.insert(3, '<p>&nbsp;</p>')
    table = """<table border="1" cellspacing="0" cellpadding="0" width="600" style="border-collapse: collapse;" align="center">
<tbody>
<tr><td colspan="2" style="text-align: center;"><strong>统计指标</strong></td><td style="text-align: center;"><strong>单位</strong></td><td style="text-align: center;"><strong>统计数</strong></td></tr>
<tr><td rowspan="7" width="90">一、主动公开情况</td><td>（一）主动公开政府信息数<br />（不同渠道和方式公开相同信息计1条）</td><td>条</td><td>12111</td></tr>
<tr><td>其中：主动公开规范性文件数</td><td>条</td><td>0</td></tr>
<tr><td colspan="3">（二）通过不同渠道和方式公开政府信息的情况</td></tr>
<tr><td>1.政府网站公开政府信息数</td><td>条</td><td>10117</td></tr>
<tr><td>2.政务微博公开政府信息数</td><td>条</td><td>0</td></tr>
<tr><td>3.政务微信公开政府信息数</td><td>条</td><td>12</td></tr>
<tr><td>4.其他方式公开政府信息数</td><td>条</td><td>1982</td></tr>
<tr><td rowspan="3">二、依申请公开情况</td><td>（一）收到申请数</td><td>件</td><td>0</td></tr>
<tr><td>（二）申请办理结果：按时办结数</td><td>件</td><td>0</td></tr>
<tr><td>（三）依申请公开信息收取的费用</td><td>万元</td><td>0</td></tr>
<tr><td rowspan="2">三、行政复议、行政诉讼情况</td><td>（一）行政复议数量</td><td>件</td><td>0</td></tr>
<tr><td>（二）行政诉讼数量</td><td>件</td><td>0</td></tr>
<tr><td colspan="2">四、举报投诉数量</td><td>件</td><td>0</td></tr>
</tbody>
</table>"""
    meta = """<div class="xxgk-meta">
<table class="xxgk_table" width="100%" cellspacing="0" cellpadding="0">
<tr><th>索&ensp;引&ensp;号：</th><td>000000000-2019-03710</td><th>发布机构：</th><td>地区行署办公室</td></tr>
<tr><th>发布日期：</th><td>2019-03-11</td><th>废止日期：</th><td></td></tr>
<tr><th>文&emsp;&emsp;号：</th><td></td><th>主题分类：</th><td>地直部门</td></tr>
<tr><th>关&ensp;键&ensp;词：</th><td colspan="3"></td></tr>
<tr><th>内容概述：</th><td colspan="3"></td></tr>
<tr><th>时&emsp;&emsp;效：</th><td colspan="3"></td></tr>
</table>
</div>"""
    page = head('<meta http-equiv="Content-Type" content="text/html; charset=utf-8" />\n', s) + "<body>\n" + topbar(s) + f"""<div class="main w1200">
{meta}
<div class="article">
<h1 class="article-title">{esc(s["title"])}</h1>
<div class="article-info">发布时间：2019-03-11 08:46:42 【字体：<a href="javascript:doZoom(18)" class="icon-big"></a> <a href="javascript:doZoom(16)" class="icon-mid"></a> <a href="javascript:doZoom(14)" class="icon-small"></a>】</div>
<div class="article-con" id="zoomcon">
<div class="TRS_Editor"><style type="text/css">
.TRS_Editor P{{margin-top:0px;margin-bottom:12px;line-height:1.8;font-family:宋体;font-size:12pt;}}.TRS_Editor DIV,.TRS_Editor TD,.TRS_Editor TH,.TRS_Editor SPAN,.TRS_Editor TBODY{{font-family:宋体;font-size:12pt;}}
</style>
<div class="Custom_UnionStyle">
{chr(10).join(body)}
{table}
<p>&nbsp;</p>
</div></div>
</div>
<div class="article-fj">相关附件：</div>
</div>
</div>
""" + footer(s, "黑ICP备05004123号", "黑公网安备 27010202000117号")
    write("dxal", "report-2018", page)


# ---------------------------------------------------------------------------------------------
CHSDATE = ('<st1:chsdate Year="{y}" Month="{m}" Day="{d}" IsLunarDate="False" IsROCDate="False" '
           'w:st="on"><span lang="EN-US">{y}</span>年<span lang="EN-US">{m}</span>月'
           '<span lang="EN-US">{d}</span>日</st1:chsdate>')


def word(text):
    """Word-pasted inline markup: Latin/digit runs in lang=EN-US spans, dates in st1:chsdate."""
    out = esc(text)
    out = re.sub(r"([0-9A-Za-z.%+·]+)", r'<span lang="EN-US">\1</span>', out)
    out = re.sub(
        r'<span lang="EN-US">(\d{4})</span>年<span lang="EN-US">(\d{1,2})</span>月'
        r'<span lang="EN-US">(\d{1,2})</span>日',
        lambda m: CHSDATE.format(y=m.group(1), m=m.group(2), d=m.group(3)), out)
    out = out.replace("〔<span", '<span style="font-family:宋体">〔</span><span')
    return out


def xihe(seed_dir):
    s = dict(
        sitename="阜新市细河区人民政府", place="细河区", domain="www.xihe.gov.cn",
        idcode="2109030001", column="政府信息公开年报",
        url="http://www.xihe.gov.cn/art/2019/3/25/art_1180_52301.html",
        title="细河区2018年政府信息公开工作年度报告", pubdate="2019-03-25 09:12",
        source="区政府办",
    )
    lines = [l for l in seed_lines(seed_dir, "001_", "xihe", 5, 69) if l]
    paras = []
    for i, l in enumerate(lines):
        if re.match(r"^[一二三四五六七八九十]+、", l):
            paras.append(
                '<p class="MsoNormal" style="text-indent:32.0pt;mso-char-indent-count:2.0;line-height:28.0pt;'
                'mso-line-height-rule:exactly"><b style="mso-bidi-font-weight:normal"><span style="font-size:16.0pt;'
                f'font-family:黑体;mso-hansi-font-family:宋体">{word(l)}<span lang="EN-US"><o:p></o:p></span></span></b></p>'
            )
        else:
            paras.append(
                '<p class="MsoNormal" style="text-indent:32.0pt;mso-char-indent-count:2.0;line-height:28.0pt;'
                'mso-line-height-rule:exactly"><span style="font-size:16.0pt;font-family:仿宋_GB2312;'
                f'mso-hansi-font-family:宋体"><font face="仿宋_GB2312">{word(l)}</font>'
                '<span lang="EN-US"><o:p>&nbsp;</o:p></span></span></p>'
            )
        if i == 14:
            paras.append('<p class="MsoNormal" align="center" style="text-align:center"><span lang="EN-US">'
                         '<img width="553" height="311" src="/picture/0/s1903250912431.jpg" alt="image002.png" '
                         'v:shapes="图片_x0020_1" /></span></p>')
    meta = """<table class="xxgk_table" cellspacing="0" cellpadding="0" width="100%">
<tbody>
<tr><td class="xxgk_lb">索&ensp;引&ensp;号：</td><td>11210903MB1534217X/2019-00012</td><td class="xxgk_lb">主题分类：</td><td>综合政务</td></tr>
<tr><td class="xxgk_lb">发布机构：</td><td>细河区人民政府办公室</td><td class="xxgk_lb">成文日期：</td><td>2019年03月22日</td></tr>
<tr><td class="xxgk_lb">文　　号：</td><td></td><td class="xxgk_lb">发布日期：</td><td>2019年03月25日</td></tr>
<tr><td class="xxgk_lb">名　　称：</td><td colspan="3">细河区2018年政府信息公开工作年度报告</td></tr>
</tbody>
</table>"""
    page = head('<meta http-equiv="Content-Type" content="text/html; charset=UTF-8" />\n<meta name="i_columnid" content="1180" />\n<meta name="i_articleid" content="52301" />\n<meta name="Maketime" content="2019-03-25 09:12:44" />\n', s) + '<body>\n' + topbar(s) + f"""<div class="main w1200">
<div class="xxgk_top">
{meta}
</div>
<div class="art_con">
<div class="art_title"><h2>{esc(s["title"])}</h2></div>
<div class="art_info">日期：2019-03-25 浏览量：<span id="hits">266</span> 来源：<!--<$[信息来源]>begin-->区政府办<!--<$[信息来源]>end--> 责任编辑：王宝新 文字大小：<a href="javascript:doZoom(20)" class="zoom-big"></a><a href="javascript:doZoom(16)" class="zoom-mid"></a><a href="javascript:doZoom(12)" class="zoom-small"></a></div>
<div id="zoom">
<!--<$[信息内容]>begin--><!--ZJEG_RSS.content.begin--><meta name="ContentStart">
{chr(10).join(paras)}
<meta name="ContentEnd"><!--ZJEG_RSS.content.end--><!--<$[信息内容]>end-->
</div>
<div class="art_fj">相关附件：</div>
</div>
</div>
""" + footer(s, "辽ICP备09021345号", "辽公网安备 21090302000081号").replace(
        '<span class="print"><a href="javascript:window.print()">打印本页</a></span>',
        '<span class="print"><a href="javascript:window.print()">打印</a></span>').replace(
        '<span class="share">分享到：', '<span class="share">分享')
    write("xihe", "report-2018", page)


# ---------------------------------------------------------------------------------------------
def dongfeng(seed_dir):
    s = dict(
        sitename="东丰县人民政府", place="东丰县", domain="www.dongfeng.gov.cn",
        idcode="2204210001", column="政府信息公开年报",
        url="http://www.dongfeng.gov.cn/zwgk/zfxxgknb/2015-01-29/8751.html",
        title="东丰县2014年度政府信息公开工作年度报告", pubdate="2015-01-29 10:20",
        source="东丰县政务服务中心",
    )
    lines = [l for l in seed_lines(seed_dir, "002_", "dongfeng", 7, 50) if l]
    paras = []
    for i, l in enumerate(lines):
        if l in ("东丰县人民政府", "2015年2月3日"):
            paras.append(f'<p align="right">{esc(l)}</p>')
        else:
            paras.append(f"<p>　　{esc(l)}</p>")
        if i == 20:
            paras.append('<p align="center"><img src="/uploadfile/2015/0129/20150129102033512.jpg" '
                         'alt="20150129102033512.jpg" border="0" /></p>')
    page = head('<meta http-equiv="Content-Type" content="text/html; charset=gb2312" />\n', s) + '<body>\n' + topbar(s) + f"""<table width="1000" border="0" align="center" cellpadding="0" cellspacing="0">
<tr>
<td width="230" valign="top" class="left">
  <div class="left_tit">政府信息公开</div>
  <ul class="left_menu">
    <li><a href="/zwgk/xxgkzn/">政府信息公开指南</a></li>
    <li><a href="/zwgk/xxgkzd/">政府信息公开制度</a></li>
    <li><a href="/zwgk/fdzdgknr/">法定主动公开内容</a></li>
    <li class="on"><a href="/zwgk/zfxxgknb/">政府信息公开年报</a></li>
    <li><a href="/zwgk/ysqgk/">依申请公开</a></li>
  </ul>
</td>
<td width="770" valign="top">
  <ul class="info_list">
    <li><span>索　引　号：</span>11220421013784578Y/2015-00003</li>
    <li><span>发布机构：</span>东丰县政务服务中心</li>
    <li><span>主题分类：</span>政府信息公开年报</li>
    <li><span>文　　号：</span></li>
    <li><span>成文日期：</span>2015年01月28日</li>
    <li><span>发布日期：</span>2015年01月29日</li>
  </ul>
  <h1>{esc(s["title"])}</h1>
  <div class="time">发布日期：2015-01-29&nbsp;&nbsp;&nbsp;&nbsp;点击数：<span id="clicks"><script src="/count.php?id=8751"></script></span></div>
  <div>
{chr(10).join(paras)}
  </div>
  <div class="xgfj">相关附件：</div>
  <div class="editor">责任编辑：孙喆</div>
</td>
</tr>
</table>
""" + footer(s, "吉ICP备05002178号", "吉公网安备 22042102000012号")
    write("dongfeng", "report-2014", page, gbk=True)


# ---------------------------------------------------------------------------------------------
def jiedong(seed_dir):
    s = dict(
        sitename="揭阳市揭东区人民政府", place="揭东区", domain="www.jiedong.gov.cn",
        idcode="4452030002", column="法治政府建设",
        url="http://www.jiedong.gov.cn/zwgk/fzzfjs/202005/t20200520_412873.html",
        title="揭东区政管局关于做好2019年度 法治政府建设情况报告", pubdate="2020-05-20 16:03",
        source="揭东区政务服务数据管理局",
    )
    raw = seed_lines(seed_dir, "003_", "jiedong", 5, 45)
    paras = []
    for i, l in enumerate(raw):
        if not l:
            continue
        if re.match(r"^\d\.", l):
            paras.append(f"<p>&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;{esc(l)}</p>")
        elif l == "区委、区政府：":
            paras.append(f"<p>{esc(l)}</p>")
        else:
            paras.append(f'<p style="text-indent: 2em;">{esc(l)}</p>')
        if l.startswith("（三）狠抓"):
            paras.append('<p style="text-align: center;"><img src="./W020200520598712034518.png" '
                         'alt="W020200520598712034518.png" title="W020200520598712034518.png" /></p>')
    meta = """<div class="xxgk_info">
<ul>
<li><b>索&ensp;引&ensp;号：</b>007028543/2020-00061</li>
<li><b>分&emsp;&emsp;类：</b>法治政府建设</li>
<li><b>发布机构：</b>揭阳市揭东区政务服务数据管理局</li>
<li><b>成文日期：</b>2020-05-19</li>
<li><b>文&ensp;&ensp;&ensp;&ensp;号：</b>揭东政管函〔2020〕15号</li>
<li><b>发布日期：</b>2020-05-20</li>
<li><b>有&ensp;效&ensp;性：</b>有效</li>
</ul>
</div>"""
    page = head("", s).replace("<body>", "") + '<body>\n' + topbar(s, ' | <a href="/gfwx/">官方微信</a>') + f"""<div class="content w1200">
{meta}
<div class="article">
<h1>{esc(s["title"])}</h1>
<div class="info"><span>来源：揭东区政务服务数据管理局</span>&nbsp;&nbsp;&nbsp;<span>发布时间：2020-05-20</span>&nbsp;&nbsp;<span>【字体：<a href="javascript:doZoom(18)">大</a> <a href="javascript:doZoom(16)">中</a> <a href="javascript:doZoom(14)">小</a>】</span></div>
<div class="TRS_Editor">
{chr(10).join(paras)}
<p>&nbsp;</p>
</div>
<div class="fj">相关附件：</div>
</div>
</div>
""" + footer(s, "粤ICP备05088317号", "粤公网安备 44520302000043号")
    write("jiedong", "fzzf-2019", page, gbk=True)


# ---------------------------------------------------------------------------------------------
def yuhua(seed_dir):
    s = dict(
        sitename="长沙市雨花区人民政府", place="雨花区", domain="www.yuhua.gov.cn",
        idcode="4301110001", column="计划总结",
        url="http://www.yuhua.gov.cn/art/2016/4/12/art_1330_281947.html",
        title="长沙市雨花区政务服务中心2015年工作总结及2016年工作计划", pubdate="2016-04-12 10:35",
        source="区政务中心",
    )
    lines = [l for l in seed_lines(seed_dir, "004_", "yuhua", 5, 60) if l]
    paras = []
    for l in lines:
        if l in ("2015年主要工作举措", "工作亮点及特色", "2016年工作计划"):
            paras.append(f'<p style="text-align: center;"><strong><span style="font-size: 18px;">{esc(l)}</span></strong></p>')
        elif re.match(r"^（[一二三四五]）", l) and len(l) < 20:
            paras.append(f'<p style="text-indent: 2em;"><strong>{esc(l)}</strong></p>')
        elif l in ("雨花区政务服务中心", "2016年4月10日"):
            paras.append(f'<p style="text-align: right;">{esc(l)}</p>')
        else:
            paras.append(f'<p style="text-indent: 2em;"><span style="font-family: 仿宋; font-size: 16px;">{esc(l)}</span></p>')
    paras.insert(9, '<p style="text-align: center;"><img src="/picture/-1/160412103512874.jpg" alt="IMG_20151215_093742.jpg" /></p>')
    meta = """<table class="xxgk_article" width="100%" border="0" cellspacing="0" cellpadding="0">
<tr><td class="bt">索 引 号：</td><td>43011100-0-01-2016-000216</td><td class="bt">分　　类：</td><td>计划总结</td></tr>
<tr><td class="bt">发布机构：</td><td>雨花区政务服务中心</td><td class="bt">生成日期：</td><td>2016-04-10</td></tr>
<tr><td class="bt">文　　号：</td><td></td><td class="bt">发布日期：</td><td>2016-04-12</td></tr>
</table>"""
    page = head('<meta charset="utf-8" />\n<meta name="i_columnid" content="1330" />\n<meta name="i_articleid" content="281947" />\n', s) + '<body>\n' + topbar(s) + f"""<div class="main w1200">
{meta}
<div class="bt_title">{esc(s["title"])}</div>
<div class="bt_info">发布日期：2016-04-12&nbsp;&nbsp;&nbsp;&nbsp;来源：区政务中心<span class="font">字体大小：<a href="javascript:doZoom(18)" class="big"></a><a href="javascript:doZoom(16)" class="mid"></a><a href="javascript:doZoom(14)" class="small"></a></span></div>
<div id="zoom" class="bt_content">
<!--<$[信息内容]>begin--><!--ZJEG_RSS.content.begin--><meta name="ContentStart">
{chr(10).join(paras)}
<meta name="ContentEnd"><!--ZJEG_RSS.content.end--><!--<$[信息内容]>end-->
</div>
<div class="xgwd"><span>相关文档：</span><ul></ul></div>
</div>
""" + footer(s, "湘ICP备05010247号", "湘公网安备 43011102000127号")
    write("yuhua", "summary-2015", page)


if __name__ == "__main__":
    seeds = sys.argv[1] if len(sys.argv) > 1 else "/work/shared/seeds"
    for f in (dxal, xihe, dongfeng, jiedong, yuhua):
        f(seeds)
