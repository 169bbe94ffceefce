from __future__ import annotations

import weakref

from django.contrib.admin.apps import AdminConfig


class EscalationsAdminConfig(AdminConfig):
    default_site = "config.admin_site.EscalationsAdminSite"

    def ready(self) -> None:
        super().ready()
        reuse_changelist_headers()


def reuse_changelist_headers() -> None:
    """Work out the theme's changelist headers once per page instead of once per row.

    django-unfold 0.91 rebuilds every column header (labels, sort links, three query strings a
    sortable column) for each row it renders, only to label the row's cells on narrow screens;
    on the case list that was a fifth of the page's time. The headers depend on the changelist
    alone, so they are kept per changelist (weakly: they go with the request). Upstream fixes
    the same waste by passing the headers down (django-unfold pull request 2171); remove this
    when the theme does so.
    """
    from unfold.templatetags import unfold_list

    build = unfold_list.result_headers
    if getattr(build, "reused_per_changelist", False):
        return
    built: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def result_headers(cl):
        if cl not in built:
            built[cl] = list(build(cl))
        return iter(built[cl])

    result_headers.reused_per_changelist = True
    unfold_list.result_headers = result_headers
