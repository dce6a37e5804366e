"""Does Plantwright's catalogue map onto Tryton's? Parts are Tryton products of the same code, vendors
Tryton parties whose code is the vendor's ERP id (else its code); the warehouse, the site's currency
and the service product must exist. `manage.py tryton_sync` and the connector page show this report."""

from dataclasses import dataclass, field

from plantwright.erp.models import TrytonConnection
from plantwright.erp.tryton.connector import client_for, vendor_code
from plantwright.erp.tryton.rpc import TrytonClient
from plantwright.inventory.models import Part
from plantwright.maintenance.models import Vendor

CHUNK = 500


@dataclass
class MappingReport:
    user: str = ""
    company: str = ""
    warehouse_found: bool = False
    currency_found: bool = False
    service_product_found: bool | None = None  # None: no service product configured
    parts: int = 0
    vendors: int = 0
    unmapped_parts: list[str] = field(default_factory=list)
    unmapped_vendors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return (
            self.warehouse_found
            and self.currency_found
            and self.service_product_found is not False
            and not self.unmapped_parts
            and not self.unmapped_vendors
        )


def _missing(client: TrytonClient, model: str, codes: list[str]) -> list[str]:
    found: set[str] = set()
    for start in range(0, len(codes), CHUNK):
        chunk = codes[start : start + CHUNK]
        found |= {row["code"] for row in client.search_read(model, [("code", "in", chunk)], ["code"])}
    return [code for code in codes if code not in found]


def check(connection: TrytonConnection) -> MappingReport:
    """Sign in and compare (raises TrytonError / TrytonUnreachable when Tryton cannot be asked)."""
    client = client_for(connection)
    client.connect()
    report = MappingReport(user=connection.username)
    company = client.context.get("company")
    if company:
        report.company = client.read("company.company", [company], ["rec_name"])[0]["rec_name"]
    report.warehouse_found = bool(
        client.search("stock.location", [("code", "=", connection.warehouse_code), ("type", "=", "warehouse")])
    )
    report.currency_found = bool(client.search("currency.currency", [("code", "=", connection.site.currency)]))
    if connection.service_product_code:
        report.service_product_found = not _missing(client, "product.product", [connection.service_product_code])
    parts = sorted(Part.objects.filter(active=True).values_list("part_number", flat=True))
    vendors = sorted({vendor_code(vendor) for vendor in Vendor.objects.filter(active=True).only("code", "erp_id")})
    report.parts, report.vendors = len(parts), len(vendors)
    report.unmapped_parts = _missing(client, "product.product", parts)
    report.unmapped_vendors = _missing(client, "party.party", vendors)
    return report
