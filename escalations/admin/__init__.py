"""The Django admin is the product's working UI."""

from escalations.admin.case_admin import CaseAdmin
from escalations.admin.notification_admin import NotificationAdmin, NotificationTemplateAdmin
from escalations.admin.policy_admin import CategoryAdmin, PolicyAdmin

__all__ = [
    "CaseAdmin", "CategoryAdmin", "NotificationAdmin", "NotificationTemplateAdmin", "PolicyAdmin",
]
