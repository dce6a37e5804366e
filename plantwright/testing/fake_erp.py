"""A stand-in ERP on 127.0.0.1 for tests and benchmarks: a real HTTP server in its own process.

    python -m plantwright.testing.fake_erp --port 0 --secret whsec_...

It prints `listening on <port>` once ready. It plays the ERP side of the webhook connector using
only what docs/erp-integration.md says (its own HMAC check, not Plantwright's code):

    POST /            a signed parts request or cancellation; answered per the current mode
    GET  /_received   what it accepted: [{key, type, body, attempts}]
    POST /_mode       {"mode": "ok" | "fail" | "slow" | "reject", "delay": seconds}
    POST /_send       {"url": ..., "events": [...], "secret": optional} → signs and POSTs them, returns the answer

Repeats of an Idempotency-Key are answered 200 again but recorded once (attempts counts them).
"""

import argparse
import hashlib
import hmac
import json
import sys
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class State:
    def __init__(self, secret: str):
        self.secret = secret
        self.mode = "ok"
        self.delay = 0.0
        self.received: dict[str, dict] = {}
        self.lock = threading.Lock()


def _sign(secret: str, body: bytes, timestamp: int) -> str:
    return "v1=" + hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def _signature_ok(secret: str, headers, body: bytes) -> bool:
    try:
        timestamp = int(headers.get("X-Plantwright-Timestamp", ""))
    except ValueError:
        return False
    if abs(time.time() - timestamp) > 300:
        return False
    expected = _sign(secret, body, timestamp)
    return any(hmac.compare_digest(expected, s.strip()) for s in headers.get("X-Plantwright-Signature", "").split(","))


def make_handler(state: State):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as a real ERP's server would
        disable_nagle_algorithm = True  # headers and body go out in two writes: do not wait between them

        def log_message(self, *args):  # quiet: tests read /_received instead
            pass

        def _answer(self, status: int, payload) -> None:
            body = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _body(self) -> bytes:
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))

        def do_GET(self):
            if self.path == "/_received":
                with state.lock:
                    return self._answer(200, list(state.received.values()))
            return self._answer(404, {"error": "not found"})

        def do_POST(self):
            body = self._body()
            if self.path == "/_mode":
                data = json.loads(body)
                state.mode, state.delay = data["mode"], float(data.get("delay", 0))
                return self._answer(200, {"mode": state.mode})
            if self.path == "/_send":
                return self._send(json.loads(body))
            if not _signature_ok(state.secret, self.headers, body):
                return self._answer(401, {"error": "bad signature"})
            if state.mode == "slow":
                time.sleep(state.delay)
            if state.mode == "fail":
                return self._answer(500, {"error": "ERP is having a bad day"})
            if state.mode == "reject":
                return self._answer(400, {"error": "we do not buy that"})
            key = self.headers.get("Idempotency-Key", "")
            message = json.loads(body)
            with state.lock:
                entry = state.received.setdefault(
                    key, {"key": key, "type": message.get("type"), "body": message, "attempts": 0}
                )
                entry["attempts"] += 1
                duplicate = entry["attempts"] > 1
            return self._answer(200, {"accepted": True, "duplicate": duplicate})

        def _send(self, data: dict) -> None:
            body = json.dumps(data["events"]).encode()
            timestamp = int(time.time())
            request = urllib.request.Request(
                data["url"],
                data=body,
                method="POST",
                headers={
                    "Content-Type": "application/json",
                    "X-Plantwright-Timestamp": str(timestamp),
                    "X-Plantwright-Signature": _sign(data.get("secret") or state.secret, body, timestamp),
                },
            )
            try:
                with urllib.request.urlopen(request, timeout=30) as response:
                    return self._answer(200, {"status": response.status, "body": json.loads(response.read())})
            except urllib.error.HTTPError as exc:
                return self._answer(200, {"status": exc.code, "body": json.loads(exc.read() or b"null")})

    return Handler


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--secret", required=True)
    args = parser.parse_args(argv)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(State(args.secret)))
    server.daemon_threads = True
    print(f"listening on {server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        sys.stdout.flush()


if __name__ == "__main__":
    main()
