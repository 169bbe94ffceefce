"""Evidence keeps the name it was uploaded under; files get unguessable storage names."""

import os

from django.db import migrations, models


def keep_original_names(apps, schema_editor):
    """Give evidence stored before this change its file's own name as the original name."""
    CaseAttachment = apps.get_model("escalations", "CaseAttachment")
    for attachment in CaseAttachment.objects.filter(original_name="").only("pk", "file"):
        name = os.path.basename(attachment.file.name)[:255] or "evidence"
        CaseAttachment.objects.filter(pk=attachment.pk).update(original_name=name)


class Migration(migrations.Migration):

    dependencies = [
        ("escalations", "0009_customer_briefing_by_state"),
    ]

    operations = [
        migrations.AddField(
            model_name="caseattachment",
            name="original_name",
            field=models.CharField(
                default="",
                help_text="The file's name when it was uploaded: shown and offered as the "
                "download's name, never used as a path.",
                max_length=255,
            ),
            preserve_default=False,
        ),
        migrations.RunPython(keep_original_names, migrations.RunPython.noop),
    ]
