// Leave empty fields out of a GET form's URL, so that a shared or bookmarked link
// holds only the filters that are set ("?q=pitch", not "?q=pitch&year_min=&year_max=").
// Without JavaScript the form still works: the server ignores empty values.
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || form.method.toLowerCase() !== "get") return;
  const emptied = [];
  for (const field of form.elements) {
    if (field.name && !field.disabled && "value" in field && field.value === "" && field.type !== "submit") {
      field.disabled = true;
      emptied.push(field);
    }
  }
  // Re-enable them after the browser has read the form, so Back shows them unchanged.
  setTimeout(() => emptied.forEach((field) => { field.disabled = false; }), 0);
});
