"""LINE webhook benchmark: throughput and latency of `POST /line/webhook/` under 20 concurrent
senders posting signed batches, against a bare baseline that only verifies the HMAC and INSERTs
the raw rows (no Django), printed as a ratio. Django runs as in production: DEBUG off, behind a
TLS proxy (the senders send the proxy's X-Forwarded-Proto).

    python bench/line_webhook.py [--senders 20] [--batches 40] [--events 5] [--workers 2]

Needs DATABASE_URL and REDIS_URL. It uses `<database>_bench` (created and migrated when
missing), never the database you work in, and removes the rows it wrote. The Django side runs
under gunicorn (the production server) with the project's settings; the baseline is a
threaded stdlib HTTP server with one psycopg connection per thread, on the same PostgreSQL.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import http.client
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
SECRET = "bench-channel-secret"
PREFIX = "BENCH"


def sign(body: bytes) -> str:
    return base64.b64encode(hmac.new(SECRET.encode(), body, hashlib.sha256).digest()).decode()


def bench_database_url(url: str) -> tuple[str, str]:
    parts = urllib.parse.urlsplit(url)
    name = parts.path.lstrip("/")
    bench = name if "bench" in name else f"{name}_bench"
    return urllib.parse.urlunsplit(parts._replace(path="/" + bench)), bench


def ensure_database(url: str, bench_url: str, name: str) -> None:
    admin = urllib.parse.urlunsplit(urllib.parse.urlsplit(url)._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    env = {**os.environ, "DATABASE_URL": bench_url, "DEBUG": "true"}
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def batch(sender: int, n: int, events: int) -> bytes:
    now = int(time.time() * 1000)
    user = f"U{sender:032x}"
    return json.dumps(
        {
            "destination": "Ubench",
            "events": [
                {
                    "type": "message",
                    "mode": "active",
                    "timestamp": now,
                    "source": {"type": "user", "userId": user},
                    "webhookEventId": f"{PREFIX}{sender:03d}{n:05d}{k:02d}{secrets.token_hex(4)}",
                    "deliveryContext": {"isRedelivery": False},
                    "replyToken": secrets.token_hex(16),
                    "message": {
                        "id": str(secrets.randbelow(10**18)),
                        "type": "text",
                        "text": "ベンチマークのメッセージです",
                    },
                }
                for k in range(events)
            ],
        },
        ensure_ascii=False,
    ).encode()


# --- the baseline: HMAC + INSERT, nothing else -----------------------------------------------


BASELINE_TABLE = "bench_line_raw"


def baseline_server(db_url: str, port: int) -> ThreadingHTTPServer:
    local = threading.local()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args) -> None:
            pass

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            given = self.headers.get("x-line-signature", "")
            if not hmac.compare_digest(sign(body).encode(), given.encode()):
                self._answer(403)
                return
            events = json.loads(body)["events"]
            if not hasattr(local, "conn"):
                local.conn = psycopg.connect(db_url, autocommit=True)
            with local.conn.transaction():
                local.conn.cursor().executemany(
                    f"INSERT INTO {BASELINE_TABLE} (webhook_event_id, raw) VALUES (%s, %s) "
                    "ON CONFLICT DO NOTHING",
                    [(e["webhookEventId"], json.dumps(e)) for e in events],
                )
            self._answer(200)

        def _answer(self, status: int) -> None:
            self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

    class Server(ThreadingHTTPServer):
        daemon_threads = True
        request_queue_size = 128  # 20 senders connect at once; the default 5 resets some

    return Server(("127.0.0.1", port), Handler)


# --- the load ---------------------------------------------------------------------------------


def load(port: int, path: str, *, senders: int, batches: int, events: int) -> dict:
    latencies: list[float] = []
    failures: list[int] = []
    lock = threading.Lock()
    start = threading.Barrier(senders + 1)

    def sender(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        start.wait()
        for n in range(batches):
            body = batch(i, n, events)
            began = time.perf_counter()
            conn.request(
                "POST",
                path,
                body=body,
                headers={
                    "Content-Type": "application/json",
                    "x-line-signature": sign(body),
                    # As the TLS proxy in front of gunicorn says (BEHIND_TLS_PROXY).
                    "X-Forwarded-Proto": "https",
                },
            )
            response = conn.getresponse()
            response.read()
            took = time.perf_counter() - began
            with lock:
                latencies.append(took)
                if response.status != 200:
                    failures.append(response.status)
            if response.getheader("Connection", "").lower() == "close":
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.close()

    threads = [threading.Thread(target=sender, args=(i,)) for i in range(senders)]
    for t in threads:
        t.start()
    start.wait()
    began = time.perf_counter()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - began
    latencies.sort()
    return {
        "requests": len(latencies),
        "events": len(latencies) * events,
        "failures": failures,
        "seconds": elapsed,
        "events_per_s": len(latencies) * events / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p95_ms": latencies[int(len(latencies) * 0.95) - 1] * 1000,
        "max_ms": latencies[-1] * 1000,
    }


def wait_for(port: int, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"nothing listens on {port}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--senders", type=int, default=20)
    parser.add_argument("--batches", type=int, default=40, help="batches per sender")
    parser.add_argument("--events", type=int, default=5, help="events per batch")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=8, help="threads per gunicorn worker")
    args = parser.parse_args()

    url = os.environ["DATABASE_URL"]
    bench_url, name = bench_database_url(url)
    ensure_database(url, bench_url, name)
    with psycopg.connect(bench_url, autocommit=True) as conn:
        conn.execute(
            f"CREATE TABLE IF NOT EXISTS {BASELINE_TABLE} "
            "(id bigserial PRIMARY KEY, webhook_event_id varchar(64) UNIQUE NOT NULL, "
            "raw jsonb NOT NULL, received_at timestamptz NOT NULL DEFAULT now())"
        )
        conn.execute(f"TRUNCATE {BASELINE_TABLE}")

    # Baseline.
    port = free_port()
    server = baseline_server(bench_url, port)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    wait_for(port)
    load(port, "/", senders=2, batches=3, events=args.events)  # warm-up
    base = load(port, "/", senders=args.senders, batches=args.batches, events=args.events)
    server.shutdown()

    # Django under gunicorn.
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": bench_url,
        "LINE_CHANNEL_SECRET": SECRET,
        "DEBUG": "false",
        "BEHIND_TLS_PROXY": "true",
        "EMAIL_URL": os.environ.get("EMAIL_URL") or "consolemail://",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
    }
    gunicorn = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "tsunagari.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(args.workers),
            "--threads",
            str(args.threads),
            "--access-logfile",
            "/dev/null",
            "--error-logfile",
            "-",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        wait_for(port)
        warm = load(port, "/line/webhook/", senders=2, batches=3, events=args.events)
        ours = load(
            port, "/line/webhook/", senders=args.senders, batches=args.batches, events=args.events
        )
    finally:
        gunicorn.terminate()
        gunicorn.wait(timeout=20)

    with psycopg.connect(bench_url, autocommit=True) as conn:
        stored = conn.execute(
            "SELECT count(*) FROM line_webhookevent WHERE webhook_event_id LIKE %s",
            (PREFIX + "%",),
        ).fetchone()[0]
        conn.execute(
            "DELETE FROM line_webhookevent WHERE webhook_event_id LIKE %s", (PREFIX + "%",)
        )
        conn.execute(f"DROP TABLE {BASELINE_TABLE}")
    try:  # the tasks the webhook enqueued: no worker ran them, nothing should keep them
        from celery import Celery

        Celery(broker=os.environ["REDIS_URL"]).control.purge()
    except Exception:  # noqa: BLE001, S110 (a broker already gone has nothing to purge)
        pass

    print(f"{args.senders} senders x {args.batches} batches x {args.events} events")
    for label, r in (("baseline (HMAC + INSERT)", base), ("Django /line/webhook/", ours)):
        print(
            f"  {label:26} {r['events_per_s']:8.0f} events/s   p50 {r['p50_ms']:6.1f} ms   "
            f"p95 {r['p95_ms']:6.1f} ms   max {r['max_ms']:6.1f} ms   "
            f"requests {r['requests']}   failures {len(r['failures'])}"
        )
    stored -= warm["events"]  # the warm-up's
    print(f"  events stored by the webhook: {stored} of {ours['events']}")
    throughput = ours["events_per_s"] / base["events_per_s"]
    latency = ours["p95_ms"] / base["p95_ms"]
    print(f"  ratio Django / baseline: throughput {throughput:.2f}x, p95 latency {latency:.2f}x")
    expected = args.senders * args.batches
    complete = ours["requests"] == base["requests"] == expected
    return (
        1 if ours["failures"] or base["failures"] or stored != ours["events"] or not complete else 0
    )


if __name__ == "__main__":
    sys.exit(main())
