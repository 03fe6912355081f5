"""Full-text search over case studies.

The `search_vector` column is a plain AddField, so it exists on every database (SQLite
accepts the `tsvector` type name and leaves the column NULL). Everything else exists on
PostgreSQL only and is written as raw SQL run when the connection is PostgreSQL:

- the `unaccent` extension and the `atlas_search` text search configuration, a copy of
  `english` that strips accents from words before stemming them;
- a GIN index on the vector (raw SQL, so the model state and makemigrations do not see
  it, and SQLite never gets it);
- the vectors of the cases that already exist.

Going back drops the index and the configuration, but leaves the extension: it is
database-wide, other code may use it, and it is harmless.
"""

from django.contrib.postgres.search import SearchVectorField
from django.db import migrations

FORWARDS = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    """
    DO $$
    BEGIN
        IF NOT EXISTS (
            SELECT 1 FROM pg_ts_config
            WHERE cfgname = 'atlas_search'
              AND cfgnamespace = current_schema()::regnamespace
        ) THEN
            CREATE TEXT SEARCH CONFIGURATION atlas_search (COPY = english);
        END IF;
    END
    $$
    """,
    # `word` and `hword`/`hword_part` are the token types with non-ASCII letters; the
    # all-ASCII types keep english_stem alone, as they have no accents to take off.
    "ALTER TEXT SEARCH CONFIGURATION atlas_search "
    "ALTER MAPPING FOR hword, hword_part, word WITH unaccent, english_stem",
    "CREATE INDEX IF NOT EXISTS case_search_vector "
    "ON innovation_cases_casestudy USING gin (search_vector)",
    # The vectors of the existing cases: a frozen copy of search.search_vector().
    """
    UPDATE innovation_cases_casestudy AS c SET search_vector =
        setweight(to_tsvector('atlas_search', coalesce(c.title, '')), 'A')
        || setweight(to_tsvector('atlas_search', coalesce(c.summary, '')), 'B')
        || setweight(to_tsvector('atlas_search',
            coalesce(c.challenge, '') || ' ' || coalesce(c.approach, '') || ' '
            || coalesce(c.results, '') || ' ' || coalesce(c.lessons_learned, '')
        ), 'C')
        || setweight(to_tsvector('atlas_search',
            coalesce((SELECT name FROM cities_city WHERE id = c.city_id), '') || ' '
            || coalesce((SELECT name FROM cities_district WHERE id = c.district_id), '')
            || ' ' || coalesce((
                SELECT string_agg(t.name, ' ' ORDER BY t.name)
                FROM cities_innovationteam AS t
                JOIN innovation_cases_casestudy_teams AS ct ON ct.innovationteam_id = t.id
                WHERE ct.casestudy_id = c.id
            ), '')
        ), 'D')
    """,
]

BACKWARDS = [
    "DROP INDEX IF EXISTS case_search_vector",
    "DROP TEXT SEARCH CONFIGURATION IF EXISTS atlas_search",
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
        ("cities", "0001_initial"),
        ("innovation_cases", "0002_load_taxonomies"),
    ]

    operations = [
        migrations.AddField(
            model_name="casestudy",
            name="search_vector",
            field=SearchVectorField(
                editable=False, null=True, verbose_name="search vector"
            ),
        ),
        migrations.RunPython(_run(FORWARDS), _run(BACKWARDS), elidable=False),
    ]
