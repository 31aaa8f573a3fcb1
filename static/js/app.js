// Cohort's own script: small progressive enhancements on top of htmx. Every
// page works without it.
(function () {
  "use strict";

  // Lets styles and tests know the script ran (the CSP allowed it).
  document.documentElement.dataset.js = "on";

  // Move focus where a screen-reader or keyboard user needs it after htmx
  // swaps content: an error summary first, else the swapped region's
  // heading (a page's h1, or the h2 of a region inside a page).
  document.addEventListener("htmx:afterSettle", function (ev) {
    var root = ev.detail && ev.detail.elt ? ev.detail.elt : document;
    var region = root.matches && root.matches("main, [data-focus-heading]") ? root : root.querySelector("[data-focus-heading]");
    var target = root.querySelector("[data-autofocus], .error-summary") ||
      (region ? region.querySelector("h1, h2") : null);
    if (target) {
      // Headings and summaries need tabindex=-1 to take focus; controls
      // already can, and -1 would drop them out of the Tab order.
      if (!target.hasAttribute("tabindex") &&
          !target.matches("a[href], button, input, select, textarea, summary")) {
        target.setAttribute("tabindex", "-1");
      }
      target.focus();
    }
  });

  // On a full page load, focus the error summary, or a confirmation the
  // page marks for attention, so it is announced first.
  document.addEventListener("DOMContentLoaded", function () {
    var target = document.querySelector(".error-summary") || document.querySelector(".flash[data-autofocus]");
    if (target) target.focus();
    // Preselect the member's own time zone where none is chosen yet; the
    // server's default (UTC) stays for browsers that cannot tell.
    var zone = "";
    try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { zone = ""; }
    document.querySelectorAll("select[data-detect-tz]").forEach(function (sel) {
      if (sel.value !== "" || zone === "") return;
      for (var i = 0; i < sel.options.length; i++) {
        if (sel.options[i].value === zone) { sel.value = zone; break; }
      }
    });
  });

  // Questions that depend on another answer (data-show-if on their
  // wrapper) appear and disappear as the member answers, instead of only
  // when the step is saved. The server decides again on every save and
  // drops answers to questions that end up hidden; a question whose
  // controlling answer is on another step keeps the server's decision.
  // data-show-if-values lists the matching values, separated by spaces.
  var each = Array.prototype.forEach;

  function answered(form, name) {
    var values = [], present = false;
    each.call(form.elements, function (el) {
      if (el.name !== name) return;
      present = true;
      var box = el.closest("[data-show-if]");
      if (el.disabled || (box && box.hidden)) return; // a hidden question has no answer
      if (el.type === "checkbox" || el.type === "radio") {
        if (el.checked) values.push(el.value);
      } else if (el.tagName === "SELECT" && el.multiple) {
        each.call(el.selectedOptions, function (o) { values.push(o.value); });
      } else if (el.value.trim() !== "") {
        values.push(el.value.trim());
      }
    });
    return present ? values : null;
  }

  function sameValue(got, want) {
    if (got === want) return true;
    // A yes/no question posts yes/no; the condition says true/false.
    if ((got === "yes" && want === "true") || (got === "no" && want === "false")) return true;
    return got !== "" && want !== "" && !isNaN(got) && !isNaN(want) && Number(got) === Number(want);
  }

  function updateShowIf(form) {
    // Document order: a question depends only on earlier ones, so one pass
    // settles chains.
    each.call(form.querySelectorAll("[data-show-if]"), function (box) {
      var values = answered(form, box.dataset.showIf);
      if (values === null) return;
      var raw = box.dataset.showIfValues || "";
      var wants = raw.split(" ");
      // When in doubt (a value with spaces in it), show: the server drops
      // an answer that does not apply, but could not get one hidden here.
      box.hidden = !values.some(function (v) {
        return (" " + raw + " ").indexOf(" " + v + " ") >= 0 ||
          wants.some(function (w) { return sameValue(v, w); });
      });
    });
  }

  function onAnswer(ev) {
    var form = ev.target && ev.target.form;
    if (form && form.querySelector("[data-show-if]")) updateShowIf(form);
  }
  document.addEventListener("change", onAnswer);
  document.addEventListener("input", onAnswer);
  // Back/forward may restore answers the page was not rendered with.
  window.addEventListener("pageshow", function () {
    each.call(document.forms, function (form) {
      if (form.querySelector("[data-show-if]")) updateShowIf(form);
    });
  });

  // Buttons with data-confirm ask before submitting (no inline script: CSP).
  document.addEventListener("submit", function (ev) {
    var btn = ev.submitter;
    if (btn && btn.dataset.confirm && !window.confirm(btn.dataset.confirm)) {
      ev.preventDefault();
      return;
    }
    // data-confirm-field names a field the server wants as proof the
    // person confirmed; without JavaScript it shows its own step instead.
    if (btn && btn.dataset.confirm && btn.dataset.confirmField) {
      var proof = document.createElement("input");
      proof.type = "hidden";
      proof.name = btn.dataset.confirmField;
      proof.value = "yes";
      btn.form.appendChild(proof);
    }
  }, true);
})();
