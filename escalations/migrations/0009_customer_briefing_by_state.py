"""Word the stored customer briefing template for the case's state, unless an admin edited it.

The shipped draft said "is being handled" whatever the state; the new one speaks of the outcome
of a resolved or closed case and of the pause (and its reason) of a case on hold. Installations
whose template is still the shipped one get the new words; edited templates are left alone.
Both versions are copied here so that later changes to the shipped words do not change what
this migration does.
"""

from django.db import migrations

_HTML = ('<div style="font-family:sans-serif"><pre style="font-family:inherit;'
         'white-space:pre-wrap">{}</pre></div>')

OLD = (
    "Dear {{ case.customer_name }},\n\n"
    "Thank you for your patience. Your case {{ case.ticket_id }} is being handled by our "
    "{{ tier.name }} team.\n"
    "{% if due %}We expect to have a resolution for you by {{ due }}.\n{% endif %}\n"
    "We will keep you informed of any progress.\n\nKind regards,\n{{ sender }}"
)

NEW = (
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
    "{% endif %}\n\nKind regards,\n{{ sender }}"
)


def _replace(apps, old: str, new: str) -> None:
    template = apps.get_model("escalations", "NotificationTemplate")
    template.objects.filter(
        event="customer_briefing", body_text=old, body_html=_HTML.format(old)
    ).update(body_text=new, body_html=_HTML.format(new))


def forwards(apps, schema_editor) -> None:
    _replace(apps, OLD, NEW)


def backwards(apps, schema_editor) -> None:
    _replace(apps, NEW, OLD)


class Migration(migrations.Migration):
    dependencies = [("escalations", "0008_history_and_outbox_indexes")]

    operations = [migrations.RunPython(forwards, backwards)]
