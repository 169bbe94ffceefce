"""URL routes: the admin is the product; /health/ for load balancers.

No route serves MEDIA_ROOT, in development or production: evidence and reports are private
files, downloaded only through permission-checked views.
"""

from django.contrib import admin
from django.urls import path
from django.views.generic import RedirectView

from config.health import health
from escalations.admin.downloads import evidence_download

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
    path("admin/escalations/evidence/<int:pk>/download/", admin.site.admin_view(evidence_download),
         name="escalations_evidence_download"),
    path("admin/", admin.site.urls),
    path("health/", health, name="health"),
]
