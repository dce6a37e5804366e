"""The README's screenshots, made from the demo plant: `make screenshots`.

A throwaway installation (its own var folder and SQLite file) is migrated, loaded with the demo and
served by gunicorn; Debian's chromium signs in as the demo people and photographs the pages they
live on, phone-sized where the page is a phone's. The pictures are reduced to a small palette so
the README stays light (each ~20–60 kB).
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from io import BytesIO
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
PHONE = {"width": 390, "height": 844}
DESK = {"width": 1280, "height": 800}

# (file, who, size, path, what the picture shows: its alt text in the README)
SHOTS = [
    ("phone-work-order.png", "tech", PHONE, "/work-orders/{wo}/", "A technician's work order on a phone"),
    ("phone-request.png", "operator", PHONE, "/requests/new/", "An operator raising a work request"),
    ("work-orders.png", "planner", DESK, "/work-orders/", "The planner's work order list"),
    ("reliability.png", "manager", DESK, "/reliability/", "The reliability dashboard: MTBF, MTTR, costs"),
    ("purchasing.png", "purchasing", DESK, "/purchasing/", "Parts requests waiting for their PO"),
]


def _run(args: list[str], env: dict[str, str]) -> None:
    subprocess.run([sys.executable, "-m", "plantwright", *args], cwd=REPO, env=env, check=True)


def _small_png(raw: bytes) -> bytes:
    from PIL import Image

    image = Image.open(BytesIO(raw)).convert("RGB").quantize(colors=48, method=Image.Quantize.MEDIANCUT)
    out = BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default=str(REPO / "docs" / "screenshots"))
    out = Path(parser.parse_args().out)
    out.mkdir(parents=True, exist_ok=True)
    var = Path(tempfile.mkdtemp(prefix="plantwright-screenshots-"))
    env = {**os.environ, "PLANTWRIGHT_VAR_DIR": str(var), "DATABASE_URL": f"sqlite:///{var}/demo.sqlite3"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    os.environ.update(env)
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "plantwright.settings")
    django.setup()
    from plantwright.maintenance.models import WorkOrder
    from plantwright.testing.processes import kill, start_web

    try:
        _run(["migrate", "--noinput", "--verbosity", "0"], env)
        _run(["load_demo"], env)
        wo = WorkOrder.objects.filter(status="in_progress", site__code="ist").order_by("pk").first()
        web, url = start_web(env=env)
        try:
            _photograph(url, out, {"wo": wo.pk if wo else WorkOrder.objects.order_by("pk").first().pk})
        finally:
            kill(web)
    finally:
        shutil.rmtree(var, ignore_errors=True)


def _photograph(url: str, out: Path, ids: dict) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
        )
        for name, who, size, path, _alt in SHOTS:
            page = browser.new_context(viewport=size, locale="en").new_page()
            page.goto(f"{url}/login/")
            page.get_by_label("Username").fill(who)
            page.get_by_label("Password").fill("plantwright")
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url(f"{url}/")
            page.goto(url + path.format(**ids))
            page.wait_for_load_state("networkidle")
            (out / name).write_bytes(_small_png(page.screenshot()))
            print(f"{name}: {(out / name).stat().st_size // 1024} kB")
            page.context.close()
        browser.close()


if __name__ == "__main__":
    main()
