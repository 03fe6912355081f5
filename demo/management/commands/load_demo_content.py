from typing import Any

from django.core.management.base import BaseCommand

from demo import content as demo_content


class Command(BaseCommand):
    help = (
        "Load the demo content: Bologna, Vienna and Bratislava, their teams, labs and "
        "fund, the survey's findings and two published case studies, each with its "
        "sources. Safe to run again: it changes only what differs."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        report = demo_content.load()
        self.stdout.write(self.style.SUCCESS(str(report)))
