"""The PostgreSQL full-text search of 0003 goes: the search engine answers instead.

The public's searches are answered by the embedded tantivy index on every database
(innovation_cases/engine/), so the `search_vector` column, its GIN index and the
`atlas_search` text search configuration are dropped. The `unaccent` extension stays,
as 0003 going back leaves it: it is database-wide and harmless.

Going back makes the configuration, the column and its index again, with every vector
NULL: the code of that time filled them as cases were saved.
"""

from django.db import migrations

FORWARDS = [
    "DROP INDEX IF EXISTS case_search_vector",
    "DROP TEXT SEARCH CONFIGURATION IF EXISTS atlas_search",
]

# Run after the column is back (operations are reversed in turn).
BACKWARDS = [
    "CREATE TEXT SEARCH CONFIGURATION atlas_search (COPY = english)",
    "ALTER TEXT SEARCH CONFIGURATION atlas_search "
    "ALTER MAPPING FOR hword, hword_part, word WITH unaccent, english_stem",
    "CREATE INDEX IF NOT EXISTS case_search_vector "
    "ON innovation_cases_casestudy USING gin (search_vector)",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("innovation_cases", "0012_index_case_status_updated"),
    ]

    operations = [
        migrations.RunPython(_run(FORWARDS), _run(BACKWARDS), elidable=False),
        migrations.RemoveField(
            model_name="casestudy",
            name="search_vector",
        ),
    ]
