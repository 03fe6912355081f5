"""Keep each case's search vector current when what it is built from changes.

The vector holds the case's own text and the names of its city, district and teams, so
a change to any of those re-runs `CaseStudyQuerySet.update_search_vector()` for the
cases concerned: one UPDATE each time, however many cases. On SQLite, where there is no
vector, every handler returns before touching the database.

Writes that bypass signals (QuerySet.update(), bulk_create(), raw SQL) must call
`update_search_vector()` themselves.
"""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from typing import Any

from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete

from cities.models import City, District, InnovationTeam

from . import search as full_text
from .models import CaseStudy

# Set on a district or team between pre_delete and post_delete: the cases that named it.
_CASES_ATTR = "_search_vector_case_ids"


def _touches_vector(
    update_fields: frozenset[str] | None, fields: AbstractSet[str]
) -> bool:
    return update_fields is None or not fields.isdisjoint(update_fields)


def _renamed(created: bool, using: str, update_fields: frozenset[str] | None) -> bool:
    """Whether a saved city, district or team may have a new name for its cases.

    A new one has no cases yet. Without update_fields the old name is unknown, so any
    save counts: one UPDATE of the cases that name it.
    """
    return (
        not created
        and full_text.uses_postgres(using)
        and _touches_vector(update_fields, {"name"})
    )


def case_saved(
    sender: type[CaseStudy],
    instance: CaseStudy,
    using: str,
    update_fields: frozenset[str] | None = None,
    **kwargs: Any,
) -> None:
    if full_text.uses_postgres(using) and _touches_vector(
        update_fields, full_text.VECTOR_FIELDS
    ):
        CaseStudy.objects.using(using).filter(pk=instance.pk).update_search_vector()


def case_teams_changed(
    sender: type[Any],
    instance: CaseStudy | InnovationTeam,
    action: str,
    reverse: bool,
    pk_set: set[int] | None,
    using: str,
    **kwargs: Any,
) -> None:
    if not full_text.uses_postgres(using):
        return
    cases = CaseStudy.objects.using(using)
    if not reverse:  # case.teams.add(...): `instance` is the case.
        if action in {"post_add", "post_remove", "post_clear"}:
            cases.filter(pk=instance.pk).update_search_vector()
    elif action == "pre_clear":  # team.cases.clear(): note its cases while linked.
        setattr(instance, _CASES_ATTR, _case_ids(cases.filter(teams=instance)))
    elif action == "post_clear":
        cases.filter(pk__in=getattr(instance, _CASES_ATTR, [])).update_search_vector()
    elif action in {"post_add", "post_remove"}:
        cases.filter(pk__in=pk_set or []).update_search_vector()


def city_saved(
    sender: type[City],
    instance: City,
    created: bool,
    using: str,
    update_fields: frozenset[str] | None = None,
    **kwargs: Any,
) -> None:
    # A city with cases cannot be deleted (PROTECT), so a rename is all there is.
    if _renamed(created, using, update_fields):
        CaseStudy.objects.using(using).filter(city=instance).update_search_vector()


def district_saved(
    sender: type[District],
    instance: District,
    created: bool,
    using: str,
    update_fields: frozenset[str] | None = None,
    **kwargs: Any,
) -> None:
    if _renamed(created, using, update_fields):
        CaseStudy.objects.using(using).filter(district=instance).update_search_vector()


def team_saved(
    sender: type[InnovationTeam],
    instance: InnovationTeam,
    created: bool,
    using: str,
    update_fields: frozenset[str] | None = None,
    **kwargs: Any,
) -> None:
    if _renamed(created, using, update_fields):
        CaseStudy.objects.using(using).filter(teams=instance).update_search_vector()


def district_or_team_deleting(
    sender: type[District | InnovationTeam],
    instance: District | InnovationTeam,
    using: str,
    **kwargs: Any,
) -> None:
    # By post_delete the links are gone (the district set to NULL, the team's rows in
    # the m2m table deleted), so note the cases now. One query per deleted object.
    if full_text.uses_postgres(using):
        lookup = "district" if isinstance(instance, District) else "teams"
        cases = CaseStudy.objects.using(using).filter(**{lookup: instance})
        setattr(instance, _CASES_ATTR, _case_ids(cases))


def district_or_team_deleted(
    sender: type[District | InnovationTeam],
    instance: District | InnovationTeam,
    using: str,
    **kwargs: Any,
) -> None:
    if ids := getattr(instance, _CASES_ATTR, None):
        CaseStudy.objects.using(using).filter(pk__in=ids).update_search_vector()


def _case_ids(cases: Any) -> list[int]:
    return list(cases.values_list("pk", flat=True))


def connect() -> None:
    """Connect the handlers; called from InnovationCasesConfig.ready()."""
    post_save.connect(case_saved, sender=CaseStudy, dispatch_uid="search_case_saved")
    m2m_changed.connect(
        case_teams_changed,
        sender=CaseStudy.teams.through,
        dispatch_uid="search_case_teams_changed",
    )
    post_save.connect(city_saved, sender=City, dispatch_uid="search_city_saved")
    for model in (District, InnovationTeam):
        name = model._meta.model_name
        pre_delete.connect(
            district_or_team_deleting,
            sender=model,
            dispatch_uid=f"search_{name}_deleting",
        )
        post_delete.connect(
            district_or_team_deleted,
            sender=model,
            dispatch_uid=f"search_{name}_deleted",
        )
    post_save.connect(
        district_saved, sender=District, dispatch_uid="search_district_saved"
    )
    post_save.connect(
        team_saved, sender=InnovationTeam, dispatch_uid="search_team_saved"
    )
