// A button marked data-print prints the page. It is hidden until this script shows it,
// so that without JavaScript nobody meets a button that does nothing (the browser's
// own Print still works, and the print stylesheet leaves only the content).
document.querySelectorAll("button[data-print]").forEach((button) => {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
});
