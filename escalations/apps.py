from django.apps import AppConfig
from django.db.models.signals import post_migrate


class EscalationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "escalations"
    verbose_name = "Escalations"

    def ready(self) -> None:
        post_migrate.connect(
            _load_reference_data, sender=self, dispatch_uid="escalations.reference_data"
        )


def _load_reference_data(sender, using="default", plan=None, **kwargs) -> None:
    """After migrate, create the policy documents' data where missing (idempotent)."""
    from django.db import connections

    from escalations.schedules import schedules_ensure
    from escalations.services.reference_loading import reference_data_load

    tables = connections[using].introspection.table_names()
    if "escalations_category" in tables and "accounts_role" in tables:
        # Permissions of apps after this one in INSTALLED_APPS (reports) do not exist yet.
        from django.apps import apps
        from django.contrib.auth.management import create_permissions

        for app_config in apps.get_app_configs():
            create_permissions(app_config, verbosity=0, using=using)
        reference_data_load()
    if "django_q_schedule" in tables:
        schedules_ensure()
