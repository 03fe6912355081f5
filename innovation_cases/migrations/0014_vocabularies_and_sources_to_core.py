"""The vocabularies and the sources move to `core`, which both apps build on.

The tables are renamed to the names Django gives core's models, so every row keeps its
id, and every reference to them (the cases' and strategies' links, the historical
records, the sources' own history) keeps pointing at it. The content types follow, so
that permissions and the admin's log stay attached. Everything else is a change of
the state only."""

import django.db.models.deletion
from django.db import migrations, models

MOVED = ["innovationtype", "driver", "approach", "theme", "lifecyclestage", "source", "historicalsource"]


def content_types_to_core(apps, schema_editor):
    """innovation_cases.<model> becomes core.<model>. A content type that a separate
    `migrate core` already made for core is dropped first: it is new and nothing
    refers to it but its own default permissions."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    ContentType.objects.using(db).filter(app_label="core", model__in=MOVED).delete()
    ContentType.objects.using(db).filter(
        app_label="innovation_cases", model__in=MOVED
    ).update(app_label="core")


def content_types_back(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    ContentType.objects.using(db).filter(app_label="core", model__in=MOVED).update(
        app_label="innovation_cases"
    )


def _m2m(model, verbose_name):
    return models.ManyToManyField(blank=True, related_name='cases', to=f'core.{model}', verbose_name=verbose_name)


def _historical_link(model):
    return models.ForeignKey(blank=True, db_constraint=False, db_tablespace='', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=f'core.{model}')


class Migration(migrations.Migration):

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('cities', '0007_vocabularies_in_core'),
        ('core', '0001_initial'),
        ('innovation_cases', '0013_drop_search_vector'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.AlterModelTable(name=model, table=f"core_{model}")
                for model in MOVED
            ],
        ),
        migrations.RunPython(content_types_to_core, content_types_back),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='casestudy',
                    name='innovation_types',
                    field=_m2m('innovationtype', 'innovation types'),
                ),
                migrations.AlterField(
                    model_name='casestudy',
                    name='drivers',
                    field=_m2m('driver', 'drivers'),
                ),
                migrations.AlterField(
                    model_name='casestudy',
                    name='approaches',
                    field=_m2m('approach', 'approaches'),
                ),
                migrations.AlterField(
                    model_name='casestudy',
                    name='themes',
                    field=_m2m('theme', 'themes'),
                ),
                migrations.AlterField(
                    model_name='casestudy',
                    name='lifecycle_stage',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='cases', to='core.lifecyclestage', verbose_name='lifecycle stage'),
                ),
                migrations.AlterField(
                    model_name='historicalcasestudy',
                    name='lifecycle_stage',
                    field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='core.lifecyclestage', verbose_name='lifecycle stage'),
                ),
                migrations.AlterField(
                    model_name='historicalcasestudy_innovation_types',
                    name='innovationtype',
                    field=_historical_link('innovationtype'),
                ),
                migrations.AlterField(
                    model_name='historicalcasestudy_drivers',
                    name='driver',
                    field=_historical_link('driver'),
                ),
                migrations.AlterField(
                    model_name='historicalcasestudy_approaches',
                    name='approach',
                    field=_historical_link('approach'),
                ),
                migrations.AlterField(
                    model_name='historicalcasestudy_themes',
                    name='theme',
                    field=_historical_link('theme'),
                ),
                migrations.DeleteModel(name='HistoricalSource'),
                migrations.DeleteModel(name='Source'),
                migrations.DeleteModel(name='InnovationType'),
                migrations.DeleteModel(name='Driver'),
                migrations.DeleteModel(name='Approach'),
                migrations.DeleteModel(name='Theme'),
                migrations.DeleteModel(name='LifecycleStage'),
            ],
        ),
    ]
