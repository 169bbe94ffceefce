"""Login throttling: repeated wrong passwords lock the username out from that address, even
with the right password, until the cool-off ends or an administrator unlocks it."""

from __future__ import annotations

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/?next=/admin/"


def _login(client, username: str, password: str, address: str = "203.0.113.7"):
    return client.post(LOGIN, {"username": username, "password": password},
                       REMOTE_ADDR=address)


def test_five_wrong_passwords_lock_the_account_out_even_with_the_right_one(client,
                                                                          admin_user):
    for _ in range(4):
        assert _login(client, "root", "guess").status_code == 200  # the form again
    locked = _login(client, "root", "guess")
    assert locked.status_code == 429
    refused = _login(client, "root", "pw")
    assert refused.status_code == 429 and "_auth_user_id" not in client.session
    assert "too many login attempts" in refused.content.decode().lower()


def test_the_lockout_is_per_username_and_address(client, admin_user, make_user):
    make_user("team-lead", username="lead")
    for _ in range(5):
        _login(client, "root", "guess")
    # the same person from another address, and another person from the same address
    assert _login(client, "root", "pw", address="198.51.100.9").status_code == 302
    client.logout()
    assert _login(client, "lead", "pw").status_code == 302


def test_an_administrator_unlocks_a_username(client, admin_user):
    for _ in range(5):
        _login(client, "root", "guess")
    assert _login(client, "root", "pw").status_code == 429
    call_command("axes_reset_username", "root")
    assert _login(client, "root", "pw").status_code == 302


def test_a_successful_login_clears_earlier_failures(client, admin_user):
    for _ in range(4):
        _login(client, "root", "guess")
    assert _login(client, "root", "pw").status_code == 302
    client.logout()
    for _ in range(4):
        _login(client, "root", "guess")
    assert _login(client, "root", "pw").status_code == 302
