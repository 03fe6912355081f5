"""Saving a record and its many-to-many relations as one version in its history.

django-simple-history records a version on every save and on every change of a tracked
many-to-many relation, so a form or an API write that sets six relations would leave
seven versions behind. `save_with_relations()` leaves one, holding the fields and the
relations as they are once the write is done.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import models, transaction
from simple_history import utils
from simple_history.models import HistoricalRecords


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
