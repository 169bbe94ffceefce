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


class SecretFieldAdminMixin:
    """Show the model field `secret_field` to administrators only; everyone else sees the
    display method `secret_shown_as` (read-only) in its place and cannot search by it."""

    secret_field = ""
    secret_shown_as = ""

    def _masked(self, request, names):
        if request.user.is_superuser:
            return list(names)
        return [self.secret_shown_as if name == self.secret_field else name for name in names]

    def get_fields(self, request, obj=None):
        # Django lists the form's fields, then the read-only ones: masked, the secret comes
        # once in the model field's place and once as read-only. Keep its last place only.
        names = self._masked(request, super().get_fields(request, obj))
        return [name for at, name in enumerate(names) if name not in names[at + 1:]]

    def get_readonly_fields(self, request, obj=None):
        readonly = self._masked(request, super().get_readonly_fields(request, obj))
        if request.user.is_superuser or self.secret_shown_as in readonly:
            return readonly
        return [*readonly, self.secret_shown_as]

    def get_search_fields(self, request):
        return [name for name in super().get_search_fields(request)
                if request.user.is_superuser or name != self.secret_field]
