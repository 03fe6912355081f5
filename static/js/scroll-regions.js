// The tables' scroll regions (templatetags/scroll_region.py): show the line "Scroll
// sideways to see the whole table" above each table that is wider than its box, and
// only then, again whenever the window changes size.
(function () {
  "use strict";
  function update() {
    document.querySelectorAll(".scroll-region").forEach(function (region) {
      var hint = region.querySelector(":scope > .scroll-hint");
      if (hint) {
        hint.hidden = region.scrollWidth <= region.clientWidth + 1;
      }
    });
  }
  var pending = false;
  function schedule() {
    if (!pending) {
      pending = true;
      window.requestAnimationFrame(function () {
        pending = false;
        update();
      });
    }
  }
  update();
  window.addEventListener("resize", schedule);
})();
