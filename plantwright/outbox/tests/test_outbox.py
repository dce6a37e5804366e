"""The outbox: commit with the business change, claim once, back off, dead-letter, retry by hand."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from plantwright.core.errors import Conflict, PermissionDenied
from plantwright.outbox import registry, services
from plantwright.outbox.models import OutboxMessage
from plantwright.testing import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def handled():
    calls = []

    def handler(message):
        calls.append(message.pk)
        if message.payload.get("fail"):
            raise RuntimeError("far side down")
        if message.payload.get("refuse"):
            raise registry.PermanentError("far side says no")
        return {"ok": True}

    registry.register("test.topic", handler)
    yield calls
    registry._HANDLERS.pop("test.topic", None)


def test_a_message_rolls_back_with_its_transaction(site):
    with pytest.raises(RuntimeError), transaction.atomic():
        services.enqueue("test.topic", {}, idempotency_key="k-1", site=site)
        raise RuntimeError("the business change failed")
    assert not OutboxMessage.objects.exists()


def test_the_same_key_is_enqueued_once(site):
    first = services.enqueue("test.topic", {}, idempotency_key="k-1", site=site)
    assert services.enqueue("test.topic", {"other": 1}, idempotency_key="k-1", site=site).pk == first.pk
    assert OutboxMessage.objects.count() == 1


def test_delivery_records_the_result(site, handled):
    message = services.enqueue("test.topic", {}, idempotency_key="k-1", site=site)
    assert services.run_once() == 1
    message.refresh_from_db()
    assert (message.status, message.attempts, message.result) == ("delivered", 1, {"ok": True})
    assert services.run_once() == 0 and handled == [message.pk]


def test_failures_back_off_exponentially_then_dead_letter(site, handled):
    message = services.enqueue("test.topic", {"fail": True}, idempotency_key="k-1", site=site)
    OutboxMessage.objects.filter(pk=message.pk).update(max_attempts=4)
    delays = []
    for _ in range(4):
        OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
        before = timezone.now()
        services.run_once()
        message.refresh_from_db()
        delays.append((message.next_attempt_at - before).total_seconds())
    assert message.status == "dead" and message.attempts == 4
    assert "far side down" in message.last_error
    # Ceilings 2 s, 4 s, 8 s with jitter between half the ceiling and the ceiling.
    assert 0.9 <= delays[0] <= 2.5 and 1.9 <= delays[1] <= 4.5 and 3.9 <= delays[2] <= 8.5
    assert all(services.backoff(n) <= timedelta(hours=1) for n in range(1, 40))


def test_a_refusal_dead_letters_at_once(site, handled):
    services.enqueue("test.topic", {"refuse": True}, idempotency_key="k-1", site=site)
    services.run_once()
    assert OutboxMessage.objects.get().status == "dead"


def test_an_unknown_topic_dead_letters(site):
    services.enqueue("nobody.listens", {}, idempotency_key="k-1", site=site)
    services.run_once()
    message = OutboxMessage.objects.get()
    assert message.status == "dead" and "No handler" in message.last_error


def test_a_leased_message_is_not_taken_until_the_lease_ends(site, handled):
    services.enqueue("test.topic", {}, idempotency_key="k-1", site=site)
    [claimed] = services.claim(worker="w1")
    assert services.claim(worker="w2") == []
    OutboxMessage.objects.update(leased_until=timezone.now() - timedelta(seconds=1))
    [taken_over] = services.claim(worker="w2")
    assert taken_over.pk == claimed.pk
    # The first worker comes back late: its outcome is not recorded, the lease holder's is.
    assert services.deliver(claimed) is True
    assert OutboxMessage.objects.get().status == "delivering"
    services.deliver(taken_over)
    assert OutboxMessage.objects.get().status == "delivered"


def test_retry_and_cancel_need_an_integration_manager(site, planner, handled):
    admin = factories.UserFactory(username="root", is_superuser=True)
    message = services.enqueue("test.topic", {"refuse": True}, idempotency_key="k-1", site=site)
    services.run_once()
    message.refresh_from_db()
    with pytest.raises(PermissionDenied):
        services.retry(planner, message)
    message = services.retry(admin, message)
    assert (message.status, message.attempts) == ("pending", 0)
    message = services.cancel(admin, message)
    assert message.status == "cancelled"
    with pytest.raises(Conflict):
        services.cancel(admin, message)


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_never_take_the_same_message(site, handled):
    for n in range(60):
        services.enqueue("test.topic", {}, idempotency_key=f"k-{n}", site=site)
    taken: dict[str, list[int]] = {"a": [], "b": []}
    barrier = threading.Barrier(2)

    def work(name):
        barrier.wait()
        try:
            while batch := services.claim(7, worker=name):
                taken[name] += [m.pk for m in batch]
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(name,)) for name in taken]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not set(taken["a"]) & set(taken["b"])
    assert len(taken["a"]) + len(taken["b"]) == 60


def test_a_topic_whose_preparation_raises_fails_only_its_messages(site, handled):
    def broken_prepare(group):
        raise KeyError("a bug in the batch loader")

    registry.register("test.broken", lambda message: {"ok": True}, prepare=broken_prepare)
    try:
        good = services.enqueue("test.topic", {}, idempotency_key="good", site=site)
        bad = services.enqueue("test.broken", {}, idempotency_key="bad", site=site)
        assert services.run_once() == 1
    finally:
        registry._HANDLERS.pop("test.broken", None)
    good.refresh_from_db()
    bad.refresh_from_db()
    assert good.status == "delivered"
    assert (bad.status, bad.attempts, bad.leased_by) == ("pending", 1, "") and "KeyError" in bad.last_error


def test_an_answer_the_database_refuses_is_dropped_not_delivered_again_and_again(site):
    registry.register("test.odd", lambda message: {"answer": "nul\x00byte" if message.payload.get("odd") else "ok"})
    try:
        odd = services.enqueue("test.odd", {"odd": True}, idempotency_key="odd", site=site)
        fine = services.enqueue("test.odd", {}, idempotency_key="fine", site=site)
        if connection.vendor != "postgresql":  # SQLite keeps a NUL: make it refuse the same way
            from unittest import mock

            real = services._save_outcomes

            def picky(worker, messages):
                if any("\x00" in str(value) for m in messages for value in m.result.values()):
                    raise ValueError("unsupported Unicode escape sequence")
                return real(worker, messages)

            with mock.patch.object(services, "_save_outcomes", picky):
                services.run_once()
        else:
            services.run_once()
    finally:
        registry._HANDLERS.pop("test.odd", None)
    odd.refresh_from_db()
    fine.refresh_from_db()
    assert (fine.status, fine.result) == ("delivered", {"answer": "ok"})
    assert odd.status == "delivered" and odd.result["not_kept"].startswith("The receiver's answer could not be stored")
