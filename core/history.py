"""Saving a record and its many-to-many relations as one version in its history.

django-simple-history records a version on every save and on every change of a tracked
many-to-many relation, so a form or an API write that sets six relations would leave
seven versions behind. `save_with_relations()` leaves one, holding the fields and the
relations as they are once the write is done.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from typing import Any

from django.contrib.contenttypes.fields import GenericRelation
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from simple_history import utils
from simple_history.models import HistoricalRecords

from .models import Source, source_line


@transaction.atomic
def save_with_relations(
    instance: models.Model, relations: Mapping[str, Iterable[Any]] | None = None
) -> None:
    created = instance._state.adding
    if relations:
        # simple_history's flag, which it reads from any instance; no model declares it.
        instance.skip_history_when_saving = True  # type: ignore[attr-defined]
        try:
            instance.save()
            for name, values in relations.items():
                getattr(instance, name).set(values)
        finally:
            del instance.skip_history_when_saving  # type: ignore[attr-defined]  # as above
    record_version(instance, created=created)


def record_version(instance: models.Model, *, created: bool) -> None:
    """Save `instance`, which records its version, relations included.

    Saved after a first save that recorded nothing (see above, and the admin's
    save_model/save_related), a new record's version would read as a change ("~"):
    it is marked as the creation ("+") it is.
    """
    was_new = instance._state.adding
    instance.save()
    if created and not was_new:
        # HistoricalRecords adds `history` to each tracked model, unseen by the checker.
        latest = instance.history.first()  # type: ignore[attr-defined]
        type(latest).objects.filter(history_id=latest.history_id).update(
            history_type="+"
        )


def version_relations(version: Any) -> dict[str, models.QuerySet[Any]]:
    """The records each tracked many-to-many relation held in a historical `version`
    (those deleted since are left out)."""
    relations = {}
    for field in version._history_m2m_fields:
        target = utils.get_m2m_reverse_field_name(field)
        pks = getattr(version, field.name).values_list(f"{target}_id", flat=True)
        relations[field.name] = field.related_model._default_manager.filter(
            pk__in=list(pks)
        )
    return relations


class HistoricalRecordsWithRelations(HistoricalRecords):
    """simple-history's HistoricalRecords, recording the tracked many-to-many relations
    from the saved instance itself.

    The stock version rebuilds the instance from the historical row once per relation,
    and loads the records at both ends of every link row, of which it copies only the
    ids; and it looks for the links of a record saved for the first time, which has
    none. The relations recorded are the same either way.
    """

    def create_historical_record_m2ms(
        self, history_instance: Any, instance: Any
    ) -> None:
        if history_instance.history_type == "+":
            return  # Saved for the first time just now: no link row can point at it yet.
        for field in history_instance._history_m2m_fields:
            m2m_history_model = self.m2m_models[field]
            through_model = getattr(instance, field.name).through
            # The link rows' own columns (ids, not the records they point at).
            columns = [f.attname for f in through_model._meta.fields]
            through_field_name = utils.get_m2m_field_name(field)
            rows = through_model.objects.filter(**{through_field_name: instance})
            m2m_history_model.objects.bulk_create(
                [
                    m2m_history_model(history=history_instance, **row)
                    for row in rows.values(*columns)
                ]
            )


def version_number(version: Any) -> int:
    """Which version of its record `version` is: the first saved is 1. As the history
    pages number them (newest first, by date), so that a note naming version 12 names
    the one the page calls version 12."""
    model = version.instance_type
    pk_name = model._meta.pk.attname
    earlier = (
        type(version)
        .objects.filter(**{pk_name: getattr(version, pk_name)})
        .filter(
            models.Q(history_date__lt=version.history_date)
            | models.Q(
                history_date=version.history_date, history_id__lte=version.history_id
            )
        )
    )
    return earlier.count()


def restore_note(version: Any) -> str:
    """The change reason of a version that restores `version`: its number and the
    second it was saved, which name it unambiguously (as the history page does)."""
    when = date_format(timezone.localtime(version.history_date), VERSION_TIME_FORMAT)
    return _("Restored version %(number)d, saved on %(when)s") % {
        "number": version_number(version),
        "when": when,
    }


# How the history pages and notes give a version's time: to the second, since several
# versions may be saved in a minute.
VERSION_TIME_FORMAT = "j M Y, H:i:s"


class SourceTimeline:
    """A record's sources over time, from their own history (one query): the sources
    it cited just before any moment.

    A record and its sources are saved one after the other in one transaction (the
    editor, the API, a revision's approval, the admin: the record first), so the
    sources a version of the record came with are those cited just before the next
    version: `changed_with()` gives them, for the record's history page.
    """

    def __init__(self, record: models.Model) -> None:
        self.changes: list[Any] = []
        field = _sources_field(type(record))
        if field is not None and record.pk is not None:
            self.changes = list(
                Source.history.filter(
                    content_type=ContentType.objects.get_for_model(record),
                    object_id=record.pk,
                ).order_by("history_date", "history_id")
            )

    def before(self, moment: datetime.datetime | None) -> list[str]:
        """The sources cited just before `moment` (None: now), one line each."""
        cited: dict[int, Any] = {}
        for change in self.changes:
            if moment is not None and change.history_date >= moment:
                break
            if change.history_type == "-":
                cited.pop(change.id, None)
            else:
                cited[change.id] = change
        ordered = sorted(
            cited.values(),
            key=lambda s: (s.published_on or datetime.date.min, s.title, s.id),
        )
        return [source_line(source) for source in ordered]

    def changed_with(
        self, version: Any, newer: datetime.datetime | None
    ) -> tuple[list[str], list[str]] | None:
        """The sources before and after `version` (whose next version was saved at
        `newer`, None if it is the newest), or None if they did not change."""
        if not self.changes:
            return None
        old, new = self.before(version.history_date), self.before(newer)
        return None if old == new else (old, new)


def _sources_field(model: type[models.Model]) -> GenericRelation | None:
    """The model's GenericRelation to Source, if it has one."""
    for field in model._meta.private_fields:
        if isinstance(field, GenericRelation) and field.related_model is Source:
            return field
    return None
