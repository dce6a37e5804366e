from django.urls import reverse

from plantwright.erp.models import WebhookEndpoint
from plantwright.procurement.models import ProcurementSettings


def test_an_admin_switches_a_site_to_the_webhook_and_rotates_its_secret(as_user, admin, site):
    client = as_user(admin)
    url = reverse("site-connector", args=[site.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"connector": "webhook", "webhook_url": "", "timeout_seconds": "10"})
    assert response.status_code == 422  # the webhook needs a URL
    response = client.post(
        url,
        {
            "connector": "webhook",
            "webhook_url": "https://erp.example.com/in",
            "timeout_seconds": "5",
            "approval_threshold": "2500",
        },
    )
    assert response.status_code == 302
    settings = ProcurementSettings.objects.get(site=site)
    endpoint = WebhookEndpoint.objects.get(site=site)
    assert (settings.connector, settings.approval_threshold, endpoint.timeout_seconds) == ("webhook", 2500, 5)
    old = endpoint.secret
    client.post(url, {"rotate": "1"})
    endpoint.refresh_from_db()
    assert endpoint.secret != old and endpoint.previous_secret == old
    assert old in endpoint.valid_secrets()


def test_a_planner_cannot_change_the_connector(as_user, planner, site):
    assert as_user(planner).get(reverse("site-connector", args=[site.pk])).status_code == 403
