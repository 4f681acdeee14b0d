# nianbao's everyday commands; each runs exactly what the README gives.
# `just` itself: `cargo install just`, or `pipx install rust-just`.

# Every test (installs Chromium and OpenSSL headers with apt if missing; only 127.0.0.1 is contacted).
test *ARGS:
    ./scripts/test {{ARGS}}

# All benchmarks, figures printed (< 10 minutes on 2 cores); see docs/performance.md.
bench:
    ./scripts/bench

# Check every site rule against its saved fixtures (`--site NAME`, `--bless`).
verify *ARGS:
    cargo run --locked -- verify {{ARGS}}

# Crawl the sites in sites/ into the archive (`--site NAME`, `--max-pages N`, `--since YEAR`).
crawl *ARGS:
    cargo run --locked --release -- crawl {{ARGS}}

# Serve the bundled fixture pages on 127.0.0.1 and capture them into a fresh archive (`--out FILE`).
demo *ARGS:
    cargo run --locked --release -- demo {{ARGS}}
