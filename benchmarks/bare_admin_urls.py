"""The product's URLs plus a bare admin page of the case model, for benchmarks/admin_load.py.

The floor of the load benchmark: the admin theme's own ModelAdmin of Case, with none of the
product's columns, views, scoping or actions, at /bare-admin/ (staff only, as any admin). Used
only when ROOT_URLCONF=benchmarks.bare_admin_urls is set for the web servers.
"""

from django.urls import path
from unfold.admin import ModelAdmin
from unfold.sites import UnfoldAdminSite

from config.urls import urlpatterns as product_urls
from escalations.models import Case


class BareCaseAdmin(ModelAdmin):
    list_per_page = 30  # as the product's case list


bare_site = UnfoldAdminSite(name="bare")
bare_site.register(Case, BareCaseAdmin)

urlpatterns = [path("bare-admin/", bare_site.urls), *product_urls]
