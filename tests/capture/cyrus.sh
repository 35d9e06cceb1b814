#!/bin/sh
# A private Cyrus IMAP (Debian 12's cyrus-imapd 3.6) for capturing server transcripts.
#
#   tests/capture/cyrus.sh start   # prints "PORT" of the IMAPS listener on 127.0.0.1
#   tests/capture/cyrus.sh stop
#
# Debian's cyrus-imapd conflicts with dovecot-imapd (which the test harness needs), so the
# packages are not installed: they are downloaded with `apt-get download` and unpacked with
# `dpkg -x` under $CYRUS_DIR/root, and run from there with LD_LIBRARY_PATH pointing at their
# private libraries. Their library dependencies (libical, libxapian, ...) and the SASL tools
# do not conflict with anything and are installed with apt.
#
# Everything else lives in $CYRUS_DIR (default /var/tmp/petrel-cyrus): config, sasldb,
# certificates, mail spool, sockets, log. As root, Cyrus's master drops privileges to the
# compiled-in user `cyrus` (created here as a system user if missing), so $CYRUS_DIR must be
# reachable by that user; /var/tmp is, a home directory under /root is not.
#
# Accounts: alice / "correct horse" (the mailbox the capture script uses) and the admin
# `cyrus` / "cyrus admin" (creates user/alice and sets its quota, which a user cannot do).
# Authentication is SASL auxprop against a private sasldb made with saslpasswd2 -f.
set -eu

CYRUS_DIR=${CYRUS_DIR:-/var/tmp/petrel-cyrus}
ROOT=$CYRUS_DIR/root
BIN=$ROOT/usr/lib/cyrus/bin
export LD_LIBRARY_PATH=$ROOT/usr/lib/x86_64-linux-gnu

stop() {
    if [ -f "$CYRUS_DIR/master.pid" ]; then
        pid=$(cat "$CYRUS_DIR/master.pid")
        kill -TERM "$pid" 2>/dev/null || true
        # master stops its children on SIGTERM; wait for it so the port is free again.
        i=0
        while kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do
            sleep 0.1
            i=$((i + 1))
        done
        rm -f "$CYRUS_DIR/master.pid"
    fi
}

install_packages() {
    if [ -x "$BIN/master" ]; then
        return
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        libclamav12 libical3 libicu72 libjansson4 libkrb5-3 libldap-2.5-0 libpcre3 libpq5 \
        libsasl2-2 libsasl2-modules sasl2-bin libsqlite3-0 libwrap0 libxapian30 libxml2 \
        libzephyr4 db-util openssl python3 >&2
    debs=$CYRUS_DIR/debs
    mkdir -p "$debs" "$ROOT"
    # apt-get download writes into the current directory; _apt cannot write there as root,
    # which only costs a warning.
    (cd "$debs" && apt-get download cyrus-imapd cyrus-common >&2)
    for deb in "$debs"/*.deb; do
        dpkg -x "$deb" "$ROOT"
    done
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start() {
    stop
    mkdir -p "$CYRUS_DIR"
    chmod 755 "$CYRUS_DIR"
    install_packages
    if ! id cyrus >/dev/null 2>&1; then
        # What the cyrus-common package's postinst would create.
        useradd --system --gid mail --home-dir /var/spool/cyrus --no-create-home \
            --shell /usr/sbin/nologin cyrus
    fi

    # A fresh store each time: the capture must start from the same seeded state.
    rm -rf "$CYRUS_DIR/conf" "$CYRUS_DIR/spool" "$CYRUS_DIR/run" "$CYRUS_DIR/tls"
    mkdir -p "$CYRUS_DIR/conf" "$CYRUS_DIR/spool" "$CYRUS_DIR/run/socket" "$CYRUS_DIR/tls"

    # A self-signed certificate for localhost; the capture tool does not verify it.
    openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj /CN=localhost \
        -addext subjectAltName=DNS:localhost,IP:127.0.0.1 \
        -keyout "$CYRUS_DIR/tls/key.pem" -out "$CYRUS_DIR/tls/cert.pem" 2>/dev/null

    sasldb=$CYRUS_DIR/conf/sasldb2
    echo "correct horse" | saslpasswd2 -p -c -f "$sasldb" -u localhost alice
    echo "cyrus admin" | saslpasswd2 -p -c -f "$sasldb" -u localhost cyrus

    port=$(free_port)
    cat >"$CYRUS_DIR/imapd.conf" <<EOF
# A private Cyrus for Petrel's captures (written by tests/capture/cyrus.sh).
configdirectory: $CYRUS_DIR/conf
partition-default: $CYRUS_DIR/spool
defaultpartition: default
admins: cyrus
servername: localhost
# SASL against the private sasldb; PLAIN and LOGIN over TLS only.
sasl_pwcheck_method: auxprop
sasl_auxprop_plugin: sasldb
sasl_sasldb_path: $sasldb
sasl_mech_list: PLAIN LOGIN
allowplaintext: yes
# The realm saslpasswd2 stored the users under (-u localhost).
loginrealms: localhost
tls_server_cert: $CYRUS_DIR/tls/cert.pem
tls_server_key: $CYRUS_DIR/tls/key.pem
tls_versions: tls1_2 tls1_3
# Folders as Petrel users see them on most servers: "/" separated, below INBOX's level.
unixhierarchysep: yes
altnamespace: yes
# Special-use folders created with the account, as Dovecot's config does.
autocreate_post: 1
autocreate_quota: 102400
autocreate_inbox_folders: Sent | Drafts | Trash | Junk | Archive
autocreate_subscribe_folders: Sent | Drafts | Trash | Junk | Archive
xlist-sent: Sent
xlist-drafts: Drafts
xlist-trash: Trash
xlist-junk: Junk
xlist-archive: Archive
specialusealways: 1
# IDLE polls the mailbox itself (no idled daemon to run).
idlemethod: poll
imapidlepoll: 1
lmtpsocket: $CYRUS_DIR/run/socket/lmtp
idlesocket: $CYRUS_DIR/run/socket/idle
notifysocket: $CYRUS_DIR/run/socket/notify
syslog_prefix: petrel-cyrus
EOF
    cat >"$CYRUS_DIR/cyrus.conf" <<EOF
# A private Cyrus for Petrel's captures (written by tests/capture/cyrus.sh).
START {
    recover cmd="$BIN/ctl_cyrusdb -C $CYRUS_DIR/imapd.conf -r"
}
SERVICES {
    imaps cmd="$BIN/imapd -s -C $CYRUS_DIR/imapd.conf" listen="127.0.0.1:$port" prefork=0 maxchild=20
}
EVENTS {
}
EOF
    chown -R cyrus:mail "$CYRUS_DIR/conf" "$CYRUS_DIR/spool" "$CYRUS_DIR/run" "$CYRUS_DIR/tls"
    chmod 644 "$CYRUS_DIR/imapd.conf" "$CYRUS_DIR/cyrus.conf"

    # Foreground master in the background of this shell, its output in master.log.
    "$BIN/master" -C "$CYRUS_DIR/imapd.conf" -M "$CYRUS_DIR/cyrus.conf" \
        -p "$CYRUS_DIR/master.pid.cyrus" -D >"$CYRUS_DIR/master.log" 2>&1 &
    echo $! >"$CYRUS_DIR/master.pid"

    # Wait until the listener greets.
    i=0
    until python3 - "$port" <<'EOF' 2>/dev/null; do
import socket, ssl, sys
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
with socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=2) as raw:
    with ctx.wrap_socket(raw) as tls:
        sys.exit(0 if tls.recv(100).startswith(b"* OK") else 1)
EOF
        i=$((i + 1))
        if [ $i -gt 100 ]; then
            echo "cyrus did not greet on 127.0.0.1:$port; master.log:" >&2
            cat "$CYRUS_DIR/master.log" >&2
            exit 1
        fi
        sleep 0.1
    done
    echo "$port" >"$CYRUS_DIR/port"
    echo "$port"
}

case ${1:-} in
start) start ;;
stop) stop ;;
*)
    echo "usage: $0 start|stop" >&2
    exit 2
    ;;
esac
