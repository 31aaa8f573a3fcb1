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

  // "Select all" boxes (data-select-all: a selector of the boxes they
  // rule) are hidden without this script; with it they show, check or
  // clear every box they rule, and follow them when one is changed.
  function showSelectAll(root) {
    root.querySelectorAll("input[data-select-all]").forEach(function (all) { all.hidden = false; });
  }
  document.addEventListener("DOMContentLoaded", function () { showSelectAll(document); });
  document.addEventListener("htmx:afterSettle", function () { showSelectAll(document); });
  document.addEventListener("change", function (ev) {
    var el = ev.target;
    if (el.matches && el.matches("input[data-select-all]")) {
      document.querySelectorAll(el.dataset.selectAll).forEach(function (box) { box.checked = el.checked; });
      return;
    }
    document.querySelectorAll("input[data-select-all]").forEach(function (all) {
      var boxes = document.querySelectorAll(all.dataset.selectAll);
      if (!Array.prototype.some.call(boxes, function (b) { return b === el; })) return;
      var on = Array.prototype.filter.call(boxes, function (b) { return b.checked; }).length;
      all.checked = on === boxes.length;
      all.indeterminate = on > 0 && on < boxes.length;
    });
  });

  // After sorting or paging the participant table (a link inside the
  // results, swapped in place), focus and scroll go to the results'
  // summary, so the next Tab continues in the results rather than at the
  // top of the page. Filtering keeps focus in the filter being typed in.
  document.addEventListener("htmx:afterSettle", function (ev) {
    var d = ev.detail || {};
    var src = d.requestConfig && d.requestConfig.elt;
    if (!d.target || d.target.id !== "staff-results" || !src || src.tagName !== "A") return;
    var summary = document.getElementById("staff-count");
    if (!summary) return;
    summary.scrollIntoView({block: "start"});
    summary.focus({preventScroll: true});
  });

  // A participant opened inline in the table closes again: its Close
  // button (hidden without this script, where the row is a page of its
  // own), Escape inside it, or its opener pressed again. Focus returns to
  // the opener, whose aria-expanded follows the row after every swap.
  function syncOpeners() {
    document.querySelectorAll("[data-detail-opener]").forEach(function (a) {
      var row = document.getElementById("detail-" + a.dataset.detailOpener);
      a.setAttribute("aria-expanded", row && row.classList.contains("participant-detail") ? "true" : "false");
    });
    document.querySelectorAll("[data-close-detail]").forEach(function (b) { b.hidden = false; });
  }
  function closeDetail(id) {
    var row = document.getElementById("detail-" + id);
    if (!row || !row.classList.contains("participant-detail")) return false;
    var slot = document.createElement("tr");
    slot.id = "detail-" + id;
    slot.className = "detail-slot";
    slot.hidden = true;
    row.replaceWith(slot);
    syncOpeners();
    var opener = document.getElementById("name-" + id);
    if (opener) opener.focus();
    return true;
  }
  document.addEventListener("DOMContentLoaded", syncOpeners);
  document.addEventListener("htmx:afterSettle", syncOpeners);
  document.addEventListener("click", function (ev) {
    var b = ev.target.closest && ev.target.closest("[data-close-detail]");
    if (b) closeDetail(b.dataset.closeDetail);
  });
  document.addEventListener("keydown", function (ev) {
    if (ev.key !== "Escape") return;
    // Escape in a text box is the text box's (a half-typed note stays).
    if (ev.target.matches && ev.target.matches("textarea, input[type=text], input[type=search]")) return;
    var row = ev.target.closest && ev.target.closest("tr.participant-detail");
    if (row && closeDetail(row.id.slice("detail-".length))) ev.preventDefault();
  });
  document.addEventListener("htmx:beforeRequest", function (ev) {
    var a = ev.detail && ev.detail.elt;
    if (a && a.dataset && a.dataset.detailOpener && a.getAttribute("aria-expanded") === "true") {
      ev.preventDefault();
      closeDetail(a.dataset.detailOpener);
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
