"""The words of every notification as shipped; admins edit them in the admin."""

_CASE_LINES = """Ticket: {{ case.ticket_id }}
Customer: {{ case.customer_name }}{% if case.order_number %} (order {{ case.order_number }}){% endif %}
Category: {{ case.category }}
Risk (Negative Experience Risk): {{ case.risk_rating }} of 5
Tier: {{ tier.level }}. {{ tier.name }} (owner: {{ tier.owner_role }})
{% if due %}Due: {{ due }}
{% endif %}Summary: {{ case.summary }}
Open the case: {{ case_url }}"""

_CHAT = ("[{{ case.ticket_id }}] {{ headline }} · risk {{ case.risk_rating }} · {{ case.category }}"
         "{% if mentions %} · for {{ mentions }}{% endif %} · {{ case_url }}")

_SUMMARY = """Final resolution summary
Outcome: {{ case.get_outcome_display|default:"—" }}
Resolution plan: {{ case.resolution_plan|default:"—" }}
Corrective actions: {{ case.corrective_actions|default:"—" }}
{% if case.feedback_score %}Customer feedback: {{ case.feedback_score }}/5 {{ case.feedback_comment }}
{% endif %}
Time per tier:
{% for stay in stays %}- {{ stay.level }}. {{ stay.tier_name }}: {{ stay.duration }}{% if stay.breached_at %} (deadline missed){% endif %}
{% endfor %}
Timeline:
{% for row in timeline %}- {{ row.when }} {{ row.what }}{% if row.reason %}: {{ row.reason }}{% endif %} ({{ row.who }})
{% endfor %}"""

TEMPLATES = {
    "escalated": (
        "[{{ case.ticket_id }}] Escalated to {{ tier.name }}",
        "Case {{ case.ticket_id }} was escalated to tier {{ tier.level }}, {{ tier.name }}.\n"
        "{% if event.detail %}Reason: {{ event.detail }}\n{% endif %}\n" + _CASE_LINES,
    ),
    "sla_warning": (
        "[{{ case.ticket_id }}] At risk: due {{ due }}",
        "Case {{ case.ticket_id }} is at risk of missing its deadline at {{ tier.name }}.\n"
        "{{ case.due_explanation }}\n\n" + _CASE_LINES,
    ),
    "ack_overdue": (
        "[{{ case.ticket_id }}] Not acknowledged at {{ tier.name }}",
        "Nobody has acknowledged case {{ case.ticket_id }} at {{ tier.name }} in time.\n"
        "As the owner's superior, please make sure it is taken up.\n\n" + _CASE_LINES,
    ),
    "breached_top": (
        "[{{ case.ticket_id }}] SLA breached at the top tier",
        "Case {{ case.ticket_id }} missed its deadline at the top tier, {{ tier.name }}.\n"
        "{{ event.detail }}\nYou will be reminded daily until it is resolved.\n\n" + _CASE_LINES,
    ),
    "breach_reminder": (
        "[{{ case.ticket_id }}] Reminder: still breached at {{ tier.name }}",
        "Case {{ case.ticket_id }} is still unresolved after missing its deadline at "
        "{{ tier.name }}.\n\n" + _CASE_LINES,
    ),
    "assigned": (
        "[{{ case.ticket_id }}] Assigned to you",
        "Case {{ case.ticket_id }} was assigned to you.\n\n" + _CASE_LINES,
    ),
    "resolved": (
        "[{{ case.ticket_id }}] Resolved: {{ case.get_outcome_display }}",
        "Case {{ case.ticket_id }} was resolved.\n\n" + _CASE_LINES + "\n\n" + _SUMMARY,
    ),
    "closed": (
        "[{{ case.ticket_id }}] Closed",
        "Case {{ case.ticket_id }} was closed after follow-up.\n\n" + _CASE_LINES + "\n\n"
        + _SUMMARY,
    ),
    # One draft per situation: resolved (or closed), paused, being handled. hold_reason and
    # resolved_on come from the briefing service.
    "customer_briefing": (
        "Update on your case {{ case.ticket_id }}",
        "Dear {{ case.customer_name }},\n\n"
        "{% if case.state == 'resolved' or case.state == 'closed' %}"
        "Thank you for your patience. Your case {{ case.ticket_id }} was resolved"
        "{% if resolved_on %} on {{ resolved_on }}{% endif %}.\n"
        "{% if case.outcome %}Outcome: {{ case.get_outcome_display }}.\n{% endif %}"
        "{% if case.resolution_plan %}What we did: {{ case.resolution_plan }}\n{% endif %}\n"
        "If anything is still not right, reply to this email and we will look into it again."
        "{% elif case.state == 'on_hold' %}"
        "Your case {{ case.ticket_id }} is paused for now"
        "{% if hold_reason %}: {{ hold_reason }}{% endif %}.\n\n"
        "We will pick it up again as soon as we can and keep you informed."
        "{% else %}"
        "Thank you for your patience. Your case {{ case.ticket_id }} is being handled by our "
        "{{ tier.name }} team.\n"
        "{% if due %}We expect to have a resolution for you by {{ due }}.\n{% endif %}\n"
        "We will keep you informed of any progress."
        "{% endif %}\n\nKind regards,\n{{ sender }}",
    ),
    "digest": (
        "Open escalations: {{ total }} ({{ overdue }} overdue)",
        "Open escalations in your scope on {{ today }}: {{ total }}, of which {{ overdue }} "
        "overdue.\n\n"
        "{% for group in groups %}{{ group.label }}\n{% for case in group.cases %}"
        "- {% if case.overdue %}OVERDUE {% endif %}{{ case.ticket_id }} risk {{ case.risk_rating }}"
        " · {{ case.customer_name }} · {{ case.state }} · due {{ case.due|default:'—' }}"
        " · {{ case.url }}\n{% endfor %}\n{% endfor %}",
    ),
}


def html_body(text_template: str) -> str:
    """Return a simple HTML body: the text template inside a pre-formatted block."""
    return ("<div style=\"font-family:sans-serif\"><pre style=\"font-family:inherit;"
            "white-space:pre-wrap\">" + text_template + "</pre></div>")


CHAT = _CHAT
