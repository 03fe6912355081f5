"""A separate process of the Atlas, for tests/test_index_processes.py: it reads one JSON
command a line on stdin and answers one JSON line on stdout, using the application's own
code (the workflow, the engine) against the database and the index directory named by
DATABASE_URL and SEARCH_INDEX_DIR.

    {"search": "text"}                -> {"ids": [...], "total": n}
    {"publish": case_id, "by": user}  -> {"ok": true}   (the review workflow's publish)
    {"documents": true}               -> {"documents": n, "generation": "gen-..."}
    {"sync_and_hang": "apply"|"state"} -> {"hanging": ...}, then sleeps inside the sync
                                           (after the documents are added, or after
                                           tantivy's commit), to be killed there
"""

from __future__ import annotations

import json
import os
import sys
import time
from typing import Any


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()

    from django.contrib.auth import get_user_model

    from innovation_cases.engine import index as engine_index
    from innovation_cases.engine import journal
    from innovation_cases.engine.search import search
    from innovation_cases.models import CaseStudy

    def answer(data: dict[str, Any]) -> None:
        sys.stdout.write(json.dumps(data) + "\n")
        sys.stdout.flush()

    def hang(where: str) -> None:
        answer({"hanging": where})
        time.sleep(3600)

    answer({"ready": True})
    for line in sys.stdin:
        command = json.loads(line)
        if "search" in command:
            result = search(command["search"], with_facets=False, with_snippets=False)
            answer({"ids": result.ids, "total": result.total})
        elif "publish" in command:
            user = get_user_model().objects.get(pk=command["by"])
            CaseStudy.objects.get(pk=command["publish"]).publish(by=user)
            answer({"ok": True})
        elif "documents" in command:
            searcher = journal.fresh_searcher()
            generation = engine_index.current_generation_path().name
            answer({"documents": searcher.num_docs, "generation": generation})
        elif "sync_and_hang" in command:
            where = command["sync_and_hang"]
            if where == "apply":

                def document_then_hang(
                    case: Any, add: Any = journal.document_for
                ) -> Any:
                    document = add(case)
                    hang("apply")
                    return document

                journal.document_for = document_then_hang  # type: ignore[assignment]  # a stand-in, for the test
            else:
                journal.State.write = lambda self, generation: hang("state")  # type: ignore[method-assign]  # a stand-in, for the test
            journal.sync()
        else:
            answer({"error": f"unknown command {command!r}"})


if __name__ == "__main__":
    main()
