"""Workbooks are stored under unguessable names."""

import reports.models
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("reports", "0002_monthlyreport_includes_confidential"),
    ]

    operations = [
        migrations.AlterField(
            model_name="monthlyreport",
            name="file",
            field=models.FileField(blank=True, upload_to=reports.models.report_path),
        ),
    ]
