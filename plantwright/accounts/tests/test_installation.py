"""The installation's own id: made once, kept, and in the MQTT ingest's default client id."""

import pytest

from plantwright.accounts.models import Installation
from plantwright.accounts.selectors import installation_id

pytestmark = pytest.mark.django_db


def test_the_installation_id_is_made_once_and_kept():
    first = installation_id()
    assert len(first) == 32 and int(first, 16) >= 0
    assert installation_id() == first and Installation.objects.count() == 1


def test_two_installations_on_one_broker_get_other_ingest_client_ids():
    from plantwright.downtime.management.commands.mqtt_ingest import default_client_id

    mine = default_client_id()
    assert mine.startswith(f"plantwright-ingest-{installation_id()[:12]}-")
    Installation.objects.all().delete()  # another installation's database
    assert default_client_id() != mine
