"""Importing a tracker through the admin: preview, mappings, confirm; administrators only."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from escalations.models import Case

pytestmark = pytest.mark.django_db

CSV = (b"Ticket #,Date,Customer,Issue Type,Risk,Team,Escalation Manager\n"
       b"AD-1,2026-11-23,Ann,Out of stock,4,Customer Service,\n"
       b"AD-2,2026-11-22,Ben,Payment issue,2,Operations,\n")


def _preview(client, mappings=""):
    upload = SimpleUploadedFile("legacy.csv", CSV, content_type="text/csv")
    return client.post("/admin/escalations/case/import/",
                       {"format": "0", "resource": "0", "import_file": upload,
                        "mappings": mappings})


def test_admin_preview_needs_a_mapping_then_imports(client, admin_user):
    client.force_login(admin_user)
    page = _preview(client).content.decode()
    assert "Unknown column" in page and "Escalation Manager" in page
    assert not Case.objects.exists()
    response = _preview(client, "Escalation Manager=ignore")
    page = response.content.decode()
    assert "AD-1" in page and not Case.objects.exists()  # preview writes nothing
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page))
    assert hidden["mappings"] == "Escalation Manager=ignore"
    response = client.post("/admin/escalations/case/process_import/", hidden)
    assert response.status_code == 302
    assert set(Case.objects.values_list("ticket_id", flat=True)) == {"AD-1", "AD-2"}
    assert Case.objects.get(ticket_id="AD-1").history.get().history_change_reason == (
        "imported from legacy.csv")


def test_only_administrators_see_the_import(client, make_user):
    client.force_login(make_user("head-of-operations", team="operations"))
    assert client.get("/admin/escalations/case/import/").status_code == 403
