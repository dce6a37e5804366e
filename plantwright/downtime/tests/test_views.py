from django.urls import reverse

from plantwright.downtime.models import DowntimeRule
from plantwright.downtime.services import ingest
from plantwright.downtime.tests.test_services import NOW, event


def test_pages_show_stops_timeline_and_refusals(
    as_user, oee, planner, rules, asset, site, django_assert_max_num_queries
):
    from datetime import timedelta

    from django.utils import timezone

    recent = timezone.now() - timedelta(days=1)
    body = {
        **event("v-1", 0, 30),
        "started_at": recent.isoformat(),
        "ended_at": (recent + timedelta(minutes=30)).isoformat(),
    }
    [result] = ingest(oee, [body, event("v-bad", 0, 30, machine="nope")], source="test")[:1]
    client = as_user(planner)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("downtime-list")).content.decode()
    assert result.work_order in page
    page = client.get(reverse("downtime-list"), {"with_wo": "no"}, headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in page and result.work_order not in page
    asset_page = client.get(reverse("asset-detail", args=[asset.pk])).content.decode()
    assert "pw-stop-breakdown" in asset_page and "Breakdown 30 min" in asset_page
    wo_page = client.get(reverse("work-order-detail", args=[asset.work_orders.get().pk])).content.decode()
    assert 'id="wo-downtime"' in wo_page


def test_a_manager_edits_the_rules_and_a_planner_only_reads_them(as_user, manager, planner, rules, site):
    url = reverse("downtime-rules", args=[site.pk])
    assert "Add a rule" not in as_user(planner).get(url).content.decode()
    client = as_user(manager)
    response = client.post(
        url,
        {
            "rnew-position": "40",
            "rnew-name": "Quality stops",
            "rnew-active": "on",
            "rnew-categories": ["quality"],
            "rnew-reason_codes": "QC1, QC2",
            "rnew-action": "open_wo",
            "rnew-min_duration_minutes": "0",
            "rnew-work_order_type": "corrective",
            "rnew-priority": "medium",
        },
    )
    assert response.status_code == 302
    rule = DowntimeRule.objects.get(name="Quality stops")
    assert (rule.categories, rule.reason_codes, rule.is_failure) == (["quality"], ["QC1", "QC2"], False)
    response = client.post(
        url,
        {
            "rnew-position": "50",
            "rnew-name": "Bad",
            "rnew-action": "repeated",
            "rnew-min_duration_minutes": "0",
            "rnew-work_order_type": "inspection",
            "rnew-priority": "low",
        },
    )
    assert response.status_code == 422  # repeated without count and window
    client.post(reverse("downtime-rule-delete", args=[site.pk, rule.pk]))
    assert not DowntimeRule.objects.filter(name="Quality stops").exists()
    as_user(planner).post(reverse("downtime-rule-delete", args=[site.pk, rules[0].pk]))
    assert DowntimeRule.objects.filter(pk=rules[0].pk).exists()  # refused (with a message), not deleted


def test_refused_events_page(as_user, oee, manager, rules, asset):
    ingest(oee, [event("r-1", 10, 5)], source="test", now=NOW)
    page = as_user(manager).get(reverse("downtime-rejected")).content.decode()
    assert "ended_before_started" in page


def test_what_the_rules_decided_reads_in_the_readers_language(as_user, oee, planner, rules, asset):
    """The stop keeps its decision in English (API, exports); a page says it in the reader's words."""
    from datetime import timedelta

    from django.utils import timezone

    from plantwright.downtime.models import DowntimeStop

    recent = timezone.now() - timedelta(hours=5)
    short = {**event("v-short", 0, 2), "started_at": recent.isoformat(),
             "ended_at": (recent + timedelta(minutes=2)).isoformat()}  # fmt: skip
    ingest(oee, [short], source="test")
    stop = DowntimeStop.objects.get()
    assert stop.decision.startswith("shorter than 5 min (rule '") and stop.decision_data["code"] == "too_short"
    planner.language = "de"
    planner.save()
    page = as_user(planner).get(reverse("downtime-list")).content.decode()
    assert "kürzer als 5 min (Regel &#x27;" in page and "shorter than" not in page


def test_the_rules_page_names_the_status_topic_with_the_configured_prefix(as_user, rules, site, settings):
    from plantwright.testing import factories

    settings.MQTT_TOPIC_PREFIX = "acme-cmms"
    admin = factories.UserFactory(username="topic-admin", roles=[(site, "admin")])  # integrations see the topic
    page = as_user(admin).get(reverse("downtime-rules", args=[site.pk])).content.decode()
    assert f"acme-cmms/{site.code}/work-orders/&lt;number&gt;/status" in page and "plantwright/" + site.code not in page
