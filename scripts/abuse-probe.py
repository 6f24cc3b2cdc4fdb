#!/usr/bin/env python3
"""Black-box probes of the release server under abuse (BENCHMARKS.md "Under abuse").

Usage: cargo build --release -p comanda-server && python3 scripts/abuse-probe.py [SERVER]

Starts the server binary (default target/release/comanda-server) on a fresh SQLite database
in a temporary directory, with the default settings unless a probe says otherwise, and
prints, measured from outside the process:

  1. how many of 200 simultaneous wrong passwords for one account were checked (401);
  2. peak server RSS and thread count during 300 connect-send-close sign-ins;
  3. how long a half-sent request head stays open;
  4. RSS with 200 open event streams;
  5. rows in sessions and refresh_tokens after 1,000 refreshes and one cleanup pass.

Only 127.0.0.1, bounded in count and time.
"""

import json
import os
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

SERVER = sys.argv[1] if len(sys.argv) > 1 else "target/release/comanda-server"
PORT = 18765
PASSWORD = "probe-password-1"


def request(method, path, body=b"", headers=None, timeout=30):
    """One HTTP/1.1 request on a new connection: (status, headers, body)."""
    s = socket.create_connection(("127.0.0.1", PORT), timeout=timeout)
    head = f"{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
    for k, v in (headers or {}).items():
        head += f"{k}: {v}\r\n"
    head += f"Content-Length: {len(body)}\r\n\r\n"
    s.sendall(head.encode() + body)
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    s.close()
    raw_head, _, raw_body = data.partition(b"\r\n\r\n")
    status = int(raw_head.split(b" ")[1])
    return status, raw_head.decode(errors="replace"), raw_body


def login_body(username, password):
    return urllib.parse.urlencode({"username": username, "password": password}).encode()


FORM = {"Content-Type": "application/x-www-form-urlencoded"}
JSON = {"Content-Type": "application/json"}


class Server:
    def __init__(self, workdir, *flags):
        self.db = os.path.join(workdir, "probe.db")
        key = os.path.join(workdir, "key")
        if not os.path.exists(key):
            with open(key, "w") as f:
                f.write("probe-key-" + "k" * 40)
        env = dict(os.environ, RUST_LOG="warn")
        self.proc = subprocess.Popen(
            [SERVER, "--bind", f"127.0.0.1:{PORT}", "--database-url", f"sqlite://{self.db}",
             "--secret-key-file", key, *flags],
            env=env, stderr=subprocess.DEVNULL)
        for _ in range(200):
            try:
                if request("GET", "/health")[0] == 200:
                    return
            except OSError:
                time.sleep(0.05)
        raise SystemExit("the server did not start")

    def status(self):
        """(RSS in MiB, threads) of the server process."""
        rss = threads = 0
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    rss = int(line.split()[1]) / 1024
                elif line.startswith("Threads:"):
                    threads = int(line.split()[1])
        return rss, threads

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=40)


class Peak(threading.Thread):
    """Samples the server's RSS and threads every 10 ms until stopped."""

    def __init__(self, server):
        super().__init__(daemon=True)
        self.server, self.rss, self.threads, self.running = server, 0.0, 0, True

    def run(self):
        while self.running:
            rss, threads = self.server.status()
            self.rss, self.threads = max(self.rss, rss), max(self.threads, threads)
            time.sleep(0.01)


def signup(name):
    body = json.dumps({"username": name, "email": f"{name}@example.com", "password": PASSWORD})
    status, _, text = request("POST", "/users/", body.encode(), JSON)
    assert status == 201, (status, text)


def token(name):
    status, _, text = request("POST", "/auth/token", login_body(name, PASSWORD), FORM)
    assert status == 200, (status, text)
    return json.loads(text)


def concurrent_guesses():
    signup("victim")
    statuses, barrier = [], threading.Barrier(200)

    def guess(i):
        barrier.wait()
        statuses.append(request("POST", "/auth/token", login_body("victim", f"guess-{i}"), FORM)[0])

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(200)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(f"1. 200 simultaneous wrong passwords: {statuses.count(401)} checked (401), "
          f"{statuses.count(429)} refused (429), others {len(statuses) - statuses.count(401) - statuses.count(429)}")


def connect_send_close(server):
    idle_rss, idle_threads = server.status()
    peak = Peak(server)
    peak.start()
    body = login_body("victim", "wrong-password")
    raw = ("POST /auth/token HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\n"
           f"Content-Length: {len(body)}\r\n\r\n").encode() + body

    def hit():
        for _ in range(30):
            s = socket.create_connection(("127.0.0.1", PORT))
            s.sendall(raw)
            s.close()

    threads = [threading.Thread(target=hit) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    time.sleep(8)  # every accepted attempt's hash finishes
    peak.running = False
    peak.join()
    print(f"2. 300 connect-send-close sign-ins (limits raised so that every one is hashed): "
          f"peak RSS {peak.rss:.1f} MiB (idle {idle_rss:.1f}), peak threads {peak.threads} (idle {idle_threads})")


def half_head():
    s = socket.create_connection(("127.0.0.1", PORT), timeout=120)
    start = time.monotonic()
    s.sendall(b"GET /health HTTP/1.1\r\nHost: localhost\r\nX-Half: ")
    answer = b""
    while True:
        chunk = s.recv(4096)
        if not chunk:
            break
        answer += chunk
    took = time.monotonic() - start
    first = answer.split(b"\r\n")[0].decode() if answer else "(nothing)"
    print(f"3. a half-sent request head stays open {took:.1f} s, then: {first}")


def open_streams(server):
    signup("reader")  # the victim is locked out by probe 1
    access = token("reader")["access_token"]
    before, _ = server.status()
    sockets = []
    for _ in range(200):
        s = socket.create_connection(("127.0.0.1", PORT))
        s.sendall(f"GET /orders/events HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {access}\r\n\r\n".encode())
        assert b" 200 " in s.recv(4096)
        sockets.append(s)
    time.sleep(2)
    rss, threads = server.status()
    print(f"4. 200 open event streams: RSS {rss:.1f} MiB (before {before:.1f}), threads {threads}")
    for s in sockets:
        s.close()


def refreshes(workdir):
    pair = token("reader")
    for _ in range(1000):
        body = json.dumps({"refresh_token": pair["refresh_token"]}).encode()
        status, _, text = request("POST", "/auth/refresh_token", body, JSON)
        assert status == 200, (status, text)
        pair = json.loads(text)
    db = sqlite3.connect(os.path.join(workdir, "probe.db"))
    count = lambda t: db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
    print(f"5. after 1,000 refreshes: sessions {count('sessions')}, refresh_tokens {count('refresh_tokens')}", end="")
    db.close()
    return pair


def main():
    with tempfile.TemporaryDirectory() as workdir:
        server = Server(workdir)
        try:
            concurrent_guesses()
            half_head()
            open_streams(server)
            refreshes(workdir)
        finally:
            server.stop()
        # A restart runs a cleanup pass at once.
        server = Server(workdir, "--login-max-per-account", "100000", "--login-max-per-address", "100000")
        try:
            time.sleep(1)
            db = sqlite3.connect(os.path.join(workdir, "probe.db"))
            count = lambda t: db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
            print(f"; after a cleanup pass: sessions {count('sessions')}, refresh_tokens {count('refresh_tokens')}")
            db.close()
            connect_send_close(server)
        finally:
            server.stop()


if __name__ == "__main__":
    main()
