// The case editor (templates/workspace/case_form.html), made quicker to use. Each part
// has a plain equivalent without JavaScript: a list of choices is a list of checkboxes.
(() => {
  const form = document.querySelector("form.editor-form");
  if (!form) return;

  // --- A long list of choices: a filter box and a count of the chosen -------------------
  // Shorter lists read at a glance. Matching ignores case and accents ("e" finds "é").
  const FILTER_FROM = 10;
  const fold = (text) => text.normalize("NFD").replace(/\p{Diacritic}/gu, "").toLowerCase();
  // The template's texts, translated, with Python's %(name)s placeholders.
  const format = (text, values) => text.replace(/%\((\w+)\)s/g, (_, key) => values[key]);

  for (const list of form.querySelectorAll("fieldset[data-choice-filter]")) {
    const items = [...list.querySelectorAll(".choice-list > li")].filter((item) =>
      item.querySelector("input"),
    );
    if (items.length < FILTER_FROM) continue;
    const box = list.querySelector(".choice-filter");
    const filter = box.querySelector("input[type=search]");
    const count = box.querySelector(".choice-count");
    const labels = items.map((item) => fold(item.querySelector("label").textContent));

    const update = () => {
      const words = fold(filter.value).split(/\s+/).filter(Boolean);
      let shown = 0;
      items.forEach((item, index) => {
        item.hidden = !words.every((word) => labels[index].includes(word));
        if (!item.hidden) shown += 1;
      });
      const chosen = items.filter((item) => item.querySelector("input").checked).length;
      const parts = [format(count.dataset.selected, { count: chosen })];
      if (words.length) {
        parts.push(format(count.dataset.shown, { shown, total: items.length }));
      }
      count.replaceChildren(
        ...parts.map((text) => Object.assign(document.createElement("span"), { textContent: text })),
      );
    };

    filter.addEventListener("input", update);
    filter.addEventListener("keydown", (event) => {
      // Enter would save the whole case; Escape empties the filter.
      if (event.key === "Enter") event.preventDefault();
      if (event.key === "Escape" && filter.value) {
        event.preventDefault();
        filter.value = "";
        update();
      }
    });
    list.addEventListener("change", (event) => {
      if (event.target !== filter) update();
    });
    box.hidden = false;
    update();
  }
})();
