"""History pages that show the audit trail and can never be used to revert around the FSM."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed
from simple_history.admin import SimpleHistoryAdmin
from unfold.admin import ModelAdmin


class ReadOnlyHistoryAdmin(SimpleHistoryAdmin, ModelAdmin):
    """simple_history's admin with reverting refused on the server, not only hidden.

    SIMPLE_HISTORY_REVERT_DISABLED hides the button, but a POST to a history form would still
    revert the object (see shared/DEPENDENCIES.md); the history of an object the user may not
    see is not shown either.
    """

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method != "GET":
            return HttpResponseNotAllowed(["GET"])
        if self.get_object(request, object_id) is None:
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        if self.get_object(request, object_id) is None:
            raise PermissionDenied
        return super().history_view(request, object_id, extra_context)
