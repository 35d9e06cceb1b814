#!/bin/sh
# A private Dovecot (Debian 12's dovecot-imapd 2.3) for capturing server transcripts.
#
#   tests/capture/dovecot.sh start   # prints the PORT of the IMAPS listener on 127.0.0.1
#   tests/capture/dovecot.sh stop
#
# The recipe of petrel-tests' harness (tests/src/dovecot.rs), as a shell script, plus the
# quota plugins so that GETQUOTAROOT has something to answer. Everything lives in
# $DOVECOT_DIR (default /var/tmp/petrel-capture-dovecot): config, certificate, passwd-file,
# maildirs, log. As root Dovecot runs its processes as the packaged `dovecot` and `dovenull`
# users and reads mail as `dovecot`, so the directory must be reachable by them.
#
# Account: alice / "correct horse", with an empty INBOX (capture.py seeds it over IMAP).
set -eu

DOVECOT_DIR=${DOVECOT_DIR:-/var/tmp/petrel-capture-dovecot}

stop() {
    if [ -f "$DOVECOT_DIR/dovecot.pid" ]; then
        pid=$(cat "$DOVECOT_DIR/dovecot.pid")
        kill -TERM "$pid" 2>/dev/null || true
        i=0
        while kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do
            sleep 0.1
            i=$((i + 1))
        done
        rm -f "$DOVECOT_DIR/dovecot.pid"
    fi
}

start() {
    stop
    # A fresh store each time: the capture must start from the same seeded state.
    rm -rf "$DOVECOT_DIR"
    mkdir -p "$DOVECOT_DIR/run" "$DOVECOT_DIR/home/alice"
    chmod 755 "$DOVECOT_DIR" "$DOVECOT_DIR/run" "$DOVECOT_DIR/home"
    if [ "$(id -u)" = 0 ]; then
        internal=dovecot group=dovecot login=dovenull chroot=""
    else
        internal=$(id -un) group=$(id -gn) login=$(id -un) chroot="  chroot ="
    fi
    mail_uid=$(id -u "$internal")
    mail_gid=$(id -g "$internal")
    chown -R "$mail_uid:$mail_gid" "$DOVECOT_DIR/home/alice"

    openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj /CN=localhost \
        -addext subjectAltName=DNS:localhost,IP:127.0.0.1 \
        -keyout "$DOVECOT_DIR/key.pem" -out "$DOVECOT_DIR/cert.pem" 2>/dev/null
    echo 'alice:{PLAIN}correct horse::::::' >"$DOVECOT_DIR/passwd"
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

    cat >"$DOVECOT_DIR/dovecot.conf" <<CONF
# A private Dovecot for Petrel's captures (written by tests/capture/dovecot.sh).
base_dir = $DOVECOT_DIR/run
state_dir = $DOVECOT_DIR/run/state
instance_name = petrel-capture-$port
log_path = $DOVECOT_DIR/dovecot.log
info_log_path = $DOVECOT_DIR/dovecot.log
protocols = imap
listen = 127.0.0.1
shutdown_clients = yes
default_internal_user = $internal
default_internal_group = $group
default_login_user = $login
first_valid_uid = 1
first_valid_gid = 0

ssl = required
ssl_cert = <$DOVECOT_DIR/cert.pem
ssl_key = <$DOVECOT_DIR/key.pem
ssl_dh = </usr/share/dovecot/dh.pem
ssl_min_protocol = TLSv1.2

auth_mechanisms = plain login
auth_failure_delay = 0
mail_max_userip_connections = 100
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $DOVECOT_DIR/passwd
}
userdb {
  driver = static
  args = uid=$mail_uid gid=$mail_gid home=$DOVECOT_DIR/home/%u
}

mail_location = maildir:~/Maildir
namespace inbox {
  inbox = yes
  separator = /
  mailbox Sent {
    special_use = \\Sent
    auto = subscribe
  }
  mailbox Drafts {
    special_use = \\Drafts
    auto = subscribe
  }
  mailbox Trash {
    special_use = \\Trash
    auto = subscribe
  }
  mailbox Junk {
    special_use = \\Junk
    auto = subscribe
  }
  mailbox Archive {
    special_use = \\Archive
    auto = subscribe
  }
}

# Not in the harness: quotas, so that GETQUOTAROOT is answered.
mail_plugins = \$mail_plugins quota
protocol imap {
  mail_plugins = \$mail_plugins imap_quota
}
plugin {
  quota = count:User quota
  quota_rule = *:storage=100M
  quota_vsizes = yes
}

service imap-login {
  inet_listener imap {
    port = 0
  }
  inet_listener imaps {
    port = $port
    ssl = yes
  }
$chroot
}
service anvil {
$chroot
}
CONF
    /usr/sbin/dovecot -F -c "$DOVECOT_DIR/dovecot.conf" </dev/null >/dev/null 2>"$DOVECOT_DIR/stderr.log" &
    echo $! >"$DOVECOT_DIR/dovecot.pid"

    i=0
    until python3 - "$port" <<'PY' 2>/dev/null; do
import socket, ssl, sys
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
with socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=2) as raw:
    with ctx.wrap_socket(raw) as tls:
        sys.exit(0 if tls.recv(100).startswith(b"* OK") else 1)
PY
        i=$((i + 1))
        if [ $i -gt 100 ]; then
            echo "dovecot did not greet on 127.0.0.1:$port" >&2
            cat "$DOVECOT_DIR/stderr.log" "$DOVECOT_DIR/dovecot.log" >&2
            exit 1
        fi
        sleep 0.1
    done
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
