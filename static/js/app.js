// Cohort's own script: small progressive enhancements on top of htmx. Every
// page works without it.
(function () {
  "use strict";

  // Lets styles and tests know the script ran (the CSP allowed it).
  document.documentElement.dataset.js = "on";

  // Move focus where a screen-reader or keyboard user needs it after htmx
  // swaps content: an error summary first, else the new main heading.
  document.addEventListener("htmx:afterSettle", function (ev) {
    var root = ev.detail && ev.detail.elt ? ev.detail.elt : document;
    var target = root.querySelector("[data-autofocus], .error-summary") ||
      (root.matches && root.matches("main, [data-focus-heading]") ? root.querySelector("h1") : null);
    if (target) {
      if (!target.hasAttribute("tabindex")) target.setAttribute("tabindex", "-1");
      target.focus();
    }
  });

  // Focus the error summary on a full page load too.
  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.querySelector(".error-summary");
    if (summary) summary.focus();
  });

  // Buttons with data-confirm ask before submitting (no inline script: CSP).
  document.addEventListener("submit", function (ev) {
    var btn = ev.submitter;
    if (btn && btn.dataset.confirm && !window.confirm(btn.dataset.confirm)) {
      ev.preventDefault();
    }
  }, true);
})();
