"""An administrator imports a legacy tracker, exports cases, edits a template and a person's
notification settings."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from python_calamine import CalamineWorkbook

from accounts.models import User
from escalations.models import Case, NotificationTemplate

pytestmark = pytest.mark.django_db(transaction=True)

TRACKER = ("Ticket #,Date,Customer,Issue Type,Risk\n"
           "LG-1,23/11/2026,Ann <b>Tan</b>,Out of stock,4\n"
           "LG-2,22/11/2026,Ben Lim,Payment issue,{risk}\n")


def _upload(page, path, set_values: str) -> None:
    page.set_input_files("input[name='import_file']", str(path))
    page.fill("textarea[name='set_values']", set_values)
    page.get_by_role("button", name="Submit").click()


def test_admin_imports_a_tracker_fixing_a_bad_row_then_exports_it(page, login, shot,
                                                                  admin_user, tmp_path):
    login(admin_user)
    tracker = tmp_path / "cs-tracker.csv"
    tracker.write_text(TRACKER.format(risk="7"))

    page.goto("/admin/escalations/case/")
    page.get_by_role("link", name="Import").click()
    _upload(page, tracker, "team=Customer Service")
    errors = page.locator("body")
    expect(errors).to_contain_text("7")
    expect(errors).to_contain_text("risk")
    shot("import-preview-with-error")
    assert not Case.objects.exists()

    tracker.write_text(TRACKER.format(risk="2"))
    _upload(page, tracker, "team=Customer Service")
    expect(page.locator("body")).to_contain_text("Customer Service")  # names, not ids
    expect(page.locator("body")).to_contain_text("Ann <b>Tan</b>")  # text shown as text
    shot("import-preview")
    page.get_by_role("button", name="Confirm import").click()
    expect(page.locator(".messagelist")).to_contain_text("2")
    assert set(Case.objects.values_list("ticket_id", flat=True)) == {"LG-1", "LG-2"}

    page.goto("/admin/escalations/case/?state=all")
    page.get_by_role("link", name="Export").click()
    page.select_option("select[name='format']", label="xlsx")
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Submit").click()
    path = tmp_path / "export.xlsx"
    download_info.value.save_as(path)
    workbook = CalamineWorkbook.from_path(str(path))
    assert workbook.sheet_names == ["Cases"]
    rows = workbook.get_sheet_by_name("Cases").to_python()
    assert {"LG-1", "LG-2"} <= {row[0] for row in rows[1:]}


def test_admin_edits_a_template_and_a_persons_notification_settings(page, login, shot,
                                                                    admin_user, make_user,
                                                                    make_case):
    case = make_case()
    agent = make_user("agent")
    login(admin_user)

    template = NotificationTemplate.objects.get(event="escalated")
    page.goto(f"/admin/escalations/notificationtemplate/{template.pk}/change/")
    page.fill("input[name='subject']", "URGENT {{ case.ticket_id }} climbs a tier")
    page.locator("[name='_continue']").click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    expect(page.locator("body")).to_contain_text(f"URGENT {case.ticket_id} climbs a tier")
    shot("template-preview")

    page.goto(f"/admin/accounts/user/{agent.pk}/change/")
    page.select_option("select[name='notification_channel']", "both")
    page.get_by_label(re.compile("SLA warning")).check()
    page.locator("[name='_continue']").click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    shot("user-notification-settings")
    agent = User.objects.get(pk=agent.pk)
    assert agent.notification_channel == "both"
    assert "sla_warning" in agent.muted_events
