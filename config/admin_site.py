"""The admin site: Django's with the django-unfold theme, and the dashboard on its index page."""

from unfold.sites import UnfoldAdminSite


class EscalationsAdminSite(UnfoldAdminSite):
    site_header = "Escalation back office"
    site_title = "Escalations"
    index_title = "Escalations"
    index_template = "admin/escalations_index.html"
    site_url = None  # the admin is the whole product: no "View site" link to a public site

    def index(self, request, extra_context=None):
        extra_context = extra_context or {}
        if request.user.has_perm("escalations.view_case"):
            from reports.dashboard import dashboard_for

            extra_context["dashboard"] = dashboard_for(request.user)
        return super().index(request, extra_context)
