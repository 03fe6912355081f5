// The case editor (templates/workspace/case_form.html), made quicker to use. Each part
// has a plain equivalent without JavaScript: the error summary takes the focus through
// autofocus, "Add another source" asks the server for the page with one more row, and
// a list of choices is a list of checkboxes.
(() => {
  const form = document.querySelector("form.editor-form");
  if (!form) return;

  // --- The error summary ------------------------------------------------------------
  // Focused as the page opens (where autofocus on a non-field was not honoured); each
  // link moves the focus to its field, or to a list's first choice, with the label or
  // legend in view above it (following a link to an id only scrolls).
  const summary = document.getElementById("error-summary");
  if (summary) {
    if (document.activeElement !== summary) summary.focus();
    summary.addEventListener("click", (event) => {
      const link = event.target.closest("a[href^='#']");
      const target = link && document.getElementById(decodeURIComponent(link.hash.slice(1)));
      if (!target) return;
      const field = target.matches("input, select, textarea")
        ? target
        : target.querySelector("input:not([type=hidden]):not([type=search]), select, textarea");
      if (!field) return;
      event.preventDefault();
      const caption = target.matches("fieldset")
        ? target.querySelector("legend")
        : document.querySelector(`label[for="${CSS.escape(field.id)}"]`);
      (caption || field).scrollIntoView({ block: "start" });
      field.focus({ preventScroll: true });
    });
  }

  // --- Add another source -----------------------------------------------------------
  // A copy of the formset's empty form (the <template>), numbered as the next row,
  // with the management form's count raised so that the server reads it.
  const addButton = form.querySelector("[data-add-source]");
  const template = document.getElementById("source-template");
  const rows = document.getElementById("source-rows");
  const total = form.querySelector("input[name='sources-TOTAL_FORMS']");
  const most = form.querySelector("input[name='sources-MAX_NUM_FORMS']");
  if (addButton && template && rows && total) {
    addButton.addEventListener("click", (event) => {
      event.preventDefault();
      const index = Number(total.value);
      const row = template.content.cloneNode(true).querySelector("fieldset");
      for (const element of row.querySelectorAll("*")) {
        for (const name of ["id", "name", "for", "aria-describedby"]) {
          const value = element.getAttribute(name);
          if (value) element.setAttribute(name, value.replaceAll("__prefix__", index));
        }
      }
      rows.append(row);
      total.value = String(index + 1);
      row.querySelector("input:not([type=hidden]), textarea").focus();
      if (most && index + 1 >= Number(most.value)) addButton.hidden = true;
    });
  }

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
      // Each part a span, a space between them, so that they are read as two.
      const spans = parts.map((text) =>
        Object.assign(document.createElement("span"), { textContent: text }),
      );
      count.replaceChildren(...spans.flatMap((span, index) => (index ? [" ", span] : [span])));
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
