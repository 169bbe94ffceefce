from django.contrib.admin.apps import AdminConfig


class EscalationsAdminConfig(AdminConfig):
    default_site = "config.admin_site.EscalationsAdminSite"
