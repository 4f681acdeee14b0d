#!/usr/bin/env python3
"""trafilatura's side of nianbao's extraction benchmark (issue 7).

Reads the page list written by `cargo bench --bench extract -- --manifest FILE` and runs
trafilatura on the same pages, the same way nianbao's side runs: one process, one thread, the
pages read into memory first, one warm-up pass (whose outputs are the ones scored), then whole
passes until at least NIANBAO_BENCH_SECS (default 2) seconds of this thread's CPU time.

Input given to trafilatura: the page's bytes decoded as a Python string with the encoding
nianbao's decoder chose for it (GBK-family labels decode as gb18030, as nianbao does); the
decoding is inside the timed loop, as it is on nianbao's side. This gives trafilatura correctly
decoded text even on pages that lie about their charset, so its fidelity figures are about
extraction alone. A second, untimed pass gives trafilatura the raw bytes so it decodes them
itself, as a researcher would use it out of the box ("raw_results").

trafilatura is called as documented for metadata-bearing output:
`trafilatura.extract(html, url=url, output_format="json", with_metadata=True)`, default options
otherwise (tables included, comments included, no precision/recall bias).

Writes a JSON object: tool, version, python, input, pages_per_pass, bytes_per_pass, passes,
wall_s, cpu_s, and results / raw_results: {page id: {text, title, date, author, sitename}}.
The Rust bench (`--compare FILE`) scores both with the same metric code.
"""

import argparse
import json
import os
import platform
import sys
import time

import trafilatura


def python_codec(label):
    """Python codec for a WHATWG encoding name as reported by nianbao's decoder."""
    low = label.lower()
    if low in ("gbk", "gb2312", "gb18030", "x-gbk"):
        return "gb18030"
    try:
        import codecs

        return codecs.lookup(low).name
    except LookupError:
        return "utf-8"


def extract(doc, url):
    """One trafilatura call; returns the fields the scorer reads (None when it found nothing)."""
    out = trafilatura.extract(doc, url=url, output_format="json", with_metadata=True)
    if out is None:
        return None
    d = json.loads(out)
    return {
        "text": d.get("text") or "",
        "title": d.get("title"),
        "date": d.get("date"),
        "author": d.get("author"),
        "sitename": d.get("source-hostname"),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("manifest", help="page list from `cargo bench --bench extract -- --manifest FILE`")
    ap.add_argument("--out", required=True, help="where to write the results JSON")
    ap.add_argument("--no-raw", action="store_true", help="skip the raw-bytes fidelity pass")
    args = ap.parse_args()
    min_secs = float(os.environ.get("NIANBAO_BENCH_SECS", "2"))

    with open(args.manifest, encoding="utf-8") as f:
        pages = json.load(f)["pages"]
    data = []
    for p in pages:
        with open(p["path"], "rb") as f:
            data.append((p["id"], f.read(), python_codec(p["encoding"]), p["url"]))
    total_bytes = sum(len(b) for _, b, _, _ in data)

    # Warm-up pass: these outputs are scored.
    results = {}
    for pid, raw, codec, url in data:
        r = extract(raw.decode(codec, errors="replace"), url)
        if r is not None:
            results[pid] = r

    passes = 0
    wall0, cpu0 = time.perf_counter(), time.thread_time()
    while True:
        for _, raw, codec, url in data:
            trafilatura.extract(
                raw.decode(codec, errors="replace"), url=url, output_format="json", with_metadata=True
            )
        passes += 1
        if time.thread_time() - cpu0 >= min_secs:
            break
    wall, cpu = time.perf_counter() - wall0, time.thread_time() - cpu0

    raw_results = {}
    if not args.no_raw:
        for pid, raw, _, url in data:
            r = extract(raw, url)
            if r is not None:
                raw_results[pid] = r

    doc = {
        "tool": "trafilatura",
        "version": trafilatura.__version__,
        "python": platform.python_version(),
        "input": "HTML decoded in Python with the encoding nianbao chose (decode timed); "
        "raw bytes (trafilatura decodes) for the untimed raw-bytes column",
        "pages_per_pass": len(data),
        "bytes_per_pass": total_bytes,
        "passes": passes,
        "wall_s": wall,
        "cpu_s": cpu,
        "results": results,
    }
    if not args.no_raw:
        doc["raw_results"] = raw_results
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False)
    print(
        f"trafilatura bench: {len(data)} pages x {passes} passes in {cpu:.1f} s CPU "
        f"({wall:.1f} s wall): {len(data) * passes / cpu:.2f} pages/s on one core; wrote {args.out}",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
