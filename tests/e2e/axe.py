"""axe-core, vendored from npm (axe-core 4.14.1, MPL-2.0: see vendor/LICENSE)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import Page

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """Runs axe-core on the page, limited to the WCAG 2.2 A and AA rules."""
    # Evaluated through the DevTools protocol, which the page's Content-Security-Policy
    # does not govern: a <script> tag would be refused, as it should be.
    page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
    result = page.evaluate(
        "async (tags) => await axe.run(document, "
        "{runOnly: {type: 'tag', values: tags}})",
        AXE_TAGS,
    )
    return result["violations"]


def describe_violations(violations: list[dict[str, Any]]) -> str:
    """One block per rule: its id, what it asks, and the elements that fail it."""
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"]:
            target = " ".join(str(part) for part in node["target"])
            lines.append(f"    {target}: {node.get('failureSummary', '')!r}")
    return "\n".join(lines)
