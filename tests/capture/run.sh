#!/bin/sh
# Captures seed.txt and session.txt (with its IDLE helper idle-append.txt) from a fresh
# private Dovecot and a fresh private Cyrus into shared/tests/captures/<server>-<version>/.
#
#   tests/capture/run.sh [dovecot] [cyrus]     (both by default)
#
# The raw bytes differ from run to run (UIDVALIDITY, timings, session ids), so re-running
# rewrites the committed captures; shared/tests/captures.rs only relies on their shape.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=$HERE/../../shared/tests/captures

capture() { # server dir port
    rm -rf "${OUT:?}/$2"
    python3 "$HERE/capture.py" --port "$3" --server "$1" "$HERE/seed.txt" "$OUT/$2"
    python3 "$HERE/capture.py" --port "$3" --server "$1" "$HERE/session.txt" "$OUT/$2"
}

for server in ${@:-dovecot cyrus}; do
    case $server in
    dovecot)
        version=$(/usr/sbin/dovecot --version | sed -E 's/^([0-9]+\.[0-9]+\.[0-9]+).*/\1/')
        port=$("$HERE/dovecot.sh" start)
        capture dovecot "dovecot-$version" "$port" || { "$HERE/dovecot.sh" stop; exit 1; }
        "$HERE/dovecot.sh" stop
        ;;
    cyrus)
        port=$("$HERE/cyrus.sh" start)
        version=$(dpkg-deb -f "${CYRUS_DIR:-/var/tmp/petrel-cyrus}"/debs/cyrus-imapd_*.deb Version | cut -d. -f1,2)
        capture cyrus "cyrus-$version" "$port" || { "$HERE/cyrus.sh" stop; exit 1; }
        "$HERE/cyrus.sh" stop
        ;;
    *)
        echo "unknown server $server (dovecot or cyrus)" >&2
        exit 2
        ;;
    esac
done
