"""Demo plant: two sites, a location tree, ~60 assets, users in every role, requests, WOs, hours and parts.

Built through the services (so history and transitions are real), then back-dated where a demo
needs a past (completed failures last month). Deterministic: the same data on every machine.
"""

import random

from django.db import transaction
from django.utils import timezone

from plantwright.accounts.models import Site, User
from plantwright.accounts.roles import Role
from plantwright.accounts.services import grant_role
from plantwright.demo.assets import build_site
from plantwright.demo.downtime import build_downtime
from plantwright.demo.inventory import build_catalogue, build_stores_and_rates
from plantwright.demo.maintenance import build_work
from plantwright.demo.pm import build_pm
from plantwright.demo.procurement import build_purchasing
from plantwright.outbox.models import OutboxMessage, OutboxStatus

DEMO_PASSWORD = "plantwright"


SITES = [
    ("ist", "Istanbul Plant", "Europe/Istanbul", "TRY"),
    ("brm", "Bremen Plant", "Europe/Berlin", "EUR"),
]


# username, first, last, site code, roles
USERS = [
    ("operator", "Olcay", "Operator", "ist", [Role.REQUESTER]),
    ("tech", "Tarik", "Technician", "ist", [Role.TECHNICIAN]),
    ("tech2", "Tuba", "Technician", "ist", [Role.TECHNICIAN]),
    ("planner", "Pelin", "Planner", "ist", [Role.PLANNER]),
    ("storeroom", "Selim", "Storeroom", "ist", [Role.STOREROOM]),
    ("purchasing", "Pinar", "Purchasing", "ist", [Role.PURCHASING]),
    ("manager", "Murat", "Manager", "ist", [Role.MANAGER]),
    ("siteadmin", "Ayla", "Admin", "ist", [Role.ADMIN]),
    ("operator.brm", "Ole", "Operator", "brm", [Role.REQUESTER]),
    ("tech.brm", "Tim", "Technician", "brm", [Role.TECHNICIAN]),
    ("planner.brm", "Paula", "Planner", "brm", [Role.PLANNER]),
    ("manager.brm", "Max", "Manager", "brm", [Role.MANAGER]),
    ("oee", "OEE", "platform", "ist", [Role.INTEGRATION]),
]
# The shop floor reads its own language; the others follow their browser.
SHOP_FLOOR_LANGUAGE = {"operator": "tr", "tech": "tr", "tech2": "tr", "operator.brm": "de", "tech.brm": "de"}


def demo_loaded() -> bool:
    return Site.objects.filter(code=SITES[0][0]).exists()


def demo_logins() -> list[tuple[str, str]]:
    logins = [("admin", "installation administrator (all sites)")]
    for username, _first, _last, site_code, roles in USERS:
        sites = "ist, brm" if username == "oee" else site_code  # the OEE platform's account feeds both plants
        language = f" ({SHOP_FLOOR_LANGUAGE[username]})" if username in SHOP_FLOOR_LANGUAGE else ""
        logins.append((username, f"{', '.join(r.value for r in roles)} @ {sites}{language}"))
    return logins


@transaction.atomic
def load_demo() -> None:
    """Create the demo plant."""
    rng = random.Random(20261125)
    now = timezone.now()
    User.objects.create_superuser("admin", "admin@example.com", DEMO_PASSWORD, first_name="Installation admin")
    sites = {}
    for code, name, tz, currency in SITES:
        sites[code] = Site.objects.create(code=code, name=name, timezone=tz, currency=currency)

    users: dict[str, User] = {}
    for username, first, last, site_code, roles in USERS:
        user = User.objects.create_user(
            username, f"{username}@example.com", DEMO_PASSWORD, first_name=first, last_name=last,
            language=SHOP_FLOOR_LANGUAGE.get(username, ""),
        )  # fmt: skip
        for role in roles:
            grant_role(user, sites[site_code], role)
        users[username] = user

    grant_role(users["oee"], sites["brm"], Role.INTEGRATION)  # the OEE platform feeds both plants
    build_catalogue()
    for site_code, site in sites.items():
        build_site(site, rng, now)
        build_stores_and_rates(site, users, rng)
        planner = users["planner" if site_code == "ist" else "planner.brm"]
        techs = [
            u
            for name, u in users.items()
            if name.startswith("tech") and (name.endswith(".brm") == (site_code == "brm"))
        ]
        operator = users["operator" if site_code == "ist" else "operator.brm"]
        build_work(site, planner, techs, operator, rng, now)
        manager = users["manager" if site_code == "ist" else "manager.brm"]
        buyer = users["purchasing"] if site_code == "ist" else manager
        build_purchasing(site, planner, manager, buyer, techs[0])
        build_downtime(site, users["oee"], rng, now)
        build_pm(site, planner, techs, rng, now)
    # The demo's past is no news: its notifications stay in the app, but nobody is e-mailed about it.
    OutboxMessage.objects.filter(topic="notifications.email", status=OutboxStatus.PENDING).update(
        status=OutboxStatus.CANCELLED, last_error="demo history: not sent"
    )
