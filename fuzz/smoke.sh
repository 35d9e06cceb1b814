#!/bin/sh
# Smoke-runs every fuzz target for a short while (default 20 s each; pass another number of
# seconds as $1). Needs a nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz`).
# Crashes are saved under fuzz/artifacts/<target>/ and make this script fail.
set -eu
cd "$(dirname "$0")"
secs="${1:-20}"
for target in decode split reencode roundtrip smtp_reply; do
    echo "== $target ($secs s)"
    mkdir -p "corpus/$target"
    dict=imap.dict
    case "$target" in
        roundtrip) seeds=seeds-roundtrip ;;
        smtp_reply) seeds=seeds-smtp dict=smtp.dict ;;
        *) seeds=seeds ;;
    esac
    # -malloc_limit_mb: no single allocation may be sized by an announcement in the input.
    nice -n 19 cargo +nightly fuzz run "$target" "corpus/$target" "$seeds" -- \
        -dict="$dict" -max_total_time="$secs" -malloc_limit_mb=256 -rss_limit_mb=1024 \
        -max_len=4096 -print_final_stats=1
done
