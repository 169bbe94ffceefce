"""Evidence files are private: stored under unguessable names, read only through a checked view.

Given cases with evidence, only people who see the case download it, always as an attachment
that a browser will not render; nothing is left on disk when the change that carried a file
fails; the size limit is a setting and its refusal names the file and the limit.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import clear_url_caches, reverse
from django.utils.html import escape

from escalations.models import Case, CaseAttachment, CaseNote
from escalations.services import CasePermissionDenied, case_add_evidence, case_remove_evidence

pytestmark = pytest.mark.django_db

HTML = b"<html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    """Give each test its own MEDIA_ROOT, so that it sees only the files it stored."""
    settings.MEDIA_ROOT = str(tmp_path / "private")


@pytest.fixture
def debug_urlconf(settings):
    """Load the URLs as a development server (DEBUG on) would, then restore them."""
    import config.urls

    settings.DEBUG = True
    importlib.reload(config.urls)
    clear_url_caches()
    yield
    settings.DEBUG = False
    importlib.reload(config.urls)
    clear_url_caches()


def stored_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


@pytest.fixture
def add_evidence(django_capture_on_commit_callbacks, admin_user):
    """Return a function adding evidence through the service, its files written on commit."""

    def add(case, name: str = "screenshot.png", content: bytes = b"\x89PNG evidence",
            actor=None, **extra) -> CaseAttachment:
        with django_capture_on_commit_callbacks(execute=True):
            return case_add_evidence(case=case, actor=actor or admin_user,
                                     file=SimpleUploadedFile(name, content), **extra)

    return add


def download_url(attachment: CaseAttachment) -> str:
    return reverse("escalations_evidence_download", args=[attachment.pk])


# --- who gets the bytes ----------------------------------------------------------------------


def test_anonymous_visitor_is_sent_to_the_login_page(client, make_case, add_evidence):
    attachment = add_evidence(make_case())

    response = client.get(download_url(attachment))

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    assert b"PNG" not in b"".join(getattr(response, "streaming_content", [response.content]))


def test_user_of_another_team_gets_no_file(client, make_case, make_user, add_evidence):
    attachment = add_evidence(make_case(team="customer-service"))
    client.force_login(make_user("team-lead", team="sales-bd"))

    response = client.get(download_url(attachment))

    assert response.status_code == 404


def test_user_who_sees_the_case_downloads_the_bytes_as_an_attachment(client, make_case,
                                                                     make_user, add_evidence):
    attachment = add_evidence(make_case(), name="invoice.pdf", content=b"%PDF-1.4 invoice")
    client.force_login(make_user("agent"))

    response = client.get(download_url(attachment))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 invoice"
    assert response["Content-Disposition"] == 'attachment; filename="invoice.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/pdf"


@pytest.mark.parametrize("name, content", [("page.html", HTML), ("logo.svg", SVG),
                                           ("notes.htm", HTML), ("mail.xhtml", HTML)])
def test_markup_downloads_as_opaque_bytes_never_as_a_page(client, make_case, admin_user,
                                                          add_evidence, name, content):
    attachment = add_evidence(make_case(), name=name, content=content)
    client.force_login(admin_user)

    response = client.get(download_url(attachment))

    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]


def test_the_old_media_urls_answer_404_even_in_development(client, make_case, admin_user,
                                                           add_evidence, debug_urlconf):
    case = make_case()
    attachment = add_evidence(case, name="screenshot.png")
    client.force_login(admin_user)

    for url in (f"/media/{attachment.file.name}", f"/media/evidence/{case.pk}/screenshot.png"):
        assert client.get(url).status_code == 404


def test_evidence_whose_bytes_are_missing_answers_404(client, make_case, admin_user,
                                                      add_evidence):
    attachment = add_evidence(make_case())
    attachment.file.storage.delete(attachment.file.name)
    client.force_login(admin_user)

    assert client.get(download_url(attachment)).status_code == 404


# --- how files are stored ----------------------------------------------------------------------


def test_files_are_stored_under_unguessable_names_with_the_original_name_kept(
        make_case, add_evidence, admin_user, now):
    case = make_case()

    first = add_evidence(case, name="screenshot.png", now=now, description="Order page")
    second = add_evidence(case, name="screenshot.png")

    assert re.fullmatch(r"evidence/[0-9a-f]{32}", first.file.name)
    assert first.file.name != second.file.name
    assert (first.original_name, first.uploaded_by, first.uploaded_at) == (
        "screenshot.png", admin_user, now)
    assert Path(first.file.path).read_bytes() == b"\x89PNG evidence"
    # private to the server's user: files 0600 in folders 0700 (operations guide)
    assert Path(first.file.path).stat().st_mode & 0o777 == 0o600
    assert Path(first.file.path).parent.stat().st_mode & 0o777 == 0o700


def test_adding_evidence_leaves_an_entry_in_the_case_log(make_case, add_evidence, make_user, now):
    agent = make_user("agent")
    case = make_case()

    add_evidence(case, name="chat.txt", actor=agent, description="Chat transcript", now=now)

    note = CaseNote.objects.get(case=case)
    assert (note.author, note.created_at) == (agent, now)
    assert note.body == "Evidence added: chat.txt (Chat transcript)"


@pytest.mark.parametrize("given, kept", [
    ("../../x", "x"), ("..\\..\\boot.ini", "boot.ini"), ("<script>.txt", "<script>.txt"),
    ("a\r\nSet-Cookie: x=1.txt", "aSet-Cookie: x=1.txt"), ("..", "evidence"),
])
def test_hostile_file_names_are_kept_as_text_and_never_used_as_a_path(
        make_case, admin_user, django_capture_on_commit_callbacks, given, kept):
    case = make_case()

    with django_capture_on_commit_callbacks(execute=True):
        attachment = case_add_evidence(case=case, actor=admin_user,
                                       file=ContentFile(b"data", name=given))

    assert attachment.original_name == kept
    assert re.fullmatch(r"evidence/[0-9a-f]{32}", attachment.file.name)
    root = Path(settings.MEDIA_ROOT).resolve()
    assert [path.resolve().parent for path in stored_files()] == [root / "evidence"]


def test_case_page_shows_the_original_name_as_text_linking_to_the_download_view(
        client, make_case, admin_user, add_evidence):
    case = make_case()
    attachment = add_evidence(case, name="<img src=x onerror=alert(1)>.txt")
    client.force_login(admin_user)

    page = client.get(f"/admin/escalations/case/{case.pk}/change/").content.decode()

    assert "<img src=x" not in page
    assert escape("<img src=x onerror=alert(1)>.txt") in page
    assert f'href="{download_url(attachment)}"' in page
    assert attachment.file.name not in page
    assert "/media/" not in page


# --- permission, size ----------------------------------------------------------------------------


def test_someone_who_cannot_see_the_case_may_not_add_evidence(make_case, make_user):
    case = make_case(team="customer-service")

    with pytest.raises(CasePermissionDenied):
        case_add_evidence(case=case, actor=make_user("agent", team="sales-bd"),
                          file=SimpleUploadedFile("x.png", b"x"))

    assert not CaseAttachment.objects.exists() and stored_files() == []


def test_evidence_over_the_limit_is_refused_naming_the_file_and_the_limit(
        make_case, admin_user, settings):
    settings.EVIDENCE_MAX_UPLOAD_MB = 1
    big = SimpleUploadedFile("dashcam.mp4", b"x" * (1024 * 1024 + 1))

    with pytest.raises(ValidationError) as refused:
        case_add_evidence(case=make_case(), actor=admin_user, file=big)

    assert refused.value.messages == [
        "dashcam.mp4 is too large (1.0 MB); evidence files may be at most 1 MB each."
    ]
    assert not CaseAttachment.objects.exists() and stored_files() == []


def test_an_empty_file_is_refused(make_case, admin_user):
    with pytest.raises(ValidationError, match="empty.txt is empty"):
        case_add_evidence(case=make_case(), actor=admin_user,
                          file=SimpleUploadedFile("empty.txt", b""))


def test_the_limit_is_read_from_the_environment_and_defaults_to_25_mb(monkeypatch):
    from config.settings import base

    monkeypatch.delenv("EVIDENCE_MAX_UPLOAD_MB", raising=False)
    assert importlib.reload(base).EVIDENCE_MAX_UPLOAD_MB == 25
    monkeypatch.setenv("EVIDENCE_MAX_UPLOAD_MB", "40")
    assert importlib.reload(base).EVIDENCE_MAX_UPLOAD_MB == 40


def test_an_administrator_removes_evidence_and_its_file_goes_when_that_commits(
        make_case, admin_user, add_evidence, django_capture_on_commit_callbacks, now):
    case = make_case()
    attachment = add_evidence(case, name="wrong-customer.pdf")
    CaseNote.objects.all().delete()

    with django_capture_on_commit_callbacks() as callbacks:
        case_remove_evidence(attachment=attachment, actor=admin_user, now=now)
        assert len(stored_files()) == 1  # still there until the removal commits
    for callback in callbacks:
        callback()

    assert not CaseAttachment.objects.exists() and stored_files() == []
    assert CaseNote.objects.get(case=case).body == "Evidence removed: wrong-customer.pdf"


def test_only_an_administrator_may_remove_evidence(make_case, make_user, add_evidence):
    attachment = add_evidence(make_case())

    with pytest.raises(CasePermissionDenied):
        case_remove_evidence(attachment=attachment, actor=make_user("head-of-operations"))

    assert CaseAttachment.objects.filter(pk=attachment.pk).exists() and len(stored_files()) == 1


# --- nothing left behind -------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_change_that_rolls_back_leaves_no_file_and_no_row(make_case, admin_user):
    case = make_case()

    with pytest.raises(RuntimeError), transaction.atomic():
        case_add_evidence(case=case, actor=admin_user,
                          file=SimpleUploadedFile("statement.pdf", b"%PDF bank statement"))
        raise RuntimeError("a later step of the same change failed")

    assert not CaseAttachment.objects.exists()
    assert not CaseNote.objects.filter(case=case).exists()
    assert stored_files() == []


@pytest.mark.django_db(transaction=True)
def test_a_committed_change_stores_the_file(make_case, admin_user):
    with transaction.atomic():
        attachment = case_add_evidence(case=make_case(), actor=admin_user,
                                       file=SimpleUploadedFile("statement.pdf", b"%PDF ok"))
        assert stored_files() == []  # nothing on disk before the change commits

    assert Path(attachment.file.path).read_bytes() == b"%PDF ok"


def test_a_file_that_cannot_be_written_undoes_its_row_and_log_entry(
        make_case, admin_user, django_capture_on_commit_callbacks, monkeypatch):
    from django.core.files.storage import FileSystemStorage

    case = make_case()

    def disk_full(self, name, content):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(FileSystemStorage, "_save", disk_full)
    with django_capture_on_commit_callbacks() as callbacks:
        case_add_evidence(case=case, actor=admin_user, file=SimpleUploadedFile("a.png", b"a"))
    with pytest.raises(OSError):
        for callback in callbacks:
            callback()

    assert not CaseAttachment.objects.exists()
    assert not CaseNote.objects.filter(case=case).exists()


# --- the case form ------------------------------------------------------------------------------


def case_form_data(client, case) -> dict[str, object]:
    """Return the case form's data as the page shows it, with empty inlines."""
    response = client.get(f"/admin/escalations/case/{case.pk}/change/")
    form = response.context["adminform"].form
    data: dict[str, object] = {"_continue": "1"}
    for name in form.fields:
        value = form[name].value()
        if value not in (None, False):
            data[name] = value
    for inline in response.context["inline_admin_formsets"]:
        prefix = inline.formset.prefix
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    return data


@pytest.mark.django_db(transaction=True)
def test_evidence_uploaded_on_the_case_form_is_stored_through_the_service(client, make_case,
                                                                         make_user):
    agent = make_user("agent")
    case = make_case()
    client.force_login(agent)
    data = case_form_data(client, case)
    data.update({"attachments-TOTAL_FORMS": "1",
                 "attachments-0-evidence_file": SimpleUploadedFile("receipt.html", HTML),
                 "attachments-0-description": "Receipt the customer sent"})

    response = client.post(f"/admin/escalations/case/{case.pk}/change/", data)

    assert response.status_code == 302, response.content.decode()[:2000]
    attachment = CaseAttachment.objects.get(case=case)
    assert (attachment.original_name, attachment.uploaded_by) == ("receipt.html", agent)
    assert Path(attachment.file.path).read_bytes() == HTML
    assert CaseNote.objects.get(case=case).body.startswith("Evidence added: receipt.html")
    download = client.get(download_url(attachment))
    assert download["Content-Type"] == "application/octet-stream"
    assert b"".join(download.streaming_content) == HTML


def test_case_form_refuses_a_file_over_the_limit_on_its_row(client, make_case, admin_user,
                                                            settings):
    settings.EVIDENCE_MAX_UPLOAD_MB = 1
    case = make_case()
    client.force_login(admin_user)
    data = case_form_data(client, case)
    data.update({"attachments-TOTAL_FORMS": "1",
                 "attachments-0-evidence_file": SimpleUploadedFile("huge.zip",
                                                                   b"x" * (2 * 1024 * 1024))})

    response = client.post(f"/admin/escalations/case/{case.pk}/change/", data)

    assert response.status_code == 200
    assert "huge.zip is too large (2.0 MB); evidence files may be at most 1 MB each." in (
        response.content.decode())
    assert not CaseAttachment.objects.exists() and stored_files() == []


def test_an_administrator_removes_evidence_on_the_case_form(client, make_case, admin_user,
                                                            add_evidence):
    case = make_case()
    attachment = add_evidence(case, name="wrong-customer.pdf")
    client.force_login(admin_user)
    data = case_form_data(client, case)
    data.update({"attachments-TOTAL_FORMS": "1", "attachments-INITIAL_FORMS": "1",
                 "attachments-0-id": attachment.pk, "attachments-0-case": case.pk,
                 "attachments-0-DELETE": "on"})

    response = client.post(f"/admin/escalations/case/{case.pk}/change/", data)

    assert response.status_code == 302
    assert not CaseAttachment.objects.exists()
    assert CaseNote.objects.filter(body="Evidence removed: wrong-customer.pdf").exists()


def test_deleting_a_case_removes_its_evidence_files(client, make_case, admin_user, add_evidence,
                                                    django_capture_on_commit_callbacks):
    case = make_case()
    add_evidence(case)
    assert len(stored_files()) == 1
    client.force_login(admin_user)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/admin/escalations/case/{case.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not Case.objects.filter(pk=case.pk).exists()
    assert stored_files() == []
