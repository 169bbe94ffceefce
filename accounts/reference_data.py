"""Roles of the escalation ladders (from the policy documents) and the permissions they carry."""

from accounts.choices import RoleScope

_STAFF = [
    "escalations.view_case", "escalations.add_case", "escalations.change_case",
    "escalations.escalate_case", "escalations.acknowledge_case", "escalations.hold_case",
    "escalations.resolve_case", "escalations.view_casenote", "escalations.add_casenote",
    "escalations.view_caseattachment", "escalations.add_caseattachment",
    "escalations.view_category", "escalations.view_policy", "escalations.view_tier",
    "escalations.view_tierstay", "escalations.view_caseevent",
]
_LEAD = _STAFF + ["escalations.assign_case", "escalations.reopen_case", "escalations.export_case",
                  "accounts.view_user", "accounts.view_team", "accounts.view_membership",
                  "reports.view_monthlyreport", "reports.add_monthlyreport"]
_MANAGER = _LEAD + ["escalations.close_case"]
_HEAD = _MANAGER + [
    "escalations.change_policy", "escalations.change_tier", "escalations.add_tier",
    "escalations.change_category", "escalations.add_category",
    "escalations.view_policyholiday", "escalations.add_policyholiday",
    "escalations.change_policyholiday", "escalations.delete_policyholiday",
]

# name, slug, rank, scope, sees confidential, permissions, description
ROLES = [
    ("Agent", "agent", 10, RoleScope.TEAM, False, _STAFF,
     "Frontline support agent: documents the case, rates the risk, escalates."),
    ("Team Lead", "team-lead", 20, RoleScope.TEAM, False, _LEAD,
     "Assesses the initial notification and starts resolving (Eezee level 1, S-Club level 1)."),
    ("Supervisor", "supervisor", 20, RoleScope.TEAM, False, _LEAD,
     "Helpdesk supervisor: in-depth review, coordinates with relevant teams."),
    ("Assistant Manager", "assistant-manager", 30, RoleScope.DEPARTMENT, False, _LEAD,
     "Reviews cases unresolved after 24 hours and guides the resolution."),
    ("Manager", "manager", 40, RoleScope.DEPARTMENT, False, _MANAGER,
     "Thorough assessment after 48 hours; strategic measures and resources."),
    ("Department Manager", "department-manager", 40, RoleScope.DEPARTMENT, False, _MANAGER,
     "Service policy reviews, task realignment, compliance checks, operational audits."),
    ("Senior Management", "senior-management", 50, RoleScope.ALL, False, _MANAGER,
     "Complex issues affecting company-wide operations; approves corrective actions."),
    ("Head of Operations", "head-of-operations", 60, RoleScope.ALL, False, _HEAD,
     "Decisive action on issues unresolved after 72 hours; engages executives."),
    ("Executive", "executive", 70, RoleScope.ALL, True, _MANAGER,
     "Executive management: disputes with legal or regulatory implications."),
    ("Legal", "legal", 70, RoleScope.TEAM, True, _MANAGER,
     "Legal team: binding resolutions, contract amendments, compliance reviews."),
]

# department name, slug, [(team name, slug)]
DEPARTMENTS = [
    ("Customer Experience", "customer-experience", [("Customer Service", "customer-service")]),
    ("Commercial", "commercial", [("Sales/BD", "sales-bd")]),
    ("Operations", "operations", [("Operations", "operations")]),
    ("Legal & Compliance", "legal-compliance", [("Legal", "legal")]),
]
