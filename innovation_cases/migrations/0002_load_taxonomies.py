"""Load the controlled vocabularies, so that every database has them.

The terms follow the sources in shared/DOMAIN.md: the OPSI innovation types and the
internal and external drivers (TU Delft course page), the trends in urban
transformation (same page), and the problem areas the LSE Cities article names.
Re-running is safe: terms are matched on their slug and updated in place.
"""

from django.db import migrations

INNOVATION_TYPES = [
    (
        "enhancement-oriented",
        "Enhancement-oriented",
        "Improves what already exists: upgrades practices, gains efficiency and gets "
        "better results from existing structures and services. The goal is known and "
        "uncertainty is low.",
    ),
    (
        "mission-oriented",
        "Mission-oriented",
        "Sets a clear, ambitious goal or outcome and directs effort towards it, even "
        "though the way to reach it is not yet known. Directed, with uncertainty about "
        "the means.",
    ),
    (
        "adaptive",
        "Adaptive",
        "Tests and tries new approaches in response to a changing environment, often "
        "led by the people closest to the problem. Not directed from the top, and "
        "uncertain in its outcome.",
    ),
    (
        "anticipatory",
        "Anticipatory",
        "Explores emerging issues that might shape future priorities and commitments, "
        "before they are fully understood. The most uncertain kind of innovation.",
    ),
]

DRIVERS = [
    (
        "management",
        "Management",
        "internal",
        "Leaders and managers inside the administration who ask for, enable or "
        "protect new ways of working.",
    ),
    (
        "organisational-climate",
        "Internal organisational climate",
        "internal",
        "A culture inside the administration that welcomes new ideas, allows them to "
        "be tested and supports the staff who try them.",
    ),
    (
        "political",
        "Political",
        "external",
        "Political priorities, mandates and pressures from elected leaders, parties "
        "and voters.",
    ),
    (
        "economic",
        "Economic",
        "external",
        "Budget pressures, funding opportunities and the state of the local economy.",
    ),
    (
        "social",
        "Social",
        "external",
        "Changing needs and expectations of residents and communities, such as an "
        "ageing population or rising inequality.",
    ),
    (
        "technological",
        "Technological",
        "external",
        "New technologies that make new services or ways of working possible.",
    ),
    (
        "ecological",
        "Ecological",
        "external",
        "Environmental pressures such as climate change, pollution and the loss of "
        "nature.",
    ),
    (
        "legal",
        "Legal",
        "external",
        "New laws, regulations and legal duties that require or allow change.",
    ),
]

APPROACHES = [
    (
        "digital-smart-mobility",
        "Digital technologies for smart mobility",
        "Digital technologies used in mobility projects: to plan, run or inform people "
        "about how they move around the city.",
    ),
    (
        "partnerships",
        "Partnerships between government, citizens and civil society",
        "The city government works with citizens, civil society, academics and "
        "business as partners on a shared problem, not only as consultees.",
    ),
    (
        "co-production",
        "Citizens' co-production",
        "Citizens take part in producing a public service alongside the public body "
        "that is responsible for it.",
    ),
    (
        "co-design-public-spaces",
        "Co-design of public spaces",
        "Streets, squares and parks are designed together with the people who live in "
        "and use them.",
    ),
]

THEMES = [
    ("mobility", "Mobility", "How people and goods move around the city."),
    ("affordable-housing", "Affordable housing", "Building and keeping homes that people can afford."),
    ("homelessness", "Homelessness", "Preventing homelessness and helping people out of it."),
    (
        "climate",
        "Climate and zero-carbon economy",
        "Cutting carbon emissions and adapting to climate change.",
    ),
    (
        "social-inclusion",
        "Social inclusion",
        "Tackling poverty and worklessness, and looking after the most vulnerable.",
    ),
    ("public-spaces", "Public spaces", "Streets, squares, parks and other shared spaces."),
    ("safe-streets", "Safety and security", "Making streets and neighbourhoods safe."),
    ("digital-services", "Digital services", "Public services delivered or improved through digital means."),
    ("food-systems", "Healthier food systems", "How the city's food is produced, sold and eaten."),
    ("migration", "Migration and integration", "Accommodating migrants and helping them settle."),
    (
        "neighbourhoods",
        "Neighbourhoods and new towns",
        "Developing new towns and urban neighbourhoods, and renewing existing ones.",
    ),
    (
        "technology-regulation",
        "Regulating new technologies",
        "Regulatory frameworks for new technologies and the services built on them.",
    ),
    (
        "civic-participation",
        "Civic participation",
        "Involving citizens in decisions, and countering political polarisation.",
    ),
    (
        "government-capacity",
        "Innovation capacity in government",
        "Building city hall's own ability to innovate: skills, culture, teams and "
        "funding for new ideas.",
    ),
]

LIFECYCLE_STAGES = [
    ("identifying-problems", "Identifying problems", "Finding and understanding the problem to be solved, and who has it."),
    ("generating-ideas", "Generating ideas", "Gathering and creating ideas that might solve the problem."),
    ("developing-proposals", "Developing proposals", "Turning ideas into proposals that can be tested, funded and approved."),
    ("implementing", "Implementing", "Putting the project into practice."),
    ("evaluating", "Evaluating", "Finding out whether it worked, for whom, and at what cost."),
    ("diffusing-lessons", "Diffusing lessons", "Sharing what was learnt, so that others can adopt or adapt it."),
]


def load(apps, schema_editor):
    def upsert(model_name, rows, extra=None):
        model = apps.get_model("innovation_cases", model_name)
        for position, row in enumerate(rows, start=1):
            slug, name, *rest = row
            defaults = {"name": name, "definition": rest[-1], "position": position}
            if extra:
                defaults.update(extra(rest))
            model.objects.update_or_create(slug=slug, defaults=defaults)

    upsert("InnovationType", INNOVATION_TYPES)
    upsert("Driver", DRIVERS, extra=lambda rest: {"group": rest[0]})
    upsert("Approach", APPROACHES)
    upsert("Theme", THEMES)
    upsert("LifecycleStage", LIFECYCLE_STAGES)


class Migration(migrations.Migration):
    dependencies = [("innovation_cases", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
