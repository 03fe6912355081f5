"""The workspace's case editor: writing, images, sources, previews, revisions, the
error summary, the reviewer's comment, and forged requests that change nothing."""

import io
import re

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from core.models import Source, Theme
from innovation_cases import images
from innovation_cases.forms import CaseForm
from innovation_cases.models import CaseRevision, CaseStudy
from tests.factories import (
    InnovationTeamFactory,
    MembershipFactory,
    OrganisationFactory,
    SourceFactory,
)
from tests.innovation_cases.conftest import case_in, messages_of

pytestmark = pytest.mark.django_db

S = CaseStudy.Status
NEW = reverse("workspace:case_create")


def edit_url(case):
    return reverse("workspace:case_edit", args=[case.slug])


def picture(fmt="PNG", size=(900, 500), name=None, **save):
    buffer = io.BytesIO()
    Image.new("RGB", size, (30, 120, 200)).save(buffer, fmt, **save)
    return SimpleUploadedFile(name or f"photo.{fmt.lower()}", buffer.getvalue())


def sources_data(*rows, initial=0):
    data = {
        "sources-TOTAL_FORMS": str(len(rows)),
        "sources-INITIAL_FORMS": str(initial),
        "sources-MIN_NUM_FORMS": "0",
        "sources-MAX_NUM_FORMS": "40",
    }
    for i, row in enumerate(rows):
        data.update({f"sources-{i}-{key}": value for key, value in row.items()})
    return data


def case_data(city, **fields):
    data = {
        "title": "Street labs for every district",
        "city": city.pk,
        "original_language": "en",
        "summary": "The city opened a lab in each district.",
        "challenge": "People felt **unheard**.",
        **sources_data(),
    }
    data.update(fields)
    return data


# --- Writing a new case -------------------------------------------------------------------


def test_an_officer_writes_a_draft_with_an_image_and_a_source(people, as_):
    theme = Theme.objects.first()
    data = case_data(
        people["city_a"],
        themes=[theme.pk],
        image_file=picture(),
        image_alt="A lab on a street corner",
        **sources_data({"title": "Annual report", "url": "https://example.org/r"}),
    )
    response = as_(people["officer_a"]).post(NEW, data)
    case = CaseStudy.objects.get(title="Street labs for every district")
    assert response.status_code == 302
    assert response.url == reverse("workspace:case_detail", args=[case.slug])
    assert case.status == S.DRAFT and case.created_by == people["officer_a"]
    assert list(case.themes.all()) == [theme]
    assert [s.title for s in case.sources.all()] == ["Annual report"]
    # One version for the whole write, by the officer.
    assert case.history.count() == 1
    assert case.history.first().history_user == people["officer_a"]
    # The upload is stored only as renditions, never wider than the original.
    widths = [r.width for r in case.image_renditions]
    assert widths == [400, 800, 900]
    for rendition in case.image_renditions:
        with default_storage.open(rendition.name) as stored:
            image = Image.open(stored)
            assert image.format == "WEBP" and image.width == rendition.width


def test_save_and_submit_sends_the_new_case_to_review(people, as_):
    data = case_data(people["city_a"], submit_for_review="1")
    as_(people["officer_a"]).post(NEW, data)
    case = CaseStudy.objects.get()
    assert case.status == S.SUBMITTED
    assert case.reviews.get().decision == "submitted"


def test_the_city_is_preselected_from_the_dashboard_link(people, as_):
    url = f"{NEW}?city={people['city_a'].slug}"
    form = as_(people["officer_a"]).get(url).context["form"]
    assert form.initial["city"] == people["city_a"]


def city_select(body):
    return re.search(r'<select name="city".*?</select>', body, re.S).group(0)


def test_the_city_is_preselected_for_an_officer_of_one_city(people, as_):
    body = as_(people["officer_a"]).get(NEW).content.decode()
    city = people["city_a"]
    # Its only option, chosen: nothing to pick, and the form sends it.
    assert re.findall(r"<option[^>]*>", city_select(body)) == [
        f'<option value="{city.pk}" selected>'
    ]


def test_the_city_is_not_preselected_for_an_officer_of_two(people, as_):
    MembershipFactory(user=people["officer_a"], city=people["city_b"])
    body = as_(people["officer_a"]).get(NEW).content.decode()
    assert re.findall(r"<option[^>]*>", city_select(body)) == [
        '<option value="" selected>',
        f'<option value="{people["city_a"].pk}">',
        f'<option value="{people["city_b"].pk}">',
    ]


def test_the_partners_are_checkboxes_that_post_and_save(people, as_):
    chosen = OrganisationFactory.create_batch(2)
    OrganisationFactory(name="Not a partner")
    client = as_(people["officer_a"])
    body = client.get(NEW).content.decode()
    assert '<select name="partners"' not in body
    assert '<fieldset class="choices" id="id_partners"' in body
    assert body.count('type="checkbox" name="partners"') == 3
    data = case_data(people["city_a"], partners=[org.pk for org in chosen])
    assert client.post(NEW, data).status_code == 302
    assert set(CaseStudy.objects.get().partners.all()) == set(chosen)


def test_the_pickers_show_each_terms_definition(people, as_):
    body = as_(people["officer_a"]).get(NEW).content.decode()
    theme = Theme.objects.first()
    assert theme.definition in body
    assert "<legend>Themes</legend>" in body


# --- Errors: shown next to the field, nothing typed lost ----------------------------------


def test_a_refused_form_keeps_what_was_typed_and_the_uploaded_image(people, as_):
    client = as_(people["officer_a"])
    data = case_data(
        people["city_a"],
        title="",
        challenge="Long text the officer must not lose.",
        image_file=picture(),
        image_alt="A lab",
        **sources_data({"title": "Kept source", "note": "Backs the figures"}),
    )
    response = client.post(NEW, data)
    assert response.status_code == 400
    body = response.content.decode()
    assert "Long text the officer must not lose." in body
    assert "Kept source" in body and "Backs the figures" in body
    assert 'id="id_title_error"' in body and 'aria-invalid="true"' in body
    assert not CaseStudy.objects.exists()
    pending = response.context["pending_image"]
    assert pending
    # The officer fixes the title and sends the form again, without the file.
    data.update(title="Fixed title", pending_image=pending)
    del data["image_file"]
    assert client.post(NEW, data).status_code == 302
    case = CaseStudy.objects.get()
    assert case.image and case.image_alt == "A lab"
    assert [s.title for s in case.sources.all()] == ["Kept source"]


def summary_links(body):
    """The error summary's links, as (href, text)."""
    summary = body.split('id="error-summary"', 1)[1].split("</ul>", 1)[0]
    return re.findall(r'<a href="([^"]+)">([^<]+)</a>', summary)


def test_the_error_summary_links_each_error_to_its_field(people, as_):
    # An officer of two cities, so that a team can be in the other one.
    MembershipFactory(user=people["officer_a"], city=people["city_b"])
    lyon_team = InnovationTeamFactory(city=people["city_b"])
    data = case_data(
        people["city_a"],
        title="",
        teams=[lyon_team.pk],
        year_started="2020",
        year_ended="2019",
        **sources_data({"title": "Report", "url": "https://example.org"}, {"url": "x"}),
    )
    response = as_(people["officer_a"]).post(NEW, data)
    assert response.status_code == 400
    body = response.content.decode()
    links = summary_links(body)
    # In the page's order, each with its field's label (a row's with its number).
    assert links[:3] == [
        ("#id_title", "Title: This field is required."),
        ("#id_teams", f"Teams: These teams are not in Ghent: {lyon_team.name}."),
        ("#id_year_ended", "Year ended: A case cannot end before it started."),
    ]
    assert links[3] == (
        "#id_sources-1-title",
        "Source 2: Title of the document: This field is required.",
    )
    assert links[4][0] == "#id_sources-1-url"
    assert links[4][1].startswith("Source 2: Link: Enter a valid URL.")
    assert len(links) == 5
    # Each link leads to an element of the page: the input, or the list's fieldset.
    for href, _text in links:
        assert f'id="{href[1:]}"' in body
    assert '<fieldset class="choices" id="id_teams"' in body
    # The summary is announced and takes the focus, with no script needed.
    assert re.search(
        r'<div class="error-summary" id="error-summary" tabindex="-1" '
        r"autofocus>\s*<div role=\"alert\">\s*<h2>There is a problem</h2>",
        body,
    )
    assert "<title>Error: New case · Workspace" in body


def test_the_error_summary_names_an_error_about_all_the_sources(people, as_):
    rows = [{"title": f"Report {n}"} for n in range(41)]
    data = case_data(people["city_a"], **sources_data(*rows))
    response = as_(people["officer_a"]).post(NEW, data)
    assert response.status_code == 400
    body = response.content.decode()
    summary = body.split('id="error-summary"', 1)[1].split("</ul>", 1)[0]
    # Not about one field, so it links nowhere; it is shown by the sources too.
    assert "<li>Please submit at most 40 forms.</li>" in summary
    assert '<p class="field-error">Please submit at most 40 forms.</p>' in body


def test_an_error_about_the_whole_case_leads_the_summary(people):
    form = CaseForm(case_data(people["city_a"]), user=people["officer_a"])
    assert form.is_valid()
    form.add_error(None, "Something about the whole case.")
    form.add_error("summary", "Too short.")
    assert form.error_summary() == [
        {"href": "", "label": "", "message": "Something about the whole case."},
        {"href": "#id_summary", "label": "Summary", "message": "Too short."},
    ]


def test_a_form_without_errors_has_no_summary(people, as_):
    body = as_(people["officer_a"]).get(NEW).content.decode()
    assert "error-summary" not in body and "There is a problem" not in body


def test_a_forged_pending_image_is_ignored(people, as_):
    data = case_data(people["city_a"], pending_image="cases/aa/../../settings.py")
    as_(people["officer_a"]).post(NEW, data)
    assert not CaseStudy.objects.get().image


def test_an_image_needs_a_description(people, as_):
    data = case_data(people["city_a"], image_file=picture())
    response = as_(people["officer_a"]).post(NEW, data)
    assert response.status_code == 400
    assert "Describe the image" in str(response.context["form"].errors["image_alt"])
    assert response.context["pending_image"]  # The image is kept for the next try.


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (
            SimpleUploadedFile("photo.png", b"<html>not an image</html>"),
            "not a JPEG, PNG or WebP",
        ),
        (picture("GIF", name="photo.png"), "This is a GIF image"),
        (picture(size=(200, 100)), "needs at least 320 × 180"),
    ],
    ids=["text-named-png", "gif-named-png", "too-small"],
)
def test_an_upload_is_checked_by_its_content(people, as_, upload, message):
    data = case_data(people["city_a"], image_file=upload, image_alt="x")
    response = as_(people["officer_a"]).post(NEW, data)
    assert response.status_code == 400
    assert message in str(response.context["form"].errors["image_file"])
    assert not CaseStudy.objects.exists()


def test_an_upload_over_the_size_limit_is_refused(people, as_, settings):
    settings.CASE_IMAGE_MAX_BYTES = 1000
    data = case_data(people["city_a"], image_file=picture(), image_alt="x")
    response = as_(people["officer_a"]).post(NEW, data)
    assert "larger than 1000" in str(response.context["form"].errors["image_file"])


def test_renditions_lose_the_photos_metadata():
    exif = Image.Exif()
    exif[0x010F] = "Camera maker"  # Make
    upload = picture("JPEG", exif=exif.tobytes())
    name = images.process_upload(upload)
    with default_storage.open(name) as stored:
        assert not Image.open(stored).getexif()


def test_preview_renders_the_markdown_and_saves_nothing(people, as_):
    data = case_data(people["city_a"], preview="1", results="- one\n- *two*")
    response = as_(people["officer_a"]).post(NEW, data)
    assert response.status_code == 200
    body = response.content.decode()
    assert "<strong>unheard</strong>" in body
    assert "<li><em>two</em></li>" in body
    assert not CaseStudy.objects.exists()


def test_preview_keeps_the_upload_without_marking_empty_fields(people, as_):
    data = case_data(people["city_a"], preview="1", title="", image_file=picture())
    response = as_(people["officer_a"]).post(NEW, data)
    body = response.content.decode()
    assert response.context["pending_image"]
    assert "This field is required" not in body and "aria-invalid" not in body


def test_the_preview_shows_the_current_image_with_its_description(people, as_):
    case = case_in(
        people["city_a"], image_alt="A lab on a corner", image_credit="Ghent"
    )
    case.image = images.process_upload(picture())
    case.save()
    data = case_data(
        people["city_a"],
        preview="1",
        image_alt="A lab on a corner",
        image_credit="Ghent",
    )
    body = as_(people["officer_a"]).post(edit_url(case), data).content.decode()
    preview = body.split('<h3 id="image-preview">Preview: Image</h3>', 1)[1]
    preview = preview.split("</section>", 1)[0]
    assert case.image_renditions[-1].url in preview
    assert 'alt="A lab on a corner"' in preview
    assert "<figcaption>Ghent</figcaption>" in preview
    assert "screen readers read out: A lab on a corner" in preview


def test_the_preview_shows_a_newly_uploaded_image(people, as_):
    client = as_(people["officer_a"])
    data = case_data(
        people["city_a"], preview="1", image_file=picture(), image_alt="Volunteers"
    )
    response = client.post(NEW, data)
    pending = response.context["pending_image"]
    name = response.context["form"].instance.image.name
    assert pending and name
    preview = response.content.decode().split('id="image-preview"', 1)[1]
    url = images.renditions(name)[-1].url
    assert url in preview and 'alt="Volunteers"' in preview
    # And again from the kept upload, with the file not sent a second time.
    del data["image_file"]
    again = client.post(NEW, data | {"pending_image": pending}).content.decode()
    assert url in again.split('id="image-preview"', 1)[1]
    assert not CaseStudy.objects.exists()


def test_the_preview_says_when_there_is_no_image(people, as_):
    data = case_data(people["city_a"], preview="1")
    body = as_(people["officer_a"]).post(NEW, data).content.decode()
    assert "No image." in body.split('id="image-preview"', 1)[1]


# --- Adding sources without JavaScript -----------------------------------------------------


def test_add_another_source_adds_an_empty_row_and_saves_nothing(people, as_):
    client = as_(people["officer_a"])
    data = case_data(
        people["city_a"],
        title="",  # Not yet an error: nothing is saved, so nothing is refused.
        challenge="Typed, not lost.",
        image_file=picture(),
        image_alt="A lab",
        add_source="1",
        **sources_data({"title": "First report", "note": "Backs the figures"}),
    )
    response = client.post(NEW, data)
    assert response.status_code == 200
    assert not CaseStudy.objects.exists()
    body = response.content.decode()
    assert 'name="sources-TOTAL_FORMS" value="2"' in body
    assert "First report" in body and "Typed, not lost." in body
    assert "There is a problem" not in body and "aria-invalid" not in body
    # The new row is there, empty, and takes the focus.
    assert re.search(r'<input type="text" name="sources-1-title"[^>]*autofocus', body)
    assert 'name="sources-1-url"' in body and 'name="sources-2-title"' not in body
    # The upload is kept; the next save keeps the two rows' worth of typing.
    pending = response.context["pending_image"]
    assert pending
    del data["image_file"], data["add_source"]
    data.update(
        title="Labs",
        pending_image=pending,
        **sources_data(
            {"title": "First report", "note": "Backs the figures"},
            {"title": "Second report"},
        ),
    )
    assert client.post(NEW, data).status_code == 302
    case = CaseStudy.objects.get()
    assert case.image
    assert sorted(s.title for s in case.sources.all()) == [
        "First report",
        "Second report",
    ]


def test_add_another_source_stops_at_the_most_a_case_has(people, as_):
    rows = [{"title": f"Report {n}"} for n in range(40)]
    data = case_data(people["city_a"], add_source="1", **sources_data(*rows))
    body = as_(people["officer_a"]).post(NEW, data).content.decode()
    assert 'name="sources-TOTAL_FORMS" value="40"' in body
    assert 'name="add_source"' not in body


def test_the_page_carries_an_empty_row_for_the_script_to_copy(people, as_):
    body = as_(people["officer_a"]).get(NEW).content.decode()
    template = body.split('<template id="source-template">', 1)[1].split("</template>")[
        0
    ]
    assert 'name="sources-__prefix__-title"' in template
    assert '<button type="submit" name="add_source"' in body


# --- The reviewer's comment ------------------------------------------------------------------


def test_the_editor_shows_the_reviewers_request_for_changes(people, as_):
    reviewer = people["reviewer_a"]
    reviewer.first_name, reviewer.last_name = "Rita", "Roth"
    reviewer.save()
    case = case_in(people["city_a"], S.SUBMITTED)
    case.request_changes(by=reviewer, comment="An earlier remark.")
    case.submit(by=people["officer_a"])
    case.request_changes(by=reviewer, comment="Cite the council's decision.")
    body = as_(people["officer_a"]).get(edit_url(case)).content.decode()
    section = body.split('<section class="review-comment"', 1)[1].split("</section>")[0]
    assert "The reviewer asked for changes" in section
    assert "<blockquote>Cite the council&#x27;s decision.</blockquote>" in section
    assert "Rita Roth, " in section
    assert "An earlier remark." not in body


def test_the_editor_shows_the_reviewers_request_for_changes_to_a_revision(people, as_):
    case = case_in(people["city_a"], S.PUBLISHED)
    officer = as_(people["officer_a"])
    officer.post(edit_url(case), case_data(people["city_a"], title="Proposed"))
    revision = CaseRevision.objects.get()
    revision.request_changes(by=people["reviewer_a"], comment="Shorten the title.")
    body = as_(people["officer_a"]).get(edit_url(case)).content.decode()
    assert "<blockquote>Shorten the title.</blockquote>" in body


def test_no_comment_is_shown_on_a_draft_or_a_submitted_case(people, as_):
    case = case_in(people["city_a"], S.SUBMITTED)
    case.request_changes(by=people["reviewer_a"], comment="Fixed since.")
    case.submit(by=people["officer_a"])
    body = as_(people["officer_a"]).get(edit_url(case)).content.decode()
    assert "review-comment" not in body and "Fixed since." not in body


# --- Forged requests ----------------------------------------------------------------------


def test_another_citys_id_in_the_form_is_refused(people, as_):
    data = case_data(people["city_b"])
    response = as_(people["officer_a"]).post(NEW, data)
    assert response.status_code == 400
    assert "city" in response.context["form"].errors
    assert not CaseStudy.objects.exists()


def test_another_citys_team_is_refused(people, as_):
    team = InnovationTeamFactory(city=people["city_b"])
    data = case_data(people["city_a"], teams=[team.pk])
    response = as_(people["officer_a"]).post(NEW, data)
    assert response.status_code == 400
    assert "teams" in response.context["form"].errors


def test_another_citys_case_cannot_be_opened_or_changed(people, as_):
    case = case_in(people["city_b"], title="Lyon's draft")
    client = as_(people["officer_a"])
    assert client.get(edit_url(case)).status_code == 404
    data = case_data(people["city_b"], title="Changed by Ghent")
    assert client.post(edit_url(case), data).status_code == 404
    case.refresh_from_db()
    assert case.title == "Lyon's draft"


def test_a_reviewer_does_not_write_cases(people, as_):
    case = case_in(people["city_a"])
    client = as_(people["reviewer_a"])
    assert client.get(NEW).status_code == 403
    assert client.get(edit_url(case)).status_code == 404


def test_a_forged_source_id_never_touches_another_cases_source(people, as_):
    other = SourceFactory(content_object=case_in(people["city_b"]), title="Theirs")
    case = case_in(people["city_a"])
    data = case_data(
        people["city_a"],
        **sources_data({"id": other.pk, "title": "Mine now?"}, initial=1),
    )
    as_(people["officer_a"]).post(edit_url(case), data)
    other.refresh_from_db()
    assert other.title == "Theirs"
    assert [s.title for s in case.sources.all()] == ["Mine now?"]


# --- Editing ------------------------------------------------------------------------------


def test_editing_a_draft_changes_removes_and_adds_sources(people, as_):
    case = case_in(people["city_a"])
    keep = SourceFactory(content_object=case, title="Keep me")
    drop = SourceFactory(content_object=case, title="Drop me")
    data = case_data(
        people["city_a"],
        title="Renamed",
        **sources_data(
            {"id": keep.pk, "title": "Kept, retitled"},
            {"id": drop.pk, "title": "Drop me", "DELETE": "on"},
            {"title": "Brand new"},
            initial=2,
        ),
    )
    assert as_(people["officer_a"]).post(edit_url(case), data).status_code == 302
    case.refresh_from_db()
    assert case.title == "Renamed" and case.slug != "renamed"  # Links keep working.
    assert sorted(s.title for s in case.sources.all()) == [
        "Brand new",
        "Kept, retitled",
    ]
    # The removed source is in the sources' history, so it can be brought back.
    assert Source.history.filter(id=drop.pk, history_type="-").exists()


def test_removing_the_image(people, as_):
    case = case_in(people["city_a"], image_alt="x")
    case.image = images.process_upload(picture())
    case.save()
    data = case_data(people["city_a"], remove_image="on")
    as_(people["officer_a"]).post(edit_url(case), data)
    case.refresh_from_db()
    assert not case.image


def test_an_archived_case_is_not_edited(people, as_):
    case = case_in(people["city_a"], S.ARCHIVED)
    response = as_(people["officer_a"]).get(edit_url(case))
    assert response.status_code == 302
    assert "archived" in messages_of(response)[0]


def test_editing_a_published_case_makes_a_revision_the_public_does_not_see(
    people, as_, client
):
    case = case_in(people["city_a"], S.PUBLISHED, title="Published title")
    SourceFactory(content_object=case, title="Old source")
    officer = as_(people["officer_a"])
    data = case_data(
        people["city_a"],
        title="Proposed title",
        image_file=picture(),
        image_alt="New picture",
        **sources_data({"title": "New source"}),
    )
    response = officer.post(edit_url(case), data)
    revision = CaseRevision.objects.get()
    assert response.url == reverse("workspace:revision_detail", args=[revision.pk])
    case.refresh_from_db()
    assert case.title == "Published title" and not case.image
    assert [s.title for s in case.sources.all()] == ["Old source"]
    client.logout()
    public = client.get(case.get_absolute_url()).content.decode()
    assert "Published title" in public and "Proposed title" not in public
    # The officer comes back to the editor: it starts from the open revision.
    form = as_(people["officer_a"]).get(edit_url(case)).context["form"]
    assert form["title"].value() == "Proposed title"
    labels = {str(change["label"]) for change in revision.diff()}
    assert {"title", "image", "sources"} <= labels
    revision.approve(by=people["reviewer_a"])
    case.refresh_from_db()
    assert case.title == "Proposed title" and case.image_alt == "New picture"
    assert case.image_renditions
    assert [s.title for s in case.sources.all()] == ["New source"]


def test_continuing_a_revision_keeps_the_image_it_proposes(people, as_):
    case = case_in(people["city_a"], S.PUBLISHED)
    officer = as_(people["officer_a"])
    data = case_data(
        people["city_a"], image_file=picture(), image_alt="Proposed picture"
    )
    officer.post(edit_url(case), data)
    proposed = CaseRevision.objects.get().data["fields"]["image"]
    assert proposed
    # Saved again, without sending the file: the revision still proposes it.
    del data["image_file"]
    officer.post(edit_url(case), data | {"summary": "Changed again."})
    revision = CaseRevision.objects.get()
    assert revision.data["fields"]["summary"] == "Changed again."
    assert revision.data["fields"]["image"] == proposed


def test_a_published_cases_city_cannot_change(people, as_):
    case = case_in(people["city_a"], S.PUBLISHED)
    form = as_(people["officer_a"]).get(edit_url(case)).context["form"]
    assert form.fields["city"].disabled


# --- Two people editing one case ------------------------------------------------------------


def opened_token(client, case):
    """The version the editor was opened on, as the page carries it."""
    page = client.get(edit_url(case))
    return page.context["edit_token"]


def test_a_save_crossing_a_colleagues_is_refused_with_the_text_kept(people, as_):
    case = case_in(people["city_a"], summary="As first written.")
    colleague = MembershipFactory(city=people["city_a"]).user
    client = as_(people["officer_a"])
    token = opened_token(client, case)
    # Meanwhile a colleague saves the same case.
    as_(colleague).post(
        edit_url(case),
        case_data(people["city_a"], summary="The colleague's summary.")
        | {"edit_token": opened_token(as_(colleague), case)},
    )
    client = as_(people["officer_a"])
    mine = case_data(people["city_a"], summary="My summary.") | {"edit_token": token}
    response = client.post(edit_url(case), mine)
    assert response.status_code == 409
    assert "Someone else saved changes" in response.content.decode()
    assert "My summary." in response.content.decode()  # Kept as typed.
    case.refresh_from_db()
    assert case.summary == "The colleague's summary."  # Nothing overwritten.
    # The page now carries the current version: saving again is a knowing choice.
    again = mine | {"edit_token": response.context["edit_token"]}
    assert client.post(edit_url(case), again).status_code == 302
    case.refresh_from_db()
    assert case.summary == "My summary."


def test_a_workflow_step_meanwhile_is_no_conflict(people, as_):
    case = case_in(people["city_a"])
    client = as_(people["officer_a"])
    token = opened_token(client, case)
    case.submit(by=people["officer_a"])
    data = case_data(people["city_a"], summary="Changed.") | {"edit_token": token}
    assert client.post(edit_url(case), data).status_code == 302
    case.refresh_from_db()
    assert case.summary == "Changed." and case.status == S.SUBMITTED


def test_a_save_crossing_a_publish_becomes_a_revision(people, as_):
    """The editor was opened on a submitted case; a reviewer publishes it before the
    save. The save must not change the public text: it is a revision to review."""
    case = case_in(people["city_a"], status=S.SUBMITTED, summary="Reviewed text.")
    client = as_(people["officer_a"])
    token = opened_token(client, case)
    case.publish(by=people["reviewer_a"])
    data = case_data(people["city_a"], title=case.title, summary="Unreviewed.")
    response = client.post(edit_url(case), data | {"edit_token": token})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.summary == "Reviewed text."
    revision = case.revisions.get()
    assert revision.data["fields"]["summary"] == "Unreviewed."


def test_two_officers_continuing_one_revision_do_not_overwrite_each_other(people, as_):
    case = case_in(people["city_a"], status=S.PUBLISHED, summary="Published.")
    colleague = MembershipFactory(city=people["city_a"]).user
    first = case_data(people["city_a"], title=case.title, summary="Proposal one.")
    as_(people["officer_a"]).post(edit_url(case), first)  # Opens a revision.
    token = opened_token(as_(people["officer_a"]), case)
    other = case_data(people["city_a"], title=case.title, summary="Proposal two.")
    colleague_token = opened_token(as_(colleague), case)
    assert colleague_token == token  # Both start from the open revision.
    assert (
        as_(colleague)
        .post(edit_url(case), other | {"edit_token": colleague_token})
        .status_code
        == 302
    )
    mine = case_data(people["city_a"], title=case.title, summary="Proposal three.")
    response = as_(people["officer_a"]).post(
        edit_url(case), mine | {"edit_token": token}
    )
    assert response.status_code == 409
    assert case.revisions.get().data["fields"]["summary"] == "Proposal two."


def test_preview_and_a_refused_save_keep_the_version_first_opened(people, as_):
    case = case_in(people["city_a"])
    client = as_(people["officer_a"])
    token = opened_token(client, case)
    case.summary = "Saved meanwhile by someone else."
    case.save()
    preview = client.post(
        edit_url(case),
        case_data(people["city_a"]) | {"edit_token": token, "preview": "1"},
    )
    assert preview.context["edit_token"] == token
    refused = client.post(
        edit_url(case), case_data(people["city_a"], title="") | {"edit_token": token}
    )
    assert refused.status_code == 400 and refused.context["edit_token"] == token
    conflict = client.post(
        edit_url(case), case_data(people["city_a"]) | {"edit_token": token}
    )
    assert conflict.status_code == 409


def test_a_stored_half_translation_is_an_error_on_the_page_not_a_crash(people, as_):
    """A case whose German translation has a title but no summary (written around the
    editors): the model's clean() refuses it, on a field this form does not edit."""
    case = case_in(people["city_a"], title="Street labs", original_language="en")
    CaseStudy.objects.filter(pk=case.pk).update(title_de="Straßenlabore")
    response = as_(people["officer_a"]).post(
        edit_url(case), case_data(people["city_a"], title="Street labs")
    )
    assert response.status_code == 400
    [item] = [i for i in response.context["form"].error_summary() if not i["href"]]
    assert item["message"].startswith("Summary (German): A translation needs")
