"""The strategies' innovation types are core's (the vocabularies moved there): a change
of the state only, the tables and their rows stay (innovation_cases migration 0014
renames the terms' table)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('cities', '0006_web_url_validation'),
        ('core', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='historicalstrategy_innovation_types',
                    name='innovationtype',
                    field=models.ForeignKey(blank=True, db_constraint=False, db_tablespace='', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='core.innovationtype'),
                ),
                migrations.AlterField(
                    model_name='strategy',
                    name='innovation_types',
                    field=models.ManyToManyField(blank=True, related_name='strategies', to='core.innovationtype', verbose_name='innovation types emphasised'),
                ),
            ],
        ),
    ]
