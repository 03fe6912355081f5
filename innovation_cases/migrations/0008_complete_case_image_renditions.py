"""Make the renditions that images stored before issue 14 lack.

Until then `store()` rounded the smaller renditions' heights from the original photo,
and `renditions()` from the largest rendition: for most camera photos the page and the
API asked for 800x534.webp where 800x533.webp was stored. `renditions()` is now the
only rule, and this makes each missing rendition from the image's largest one, in
MEDIA_ROOT as the migration finds it. It only adds files, so it is safe to run again
where MEDIA_ROOT is, if migrations ran where it was not mounted:
`python manage.py shell -c "from innovation_cases import images;
images.complete_stored_renditions()"`.
"""

from typing import Any

from django.db import migrations


def complete(apps: Any, schema_editor: Any) -> None:
    from innovation_cases.images import complete_stored_renditions

    complete_stored_renditions()


class Migration(migrations.Migration):
    dependencies = [
        ("innovation_cases", "0007_source_history"),
    ]

    operations = [
        migrations.RunPython(complete, migrations.RunPython.noop, elidable=True),
    ]
