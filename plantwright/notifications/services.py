"""Telling people: an in-app notification and, if they want it, an e-mail, in the transaction of
the change that causes it. The e-mail goes through the outbox (`notifications.email`), so it is sent
once the change has committed, retried if the mail server is down, and never twice."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from plantwright.accounts.models import User
from plantwright.core.db.bounded import fit
from plantwright.core.db.bulk import insert_new
from plantwright.notifications.models import Kind, Notification, Preference
from plantwright.outbox.models import OutboxMessage
from plantwright.outbox.services import enqueue_many


@dataclass(frozen=True)
class Notice:
    """One event to tell some people of (see `notify`)."""

    users: tuple[User | None, ...]
    kind: str
    title: str | Promise
    body: str | Promise = ""
    link: str = ""
    key: str = ""


def notify(
    users: Iterable[User], kind: str, *, title: str | Promise, body: str | Promise = "", link: str = "", key: str
) -> int:
    """Tell each active user (once per `key`, which names the event). Returns how many were told.

    Title and body may be lazy (`format_lazy(_("..."), ...)`): each person reads them in their own
    language, as they are written when the notification is stored, not when it is shown."""
    return notify_all([Notice(tuple(users), kind, title, body, link, key)])


def notify_all(notices: list[Notice]) -> int:
    """`notify` for many events at once (a batch of ERP events): one read of the people's choices,
    one insert of the notifications, one of the e-mails, whatever the number of events."""
    wanted = [(notice, {u.pk: u for u in notice.users if u is not None and u.is_active}) for notice in notices]
    everyone = {pk: user for _notice, people in wanted for pk, user in people.items()}
    if not everyone:
        return 0
    kinds = {notice.kind for notice, people in wanted if people}
    choices = {(p.user_id, p.kind): p for p in Preference.objects.filter(user__in=list(everyone), kind__in=kinds)}
    rows, mails, told = [], [], 0
    for notice, people in wanted:
        for user in people.values():
            choice = choices.get((user.pk, notice.kind)) or Preference(in_app=True, email=True)
            with translation.override(user.language or settings.LANGUAGE_CODE):
                heading, text = fit(Notification, "title", str(notice.title)), str(notice.body)
            if choice.in_app:
                rows.append(Notification(user=user, kind=notice.kind, title=heading,
                                         body=fit(Notification, "body", text), link=notice.link))  # fmt: skip
            if choice.email and user.email:
                mail = {"to": user.email, "subject": heading, "body": text, "link": notice.link}
                key = f"notify:{notice.key}:{user.pk}"
                mails.append(OutboxMessage(topic="notifications.email", idempotency_key=key, payload=mail))
            told += bool(choice.in_app or (choice.email and user.email))
    with transaction.atomic():
        insert_new(Notification, rows)
        enqueue_many(mails)
    return told


def mark_read(user: User, ids: list[int] | None = None) -> int:
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    return unread.update(read_at=timezone.now())


@transaction.atomic
def set_preferences(user: User, choices: dict[str, tuple[bool, bool]]) -> None:
    """{kind: (in_app, email)} for the kinds given. Only a choice that differs from the default (both
    on) is stored, so saving the page unchanged stores nothing."""
    for kind, (in_app, email) in choices.items():
        if kind not in Kind.values:
            continue
        if in_app and email:
            Preference.objects.filter(user=user, kind=kind).delete()
        else:
            Preference.objects.update_or_create(user=user, kind=kind, defaults={"in_app": in_app, "email": email})


def admins() -> list[User]:
    """Who hears of dead letters: installation administrators and the sites' admins."""
    return list(User.objects.filter(is_active=True).filter(is_superuser=True).distinct()) + list(
        User.objects.filter(is_active=True, is_superuser=False, memberships__role="admin").distinct()
    )


def tell_admins_of_dead_letter(message) -> None:
    """An outbox message failed for good: the admins hear of it, once per message."""
    notify(
        admins(),
        Kind.DEAD_LETTER,
        title=format_lazy(_("Dead letter: {topic} #{id}"), topic=message.topic, id=message.pk),
        body=message.last_error or "",
        link="/integrations/outbox/?status=dead",
        key=f"dead-letter:{message.pk}:{message.attempts}",
    )
