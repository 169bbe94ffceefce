"""Sending one rendered notification by email or to a team chat incoming webhook."""

from __future__ import annotations

from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection

from escalations.models import Channel, Notification


class PermanentDeliveryError(Exception):
    """Retrying will not help (e.g. the webhook answered 404)."""


class TransientDeliveryError(Exception):
    """Worth retrying later (SMTP down, webhook 5xx or timeout)."""


def webhook_masked(url: str) -> str:
    """Return a chat webhook address as people other than administrators may see it: its
    scheme and host only (the path is the secret that lets anyone post to the channel)."""
    if not url:
        return ""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}/…" if parts.hostname else "(set)"


def _without_secret(text: str, url: str) -> str:
    """Return text with the webhook's address, and its path and query on their own, masked."""
    parts = urlsplit(url)
    text = text.replace(url, webhook_masked(url))
    for secret in (parts.path, parts.query):
        if secret and secret != "/":
            text = text.replace(secret, "…")
    return text


def send_email(notification: Notification) -> None:
    """Send the notification by email, with its stable Message-ID."""
    message = EmailMultiAlternatives(
        subject=notification.subject, body=notification.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL, to=[notification.recipient],
        headers={"Message-ID": notification.message_id},
        connection=get_connection(fail_silently=False),
    )
    if notification.body_html:
        message.attach_alternative(notification.body_html, "text/html")
    try:
        message.send()
    except (OSError, Exception) as error:  # smtplib errors derive from OSError
        raise TransientDeliveryError(f"email to {notification.recipient}: {error}") from error


def chat_payload(notification: Notification) -> dict:
    """Return the JSON body accepted by both Slack and Microsoft Teams incoming webhooks."""
    return {"text": notification.body_text}


def send_chat(notification: Notification) -> None:
    """Post the notification to the team's incoming webhook."""
    try:
        response = requests.post(
            notification.recipient, json=chat_payload(notification),
            headers={"Idempotency-Key": notification.message_id},
            timeout=settings.NOTIFICATION_HTTP_TIMEOUT,
        )
    except requests.RequestException as error:
        # requests names the address in its messages; errors are stored and shown to staff.
        detail = _without_secret(str(error), notification.recipient)
        raise TransientDeliveryError(f"webhook: {type(error).__name__}: {detail}") from None
    if response.status_code >= 500 or response.status_code in (408, 429):
        raise TransientDeliveryError(f"webhook answered {response.status_code}")
    if response.status_code >= 400:
        raise PermanentDeliveryError(
            f"webhook answered {response.status_code}: {response.text[:200]}"
        )


def send(notification: Notification) -> None:
    """Send by the notification's channel."""
    if notification.channel == Channel.CHAT:
        send_chat(notification)
    else:
        send_email(notification)
