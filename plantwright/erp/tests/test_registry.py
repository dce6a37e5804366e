"""A connector kind is registered, not a model choice: a new one needs no migration."""

import pytest

from plantwright.erp import connectors, services
from plantwright.erp.forms import SiteConnectorForm
from plantwright.inventory.models import Storeroom
from plantwright.procurement.models import ProcurementSettings

pytestmark = pytest.mark.django_db


class _PaperErp:
    kind = "paper"

    def submit_parts_request(self, request, message):
        return {"printed": request.pk}

    def cancel(self, request_line, message):
        return {"crossed_out": request_line.pk}


@pytest.fixture
def paper(monkeypatch):
    monkeypatch.setattr(connectors, "_TYPES", dict(connectors._TYPES))
    connectors.register_connector("paper", "Paper forms to purchasing", lambda site: _PaperErp())


def test_a_registered_connector_can_be_chosen_and_is_used(paper, admin, site):
    services.configure_site(admin, site, connector="paper")
    assert ProcurementSettings.objects.get(site=site).connector == "paper"
    site.refresh_from_db()
    assert isinstance(connectors.connector_for(site), _PaperErp)
    form = SiteConnectorForm(storerooms=Storeroom.objects.none())
    assert ("paper", "Paper forms to purchasing") in form.fields["connector"].choices


def test_an_unregistered_kind_is_refused(admin, site):
    from plantwright.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        services.configure_site(admin, site, connector="paper")


def test_the_site_says_how_long_an_invoice_waits_for_its_receipt(admin, site):
    from plantwright.core.errors import ValidationFailed

    services.configure_site(admin, site, connector="builtin", invoice_without_receipt_days=45)
    assert ProcurementSettings.objects.get(site=site).invoice_without_receipt_days == 45
    with pytest.raises(ValidationFailed):
        services.configure_site(admin, site, connector="builtin", invoice_without_receipt_days=0)
    assert ProcurementSettings.objects.get(site=site).invoice_without_receipt_days == 45
