"""The vocabularies and the sources, in the state only: their tables are those that
`innovation_cases` created (its migrations 0001 to 0007) and that its migration 0014
renames to these models' names, rows, ids and history kept. On a new database too,
those migrations create the tables, so this one creates none."""

import core.validators
import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Approach',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=120, unique=True, verbose_name='name')),
                        ('slug', models.SlugField(max_length=120, unique=True, verbose_name='slug')),
                        ('definition', models.TextField(verbose_name='definition')),
                        ('position', models.PositiveSmallIntegerField(default=0, help_text='Order in lists and pickers.', verbose_name='position')),
                    ],
                    options={
                        'verbose_name': 'approach',
                        'verbose_name_plural': 'approaches',
                        'ordering': ['position', 'name'],
                        'abstract': False,
                    },
                ),
                migrations.CreateModel(
                    name='Driver',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=120, unique=True, verbose_name='name')),
                        ('slug', models.SlugField(max_length=120, unique=True, verbose_name='slug')),
                        ('definition', models.TextField(verbose_name='definition')),
                        ('position', models.PositiveSmallIntegerField(default=0, help_text='Order in lists and pickers.', verbose_name='position')),
                        ('group', models.CharField(choices=[('internal', 'Internal'), ('external', 'External')], max_length=16, verbose_name='group')),
                    ],
                    options={
                        'verbose_name': 'driver',
                        'verbose_name_plural': 'drivers',
                        'ordering': ['group', 'position', 'name'],
                        'abstract': False,
                    },
                ),
                migrations.CreateModel(
                    name='InnovationType',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=120, unique=True, verbose_name='name')),
                        ('slug', models.SlugField(max_length=120, unique=True, verbose_name='slug')),
                        ('definition', models.TextField(verbose_name='definition')),
                        ('position', models.PositiveSmallIntegerField(default=0, help_text='Order in lists and pickers.', verbose_name='position')),
                    ],
                    options={
                        'verbose_name': 'innovation type',
                        'verbose_name_plural': 'innovation types',
                        'ordering': ['position', 'name'],
                        'abstract': False,
                    },
                ),
                migrations.CreateModel(
                    name='LifecycleStage',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=120, unique=True, verbose_name='name')),
                        ('slug', models.SlugField(max_length=120, unique=True, verbose_name='slug')),
                        ('definition', models.TextField(verbose_name='definition')),
                        ('position', models.PositiveSmallIntegerField(default=0, help_text='Order in lists and pickers.', verbose_name='position')),
                    ],
                    options={
                        'verbose_name': 'lifecycle stage',
                        'verbose_name_plural': 'lifecycle stages',
                        'ordering': ['position', 'name'],
                        'abstract': False,
                    },
                ),
                migrations.CreateModel(
                    name='Theme',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=120, unique=True, verbose_name='name')),
                        ('slug', models.SlugField(max_length=120, unique=True, verbose_name='slug')),
                        ('definition', models.TextField(verbose_name='definition')),
                        ('position', models.PositiveSmallIntegerField(default=0, help_text='Order in lists and pickers.', verbose_name='position')),
                    ],
                    options={
                        'verbose_name': 'theme',
                        'verbose_name_plural': 'themes',
                        'ordering': ['position', 'name'],
                        'abstract': False,
                    },
                ),
                migrations.CreateModel(
                    name='HistoricalSource',
                    fields=[
                        ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                        ('object_id', models.PositiveBigIntegerField()),
                        ('title', models.CharField(max_length=300, verbose_name='title')),
                        ('authors', models.CharField(blank=True, max_length=300, verbose_name='authors')),
                        ('publisher', models.CharField(blank=True, max_length=200, verbose_name='publisher')),
                        ('url', models.URLField(blank=True, max_length=500, validators=[core.validators.WebUrlValidator()], verbose_name='URL')),
                        ('published_on', models.DateField(blank=True, null=True, verbose_name='date')),
                        ('note', models.TextField(blank=True, help_text='What this source supports, or a short quote.', verbose_name='note')),
                        ('history_id', models.AutoField(primary_key=True, serialize=False)),
                        ('history_date', models.DateTimeField(db_index=True)),
                        ('history_change_reason', models.CharField(max_length=100, null=True)),
                        ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                        ('content_type', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='contenttypes.contenttype')),
                        ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'historical source',
                        'verbose_name_plural': 'historical sources',
                        'ordering': ('-history_date', '-history_id'),
                        'get_latest_by': ('history_date', 'history_id'),
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.CreateModel(
                    name='Source',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('object_id', models.PositiveBigIntegerField()),
                        ('title', models.CharField(max_length=300, verbose_name='title')),
                        ('authors', models.CharField(blank=True, max_length=300, verbose_name='authors')),
                        ('publisher', models.CharField(blank=True, max_length=200, verbose_name='publisher')),
                        ('url', models.URLField(blank=True, max_length=500, validators=[core.validators.WebUrlValidator()], verbose_name='URL')),
                        ('published_on', models.DateField(blank=True, null=True, verbose_name='date')),
                        ('note', models.TextField(blank=True, help_text='What this source supports, or a short quote.', verbose_name='note')),
                        ('content_type', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to='contenttypes.contenttype')),
                    ],
                    options={
                        'verbose_name': 'source',
                        'verbose_name_plural': 'sources',
                        'ordering': ['published_on', 'title'],
                        'indexes': [models.Index(fields=['content_type', 'object_id'], name='source_target')],
                    },
                ),
            ],
        ),
    ]
