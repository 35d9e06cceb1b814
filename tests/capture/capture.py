#!/usr/bin/env python3
"""Runs an IMAP command script against a server over TLS and records the raw bytes.

    capture.py --port PORT --server NAME SCRIPT OUT_DIR

writes, for SCRIPT named `x.txt`:
  OUT_DIR/x.txt         the script as sent (lines for other servers left out)
  OUT_DIR/x.client.bin  every byte sent to the server
  OUT_DIR/x.server.bin  every byte received from it, greeting first, exactly as received

Script format (one command a line, written for the tests in shared/tests/captures.rs):
  # ...                    a comment, not sent
  ?NAME LINE               LINE only when --server is NAME (servers differ, e.g. in quota roots)
  TAG COMMAND...           sent with CRLF; the tool waits for TAG's completion. The tag says
                           what completion is expected: a tag starting with `no` a NO, with
                           `bad` a BAD, any other an OK (the capture test checks this).
  {mail:FILE}              inside a command: a synchronizing literal with the contents of
                           mail/FILE (line ends made CRLF); the tool waits for the server's `+`
  {mail+:FILE}             the same as a non-synchronizing literal (LITERAL+)
  {lit:TEXT} {lit+:TEXT}   the same with TEXT itself (UTF-8) as the literal
  {$uidvalidity}           the UIDVALIDITY the server last reported (for SELECT ... QRESYNC)
  !idle TAG HELPER         sends `TAG IDLE`, waits for `+`, runs the script HELPER on a second
                           connection (recorded beside this one), waits until the first
                           connection reports EXISTS, then sends DONE and waits for TAG.

Certificates are not verified: the servers are private ones with self-signed certificates.
"""

import argparse
import os
import re
import socket
import ssl
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
MAIL = os.path.join(HERE, "mail")
TIMEOUT = 15.0
LITERAL = re.compile(rb"\{(mail|mail\+|lit|lit\+):([^}]*)\}")


class Connection:
    """A TLS connection whose every byte in and out is kept."""

    def __init__(self, port):
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        raw = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        self.sock = ctx.wrap_socket(raw, server_hostname="localhost")
        self.sent = bytearray()
        self.received = bytearray()
        # Bytes of `received` already split into responses.
        self.pos = 0
        # Values later commands may use, from the server's responses.
        self.uidvalidity = b"1"

    def send(self, data):
        self.sock.sendall(data)
        self.sent += data

    def _fill(self, deadline):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("no complete response in time; received so far:\n"
                               + self.received[-2000:].decode("utf-8", "replace"))
        self.sock.settimeout(remaining)
        data = self.sock.recv(65536)
        if not data:
            raise ConnectionError("server closed the connection")
        self.received += data

    def response(self, timeout=TIMEOUT):
        """The next whole response (literals included), as bytes."""
        deadline = time.monotonic() + timeout
        start = self.pos
        scan = start
        while True:
            end = self.received.find(b"\r\n", scan)
            if end < 0:
                self._fill(deadline)
                continue
            line_end = end + 2
            m = re.search(rb"~?\{(\d+)\+?\}$", bytes(self.received[scan:end]))
            if m:
                literal_end = line_end + int(m.group(1))
                while len(self.received) < literal_end:
                    self._fill(deadline)
                scan = literal_end
                continue
            self.pos = line_end
            r = bytes(self.received[start:line_end])
            m = re.search(rb"\[UIDVALIDITY (\d+)\]", r)
            if m:
                self.uidvalidity = m.group(1)
            return r

    def until(self, done, timeout=TIMEOUT):
        """Reads responses until `done(response)`; returns that response."""
        while True:
            r = self.response(timeout)
            if done(r):
                return r

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def literal_bytes(kind, arg):
    if kind.startswith(b"mail"):
        with open(os.path.join(MAIL, arg.decode()), "rb") as f:
            data = f.read()
        # The files are kept with LF line ends; IMAP messages have CRLF.
        return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    return arg


def send_command(conn, tag, line):
    """Sends one command line, literals included; returns its tagged completion."""
    rest = line
    while True:
        m = LITERAL.search(rest)
        if not m:
            conn.send(rest + b"\r\n")
            break
        kind, arg = m.group(1), m.group(2)
        data = literal_bytes(kind, arg)
        plus = kind.endswith(b"+")
        conn.send(rest[: m.start()] + b"{%d%s}\r\n" % (len(data), b"+" if plus else b""))
        if not plus:
            r = conn.until(lambda r: r.startswith(b"+") or r.startswith(tag + b" "))
            if not r.startswith(b"+"):
                return r
        conn.send(data)
        rest = rest[m.end():]
    return conn.until(lambda r: r.startswith(tag + b" "))


def script_lines(path, server):
    with open(path, "rb") as f:
        for raw in f.read().split(b"\n"):
            line = raw.rstrip(b"\r")
            if line.startswith(b"?"):
                name, _, line = line[1:].partition(b" ")
                if name.decode() != server:
                    continue
            if not line.strip():
                continue
            yield line


def run(port, server, script, out_dir):
    name = os.path.splitext(os.path.basename(script))[0]
    kept = []
    conn = Connection(port)
    conn.until(lambda r: r.startswith(b"* "))
    for line in script_lines(script, server):
        kept.append(line)
        if line.startswith(b"#"):
            continue
        if line.startswith(b"!idle "):
            _, tag, helper = line.split(b" ")
            conn.send(tag + b" IDLE\r\n")
            conn.until(lambda r: r.startswith(b"+"))
            run(port, server, os.path.join(os.path.dirname(script), helper.decode()), out_dir)
            conn.until(lambda r: re.match(rb"\* \d+ EXISTS\r\n", r) is not None)
            conn.send(b"DONE\r\n")
            r = conn.until(lambda r: r.startswith(tag + b" "))
        else:
            tag = line.split(b" ", 1)[0]
            r = send_command(conn, tag, line.replace(b"{$uidvalidity}", conn.uidvalidity))
        print(f"{server} {name}: {r[:100].decode('utf-8', 'replace').rstrip()}", file=sys.stderr)
        if r.startswith(tag + b" BYE"):
            break
    # After LOGOUT the server closes; keep whatever it still sends.
    try:
        conn.sock.settimeout(2)
        while True:
            data = conn.sock.recv(65536)
            if not data:
                break
            conn.received += data
    except (OSError, socket.timeout):
        pass
    conn.close()
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, name + ".txt"), "wb") as f:
        f.write(b"\n".join(kept) + b"\n")
    with open(os.path.join(out_dir, name + ".client.bin"), "wb") as f:
        f.write(conn.sent)
    with open(os.path.join(out_dir, name + ".server.bin"), "wb") as f:
        f.write(conn.received)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--server", required=True, help="selects the script's ?NAME lines")
    p.add_argument("script")
    p.add_argument("out_dir")
    a = p.parse_args()
    run(a.port, a.server, a.script, a.out_dir)


if __name__ == "__main__":
    main()
