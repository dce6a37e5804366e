"""The outbox handler that sends a notification e-mail (Django's mail framework: console by default,
SMTP when EMAIL_HOST is set)."""

from django.conf import settings
from django.core.mail import send_mail

from plantwright.outbox.registry import RetryableDeliveryError, register


def send(message) -> dict:
    payload = message.payload
    link = payload.get("link") or ""
    body = payload.get("body") or ""
    if link:
        body = f"{body}\n\n{settings.PLANTWRIGHT_BASE_URL.rstrip('/')}{link}".strip()
    try:
        send_mail(payload["subject"], body, settings.DEFAULT_FROM_EMAIL, [payload["to"]])
    except OSError as exc:  # the mail server is down or refused the connection: try again later
        raise RetryableDeliveryError(str(exc)) from exc
    return {"sent_to": payload["to"]}


register("notifications.email", send)
