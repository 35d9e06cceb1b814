#!/bin/sh
# Runs Autobahn's fuzzingclient against a WebSocket URL and prints one line per case:
#   CASE BEHAVIOR BEHAVIOR_CLOSE REMOTE_CLOSE_CODE
# Usage: run.sh WSTEST URL ORIGIN OUTDIR
set -eu
here=$(cd "$(dirname "$0")" && pwd)
wstest=$1 url=$2 origin=$3 outdir=$4
mkdir -p "$outdir"
sed -e "s|@OUTDIR@|$outdir/report|" -e "s|@URL@|$url|" -e "s|@ORIGIN@|$origin|" \
    "$here/fuzzingclient.json" > "$outdir/spec.json"
# wstest's chatter goes to a log the caller shows on failure.
(cd "$outdir" && "$wstest" -m fuzzingclient -s "$outdir/spec.json") > "$outdir/wstest.log" 2>&1
"$(dirname "$wstest")/python" "$here/summarize.py" "$outdir/report/index.json"
