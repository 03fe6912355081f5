"""Checks of WCAG 1.4.10 (reflow) and 2.1.1 (keyboard) on a page's layout, beside axe.

axe checks a scrollable region only while its content overflows it, which depends on
the text and the window's width. These check every region that scrolls, and every
table, which may be too wide for a phone with other text in it.
"""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page

PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}

# What a keyboard and a screen reader need of an element that scrolls sideways (a tab
# stop, the region role and a name), for each element that does, and for the scrolling
# box around each table in main (or the table itself when it has none).
_SCROLLERS = """() => {
  const scrolls = (element) => ["auto", "scroll"].includes(
    getComputedStyle(element).overflowX);
  const describe = (element) => {
    const labelledby = (element.getAttribute("aria-labelledby") || "")
      .split(/\\s+/).filter(Boolean)
      .map((id) => (document.getElementById(id) || {}).textContent || "")
      .join(" ").trim();
    return {
      html: element.outerHTML.slice(0, 160),
      focusable: element.tabIndex >= 0,
      role: element.getAttribute("role"),
      name: (element.getAttribute("aria-label") || "").trim() || labelledby,
    };
  };
  const overflowing = [...document.querySelectorAll("body *")]
    .filter((element) => scrolls(element)
      && element.scrollWidth > element.clientWidth);
  const aroundTables = [...document.querySelectorAll("main table")]
    .map((table) => {
      for (let element = table; element !== document.body;
           element = element.parentElement) {
        if (scrolls(element)) return element;
      }
      return table;
    });
  return [...new Set([...overflowing, ...aroundTables])].map(describe);
}"""


def assert_no_horizontal_scrolling(page: Page) -> None:
    """The document is no wider than the window: nothing to scroll sideways."""
    viewport = page.viewport_size
    assert viewport is not None
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= viewport["width"], (
        f"{page.url} is {scroll_width}px wide in a {viewport['width']}px wide window: "
        "it scrolls sideways"
    )


def assert_scrollable_regions_are_keyboard_reachable(page: Page) -> None:
    """Every box that scrolls sideways, and the one around each table, takes focus
    and is a named region, so that a keyboard can scroll it and a screen reader says
    what it holds."""
    scrollers: list[dict[str, Any]] = page.evaluate(_SCROLLERS)
    unreachable = [
        scroller
        for scroller in scrollers
        if not (scroller["focusable"] and scroller["role"] == "region")
        or not scroller["name"]
    ]
    assert not unreachable, (
        f"on {page.url}, boxes that scroll sideways (or hold a table) but are not "
        "focusable, named regions:\n"
        + "\n".join(f"    {scroller}" for scroller in unreachable)
    )
