"""Fewer indexes on cases_case, so each intake writes fewer.

The single-column indexes of category, department, district, grid and street
are dropped: the (column, deadline) indexes lead with the same column. The
caller phone and ticket number keep one plain index each instead of two (the
LIKE one db_index adds on PostgreSQL; both are looked up by equality only).
The position index leads with the category, as duplicate suggestions ask
(same category near a point), and (category, reported_at) goes with it. And
0003's number prefix index goes: the unique number's own ``_like`` index
already serves ``LIKE '20261121%'``.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def _postgresql(statement):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(statement)

    return apply


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0005_attachment_time'),
        ('org', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='case',
            name='case_category_reported',
        ),
        migrations.RemoveIndex(
            model_name='case',
            name='case_position',
        ),
        migrations.AlterField(
            model_name='case',
            name='caller_phone',
            field=models.CharField(blank=True, max_length=20, verbose_name='诉求人电话'),
        ),
        migrations.AlterField(
            model_name='case',
            name='category',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='cases', to='cases.category', verbose_name='小类'),
        ),
        migrations.AlterField(
            model_name='case',
            name='department',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='cases', to='org.department', verbose_name='处置部门'),
        ),
        migrations.AlterField(
            model_name='case',
            name='district',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='org.region', verbose_name='区/县'),
        ),
        migrations.AlterField(
            model_name='case',
            name='grid',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='org.unitgrid', verbose_name='单元网格'),
        ),
        migrations.AlterField(
            model_name='case',
            name='hotline_ticket_no',
            field=models.CharField(blank=True, max_length=32, verbose_name='12345工单号'),
        ),
        migrations.AlterField(
            model_name='case',
            name='street',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='org.region', verbose_name='街道'),
        ),
        migrations.AddIndex(
            model_name='case',
            index=models.Index(fields=['category', 'lat', 'lng'], name='case_category_position'),
        ),
        migrations.AddIndex(
            model_name='case',
            index=models.Index(fields=['caller_phone'], name='case_caller_phone'),
        ),
        migrations.AddIndex(
            model_name='case',
            index=models.Index(fields=['hotline_ticket_no'], name='case_hotline_ticket'),
        ),
        migrations.RunPython(
            _postgresql("DROP INDEX IF EXISTS case_number_prefix"),
            _postgresql("CREATE INDEX IF NOT EXISTS case_number_prefix ON cases_case (number varchar_pattern_ops)"),
        ),
    ]
