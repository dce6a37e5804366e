"""Check each Tryton connection: sign-in, warehouse, currency, and which parts and vendors do not map."""

from django.core.management.base import BaseCommand, CommandError

from plantwright.erp.models import TrytonConnection
from plantwright.erp.tryton.mapping import check
from plantwright.erp.tryton.rpc import TrytonError, TrytonUnreachable


class Command(BaseCommand):
    help = "Compare Plantwright's parts and vendors with Tryton's products and parties (by code); exit 1 on gaps."

    def add_arguments(self, parser):
        parser.add_argument("--site", help="Only this site's connection (its code)")

    def handle(self, *args, site=None, **options):
        connections = TrytonConnection.objects.select_related("site").order_by("site__code")
        if site:
            connections = connections.filter(site__code=site)
        if not connections:
            raise CommandError("No Tryton connection" + (f" for site {site}." if site else "."))
        gaps = False
        for connection in connections:
            self.stdout.write(f"{connection.site.code}: {connection.url} database {connection.database}")
            try:
                report = check(connection)
            except (TrytonError, TrytonUnreachable) as exc:
                self.stdout.write(f"  cannot ask Tryton: {exc}")
                gaps = True
                continue
            self.stdout.write(f"  signed in as {report.user} ({report.company})")
            self.stdout.write(
                f"  warehouse {connection.warehouse_code}: {'found' if report.warehouse_found else 'MISSING'}"
            )
            self.stdout.write(
                f"  currency {connection.site.currency}: {'found' if report.currency_found else 'MISSING'}"
            )
            if report.service_product_found is not None:
                found = "found" if report.service_product_found else "MISSING"
                self.stdout.write(f"  service product {connection.service_product_code}: {found}")
            self.stdout.write(f"  parts: {report.parts - len(report.unmapped_parts)} of {report.parts} map")
            for code in report.unmapped_parts:
                self.stdout.write(f"    no Tryton product {code}")
            self.stdout.write(f"  vendors: {report.vendors - len(report.unmapped_vendors)} of {report.vendors} map")
            for code in report.unmapped_vendors:
                self.stdout.write(f"    no Tryton party {code}")
            gaps = gaps or not report.ok
        if gaps:
            raise SystemExit(1)
