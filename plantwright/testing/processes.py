"""Real processes for integration tests and benchmarks: the fake ERP, gunicorn, outbox workers, the MQTT ingest."""

import fcntl
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from django.db import connection

REPO = Path(__file__).resolve().parents[2]


def database_url() -> str:
    """The URL of the database this process uses now (the test database inside a test)."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    user = db.get("USER") or "postgres"
    return f"postgres://{user}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


class FakeErp:
    def __init__(self, secret: str):
        self.secret = secret
        self.port = 0
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def start(self) -> "FakeErp":
        self.process = subprocess.Popen(
            [sys.executable, "-m", "plantwright.testing.fake_erp", "--port", str(self.port), "--secret", self.secret],
            stdout=subprocess.PIPE,
            text=True,
            cwd=REPO,
        )
        line = self.process.stdout.readline()
        if not line.startswith("listening on "):
            raise RuntimeError(f"fake ERP did not start: {line!r}")
        self.port = int(line.split()[-1])
        return self

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def _call(self, method: str, path: str, payload=None):
        data = json.dumps(payload).encode() if payload is not None else None
        request = urllib.request.Request(self.url.rstrip("/") + path, data=data, method=method)
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read())

    def mode(self, mode: str, delay: float = 0) -> None:
        self._call("POST", "/_mode", {"mode": mode, "delay": delay})

    def received(self) -> list[dict]:
        return self._call("GET", "/_received")

    def send(self, url: str, events: list[dict], secret: str | None = None) -> dict:
        return self._call("POST", "/_send", {"url": url, "events": events, "secret": secret})


def _start(name: str, arguments: list[str], env: dict[str, str] | None) -> subprocess.Popen:
    """`python -m plantwright <arguments>` on this test's database; its output goes to a file (an
    unread pipe would fill up and stall it)."""
    log = tempfile.NamedTemporaryFile("w", prefix=f"{name}-", suffix=".log", delete=False)  # noqa: SIM115
    process = subprocess.Popen(
        [sys.executable, "-m", "plantwright", *arguments],
        cwd=REPO,
        env={**os.environ, "DATABASE_URL": database_url(), **(env or {})},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    process.log_path = log.name
    return process


def start_outbox_worker(*, env: dict[str, str] | None = None, batch: int = 20) -> subprocess.Popen:
    return _start("outbox-worker", ["outbox_worker", "--batch", str(batch), "--idle-sleep", "0.1"], env)


def start_scheduler_and_task_worker(*, env: dict[str, str] | None = None) -> list[subprocess.Popen]:
    """The periodic jobs as `make run` runs them: the scheduler queues them, `db_worker` runs them."""
    return [_start("scheduler", ["scheduler"], env), _start("task-worker", ["db_worker", "--no-startup-delay"], env)]


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


_static_collected = False


def collect_static() -> None:
    """Collect the static files as `make run` does, once per test process: without the manifest a server
    out of DEBUG answers 500 on every page. Parallel test workers take turns (collectstatic is not safe twice
    at once on one folder)."""
    global _static_collected
    if _static_collected:
        return
    from django.conf import settings

    with (settings.VAR_DIR / ".collectstatic.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        subprocess.run(
            [sys.executable, "-m", "plantwright", "collectstatic", "--noinput", "--verbosity", "0"],
            cwd=REPO,
            check=True,
            timeout=300,
        )
    _static_collected = True


def start_web(
    *, env: dict[str, str] | None = None, workers: int = 1, threads: int = 4, port: int | None = None
) -> tuple[subprocess.Popen, str]:
    """gunicorn as `make run` starts it, on a free loopback port (or `port`, for a peer that must know
    the address first); returns it and its URL once it answers."""
    import httpx

    collect_static()
    port = port or free_port()
    log = tempfile.NamedTemporaryFile("w", prefix="gunicorn-", suffix=".log", delete=False)  # noqa: SIM115
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "plantwright.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--timeout",
            "60",
        ],
        cwd=REPO,
        env={**os.environ, "DATABASE_URL": database_url(), **(env or {})},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    process.log_path = log.name
    url = f"http://127.0.0.1:{port}"
    last = ["no answer"]

    def answers() -> bool:
        try:
            response = httpx.get(f"{url}/login/", timeout=2)
        except httpx.HTTPError as error:
            last[0] = repr(error)
            return False
        last[0] = f"HTTP {response.status_code}"
        return response.status_code == 200

    try:
        wait_for(answers, timeout=30, what="gunicorn to answer")
    except AssertionError as error:
        kill(process)
        raise AssertionError(f"{error}; last: {last[0]}; its log:\n{log_of(process)[-3000:]}") from None
    return process, url


def kill(process: subprocess.Popen) -> None:
    """SIGKILL: no clean-up, as when a machine dies."""
    if process.poll() is None:
        process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)


def wait_for(condition, *, timeout: float = 20, interval: float = 0.05, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def start_mqtt_ingest(
    *, env: dict[str, str] | None = None, client_id: str = "test-ingest", sweep_seconds: float = 30
) -> subprocess.Popen:
    log = tempfile.NamedTemporaryFile("w", prefix="mqtt-ingest-", suffix=".log", delete=False)  # noqa: SIM115
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "plantwright",
            "mqtt_ingest",
            "--client-id",
            client_id,
            "--sweep-seconds",
            str(sweep_seconds),
        ],
        cwd=REPO,
        env={**os.environ, "DATABASE_URL": database_url(), **(env or {})},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    process.log_path = log.name
    return process


def log_of(process: subprocess.Popen) -> str:
    return Path(process.log_path).read_text()


def broker_reachable(host: str = "127.0.0.1", port: int = 1883) -> bool:
    import socket

    try:
        socket.create_connection((host, port), timeout=2).close()
    except OSError:
        return False
    return True


def run_task_worker(*, env: dict[str, str] | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """`db_worker --batch`: the task worker of `make run`, until the queue is empty."""
    return subprocess.run(
        [sys.executable, "-m", "plantwright", "db_worker", "--batch", "--no-startup-delay"],
        cwd=REPO,
        env={**os.environ, "DATABASE_URL": database_url(), **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=True,
    )


# What docs/deploy.md tells a plant to put in front: the same proxy headers and body limit.
NGINX_CONFIG = """
{user}
worker_processes 1;
pid {root}/nginx.pid;
error_log {root}/error.log warn;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {root}/body;
    proxy_temp_path {root}/proxy;
    fastcgi_temp_path {root}/fastcgi;
    uwsgi_temp_path {root}/uwsgi;
    scgi_temp_path {root}/scgi;
    client_max_body_size 11m;
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass {upstream};
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
        }}
    }}
}}
"""


def nginx_available() -> bool:
    return shutil.which("nginx") is not None or Path("/usr/sbin/nginx").exists()


def start_nginx(upstream: str) -> tuple[subprocess.Popen, str]:
    """Debian's nginx as a reverse proxy in front of `upstream`, on a free loopback port."""
    root = Path(tempfile.mkdtemp(prefix="nginx-"))
    port = free_port()
    user = "user root;" if os.geteuid() == 0 else ""  # workers must write the temp folders made here
    (root / "nginx.conf").write_text(NGINX_CONFIG.format(user=user, root=root, port=port, upstream=upstream))
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    process = subprocess.Popen(
        [binary, "-p", str(root), "-c", str(root / "nginx.conf"), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    process.log_path = str(root / "error.log")

    def listening() -> bool:
        import socket

        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
        except OSError:
            return process.poll() is not None  # ended: stop waiting, the caller sees why
        return True

    wait_for(listening, timeout=15, what="nginx to listen")
    if process.poll() is not None:
        raise RuntimeError(f"nginx did not start: {Path(process.log_path).read_text()[-2000:]}")
    return process, f"http://127.0.0.1:{port}"
