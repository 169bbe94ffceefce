"""Downloading a case's evidence: for those who may see the case, always as an attachment."""

from __future__ import annotations

import mimetypes

from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest
from django.views.decorators.http import require_GET

from escalations.models import CaseAttachment
from escalations.permissions import can_see_case

# Types a browser shows without running anything in them; everything else (HTML, SVG, XML,
# scripts, unknown) goes out as opaque bytes.
INERT_TYPES = frozenset({
    "application/pdf", "image/png", "image/jpeg", "image/gif", "image/webp", "text/plain",
    "text/csv",
})


def download_content_type(name: str) -> str:
    """Return the content type to send a file under: its own if inert, else opaque bytes."""
    guessed, encoding = mimetypes.guess_type(name, strict=False)
    if guessed in INERT_TYPES and encoding is None:
        return guessed
    return "application/octet-stream"


@require_GET
def evidence_download(request: HttpRequest, pk: int) -> FileResponse:
    """Send a piece of evidence to someone who may see its case (404 to anyone else).

    Wrapped in the admin site's admin_view (see config/urls.py): people who are not signed in
    are sent to the admin's login page.
    """
    attachment = CaseAttachment.objects.select_related("case").filter(pk=pk).first()
    if attachment is None or not can_see_case(request.user, attachment.case):
        raise Http404("No such evidence.")
    if not request.user.has_perm("escalations.view_caseattachment"):
        raise PermissionDenied
    try:
        content = attachment.file.open("rb")
    except FileNotFoundError as missing:
        raise Http404("The file of this evidence is missing.") from missing
    response = FileResponse(
        content, as_attachment=True, filename=attachment.original_name,
        content_type=download_content_type(attachment.original_name),
    )
    response["X-Content-Type-Options"] = "nosniff"
    # Should a browser open it anyway, nothing in it may run or load anything.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
