"""A real Tryton ERP for the connector's tests: no mock of Tryton anywhere.

- Tryton lives in its own virtualenv (`var/tryton/venv`, from requirements-tryton.txt), outside
  Plantwright's dependencies.
- A template database is built once per machine and requirements (`var/tryton/template-<hash>/`):
  `trytond-admin` activates purchase_requisition, purchase, stock and account_invoice(_stock); then
  `tryton_seed.py` (run by Tryton's python, with proteus) adds the company, fiscal years, chart of
  accounts, supplier parties, products and the connector's API user.
- Each test gets a copy of the template and its own `trytond` on a free loopback port.
- `ErpDesk` acts as the ERP's own people (approver, buyer, storeroom, accounts payable) over the same
  JSON-RPC any Tryton client uses.
"""

import contextlib
import datetime as dt
import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

from django.conf import settings

from plantwright.erp.tryton.rpc import TrytonClient, TrytonError, TrytonUnreachable
from plantwright.testing.processes import free_port

REPO = Path(settings.BASE_DIR)
HOME = Path(settings.VAR_DIR) / "tryton"
REQUIREMENTS = REPO / "requirements-tryton.txt"
SEED = Path(__file__).with_name("tryton_seed.py")
MODULES = ["purchase_requisition", "account_invoice_stock"]  # with their dependencies
DATABASE = "plantwright"
ADMIN_PASSWORD = "admin-test-password"
API_USER, API_PASSWORD = "plantwright", "connector-test-password"


class TrytonUnavailable(Exception):
    """Tryton could not be installed or set up on this machine."""


def _fingerprint() -> str:
    return hashlib.sha256(REQUIREMENTS.read_bytes() + SEED.read_bytes()).hexdigest()[:12]


def _run(command: list[str], **kwargs) -> None:
    done = subprocess.run(command, capture_output=True, text=True, **kwargs)
    if done.returncode:
        raise TrytonUnavailable(f"{' '.join(map(str, command[:3]))} failed:\n{(done.stdout + done.stderr)[-3000:]}")


@contextlib.contextmanager
def _building():
    """One builder at a time per machine: parallel test workers wait for the first one's venv and template."""
    HOME.mkdir(parents=True, exist_ok=True)
    with (HOME / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes, even if the builder dies
        yield


def venv() -> Path:
    """Tryton's own virtualenv, installed on first use (about 20 s with pip's cache)."""
    home = HOME / "venv"
    marker = home / f".installed-{hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()[:12]}"
    if marker.exists():
        return home
    with _building():
        if marker.exists():
            return home
        shutil.rmtree(home, ignore_errors=True)
        _run([sys.executable, "-m", "venv", str(home)])
        _run([str(home / "bin" / "pip"), "install", "--quiet", "--disable-pip-version-check", "-r", str(REQUIREMENTS)])
        marker.touch()
    return home


def _config(directory: Path, port: int = 0, *, queue_worker: bool = False) -> Path:
    path = directory / "trytond.conf"
    path.write_text(
        f"[database]\nuri = sqlite://\npath = {directory}\n[web]\nlisten = 127.0.0.1:{port}\n"
        f"[session]\nmax_age = 86400\n[queue]\nworker = {queue_worker}\n"
    )
    return path


def template() -> Path:
    """The seeded template database (built once; about 35 s)."""
    directory = HOME / f"template-{_fingerprint()}"
    database = directory / f"{DATABASE}.sqlite"
    if database.exists():
        return database
    python = venv() / "bin"
    with _building():
        if not database.exists():
            _build_template(python, directory)
    return database


def _build_template(python: Path, directory: Path) -> None:
    building = HOME / f"building-{os.getpid()}"
    shutil.rmtree(building, ignore_errors=True)
    building.mkdir(parents=True)
    config = _config(building)
    (building / f"{DATABASE}.sqlite").touch()  # Tryton's SQLite backend opens an existing file
    password_file = building / "admin-password"
    password_file.write_text(ADMIN_PASSWORD)
    env = {**os.environ, "TRYTONPASSFILE": str(password_file)}
    admin = [str(python / "trytond-admin"), "-c", str(config), "-d", DATABASE]
    _run([*admin, "--all", "--email", "admin@plant.example"], env=env)
    _run([*admin, "-u", *MODULES, "--activate-dependencies"], env=env)
    _run([str(python / "python"), str(SEED), str(config), DATABASE, API_PASSWORD], env=env)
    shutil.rmtree(directory, ignore_errors=True)
    building.rename(directory)  # whole or not at all: a half-built template is never used


class TrytonServer:
    """`trytond` serving a fresh copy of the template on a free loopback port.

    With `queue_worker`, Tryton queues its background tasks (processing an approved requisition or a
    confirmed purchase) for a `trytond-worker`, as production does, instead of running them at once."""

    def __init__(self, template_database: Path, directory: Path, *, queue_worker: bool = False):
        self.directory = directory
        self.database = DATABASE
        self.template = template_database
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None
        self.worker: subprocess.Popen | None = None
        self.queue_worker = queue_worker
        shutil.copy(template_database, directory / f"{DATABASE}.sqlite")
        self.config = _config(directory, self.port, queue_worker=queue_worker)

    def start(self) -> "TrytonServer":
        log = (self.directory / "trytond.log").open("a")
        self.process = subprocess.Popen(
            [str(venv() / "bin" / "trytond"), "-c", str(self.config), "-d", self.database],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        if self.queue_worker:
            self.worker = subprocess.Popen(
                [str(venv() / "bin" / "trytond-worker"), "-c", str(self.config), "-d", self.database, "-t", "1"],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise TrytonUnavailable(f"trytond exited:\n{self.log()[-3000:]}")
            try:
                client = self.client(API_USER, API_PASSWORD)
                client.connect()
                client.close()
                return self
            except (TrytonUnreachable, TrytonError):
                time.sleep(0.1)
        raise TrytonUnavailable(f"trytond did not answer within 60 s:\n{self.log()[-3000:]}")

    def stop(self) -> None:
        for process in (self.worker, self.process):
            if process and process.poll() is None:
                process.terminate()
                process.wait(timeout=20)

    def log(self) -> str:
        path = self.directory / "trytond.log"
        return path.read_text() if path.exists() else ""

    def client(self, login: str, password: str) -> TrytonClient:
        return TrytonClient(self.url, self.database, login, password)

    def __enter__(self) -> "TrytonServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


class ErpDesk:
    """The ERP's own people at work, through JSON-RPC (signed in as Tryton's administrator)."""

    def __init__(self, server: TrytonServer):
        self.rpc = server.client("admin", ADMIN_PASSWORD)

    def requisitions(self, fields: list[str]) -> list[dict]:
        return self.rpc.search_read("purchase.requisition", [], fields, order=[["id", "ASC"]])

    def approve(self, requisition_id: int) -> None:
        self.rpc.button("purchase.requisition", "approve", [requisition_id])

    def reject(self, requisition_id: int) -> None:
        self.rpc.button("purchase.requisition", "reject", [requisition_id])

    def buy(self, requisition_id: int) -> int:
        """The buyer turns the requisition's purchase requests into a purchase and confirms it."""
        (requisition,) = self.rpc.read("purchase.requisition", [requisition_id], ["lines"])
        requests = self.rpc.search(
            "purchase.request",
            [("origin", "in", [f"purchase.requisition.line,{line}" for line in requisition["lines"]])],
        )
        self.rpc.run_wizard("purchase.request.create_purchase", "purchase.request", requests)
        (purchase_id,) = {row["purchase"] for row in self.rpc.read("purchase.request", requests, ["purchase"])}
        self.rpc.button("purchase.purchase", "quote", [purchase_id])
        self.rpc.button("purchase.purchase", "confirm", [purchase_id])
        return purchase_id

    def purchase(self, purchase_id: int) -> dict:
        (row,) = self.rpc.read(
            "purchase.purchase", [purchase_id], ["number", "state", "lines", "moves", "invoices", "party", "warehouse"]
        )
        return row

    def receive(self, purchase_id: int) -> int:
        """The storeroom receives every pending move of the purchase on one supplier shipment."""
        purchase = self.purchase(purchase_id)
        (warehouse,) = self.rpc.read("stock.location", [purchase["warehouse"]], ["input_location", "storage_location"])
        (shipment,) = self.rpc.create(
            "stock.shipment.in",
            [
                {
                    "supplier": purchase["party"],
                    "warehouse": purchase["warehouse"],
                    "warehouse_input": warehouse["input_location"],
                    "warehouse_storage": warehouse["storage_location"],
                    "company": self.rpc.context["company"],
                    "incoming_moves": [["add", purchase["moves"]]],
                }
            ],
        )
        self.rpc.button("stock.shipment.in", "receive", [shipment])
        self.rpc.button("stock.shipment.in", "do", [shipment])
        return shipment

    def post_invoice(self, purchase_id: int, *, reference: str, unit_prices: dict[str, Decimal]) -> int:
        """Accounts payable enters the vendor's invoice (at the vendor's prices, by product code) and posts it."""
        (invoice_id,) = self.purchase(purchase_id)["invoices"]
        (invoice,) = self.rpc.read("account.invoice", [invoice_id], ["lines"])
        for line in self.rpc.read("account.invoice.line", invoice["lines"], ["id", "product.code"]):
            price = unit_prices.get((line.get("product.") or {}).get("code"))
            if price is not None:
                self.rpc.write("account.invoice.line", [line["id"]], {"unit_price": price})
        self.rpc.write("account.invoice", [invoice_id], {"invoice_date": dt.date.today(), "reference": reference})
        self.rpc.button("account.invoice", "post", [invoice_id])
        return invoice_id

    def cancel_deliveries(self, purchase_id: int) -> None:
        """The vendor cannot deliver: the buyer cancels the pending moves and ignores them for good."""
        moves = self.purchase(purchase_id)["moves"]
        self.rpc.button("stock.move", "cancel", moves)
        name = "purchase.handle.shipment.exception"
        session, start, _end = self.rpc.call(f"wizard.{name}.create", self.rpc.context)
        context = {**self.rpc.context, "active_model": "purchase.purchase", "active_ids": [purchase_id],
                   "active_id": purchase_id}  # fmt: skip
        try:
            self.rpc.call(f"wizard.{name}.execute", session, {}, start, context)
            answer = {"ask": {"domain_moves": moves, "ignore_moves": moves, "recreate_moves": []}}
            self.rpc.call(f"wizard.{name}.execute", session, answer, "handle", context)
        finally:
            self.rpc.call(f"wizard.{name}.delete", session, self.rpc.context)
