// Starts Redoc on /api/redoc/ (templates/drf_spectacular/redoc.html), from our own
// static files: a script of its own, as the pages' Content-Security-Policy allows no
// inline script. The theme's colours are Redoc's own, darkened where axe found their
// contrast below 4.5:1 (WCAG 1.4.3): the responses' status codes and the secondary text.
(function () {
  "use strict";
  var container = document.getElementById("redoc-container");
  if (!container || typeof Redoc === "undefined") {
    return;
  }
  Redoc.init(
    container.getAttribute("data-spec-url"),
    {
      theme: {
        colors: {
          text: { secondary: "#595959" },
          responses: {
            success: { color: "#17692a" },
            error: { color: "#b01c19" },
          },
        },
      },
    },
    container
  );
})();
