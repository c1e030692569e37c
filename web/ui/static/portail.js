// portail works without JavaScript; this file only adds comforts.
(function () {
  "use strict";
  // After a refused form, focus goes to the message that says what went
  // wrong, so that keyboard and screen-reader users start from it.
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }
  // A checkbox marked data-autosubmit (e.g. "Show inactive users") applies
  // at once instead of waiting for the Filter button.
  document.querySelectorAll("input[data-autosubmit]").forEach(function (box) {
    box.addEventListener("change", function () { box.form.requestSubmit ? box.form.requestSubmit() : box.form.submit(); });
  });
  // Forms marked data-confirm ask before an action that ends access.
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (ev) {
      if (!window.confirm(form.getAttribute("data-confirm"))) { ev.preventDefault(); }
    });
  });
  // A button marked data-confirm (the users page's bulk deactivation)
  // asks too; "select all" ticks every user of the page.
  document.querySelectorAll("button[data-confirm]").forEach(function (button) {
    button.addEventListener("click", function (ev) {
      if (!window.confirm(button.getAttribute("data-confirm"))) { ev.preventDefault(); }
    });
  });
  var all = document.getElementById("select-all");
  if (all) {
    all.hidden = false;
    all.addEventListener("change", function () {
      all.form.querySelectorAll('input[name="ids"]').forEach(function (box) { box.checked = all.checked; });
    });
  }
  // An admin stands above departments: the department select does not
  // apply to the Admin role.
  var role = document.getElementById("role"), dept = document.getElementById("department_id");
  if (role && dept) {
    var sync = function () { dept.disabled = role.value === "admin"; };
    role.addEventListener("change", sync);
    sync();
  }
  // A page that follows a status (a document or a label on its way) asks
  // the small /status answer every few seconds instead of reloading
  // itself, which would move a screen reader back to the top and log a
  // fetch each time. When the status moved, it asks the page once more
  // and puts its status, history and refresh line in place; the status is
  // a polite live region, so the change is read out. Any failure stops
  // following: the refresh link stays.
  var follow = document.querySelector('meta[name="portail-follow"]');
  var shown = document.getElementById("status");
  if (follow && shown && window.fetch && window.DOMParser) {
    var url = follow.getAttribute("content"), every = (parseInt(follow.getAttribute("data-every"), 10) || 5) * 1000;
    shown.setAttribute("aria-live", "polite");
    var put = function (fresh) {
      var next = fresh.getElementById("status");
      if (next) {
        shown.innerHTML = next.innerHTML;
        shown.setAttribute("data-status", next.getAttribute("data-status"));
      }
      ["history", "follow"].forEach(function (id) {
        var old = document.getElementById(id), now = fresh.getElementById(id);
        if (old && now) { old.replaceWith(document.importNode(now, true)); } else if (old) { old.remove(); }
      });
    };
    var tick = function () {
      fetch(url + "/status", {credentials: "same-origin", headers: {"Accept": "application/json"}})
        .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
        .then(function (st) {
          if (st.status === shown.getAttribute("data-status")) { setTimeout(tick, every); return; }
          return fetch(url, {credentials: "same-origin", headers: {"Portail-Poll": "1"}})
            .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.text(); })
            .then(function (html) {
              put(new DOMParser().parseFromString(html, "text/html"));
              if (!st.final) { setTimeout(tick, every); }
            });
        })
        .catch(function () {});
    };
    setTimeout(tick, every);
  }
  // The label form: one of the last senders fills the sender in at once
  // (without script, its button reloads the form with it). Choosing
  // another department brings that department's default sender, unless
  // the sender was already typed; the last senders, the first
  // department's, are hidden meanwhile.
  var labelForm = document.getElementById("label-form");
  if (labelForm) {
    var keys = ["name", "company", "street", "house_number", "postal_code", "city", "country"];
    var senderField = function (k) { return document.getElementById("sender-" + k); };
    var fillSender = function (json) {
      var a = json ? JSON.parse(json) : {};
      keys.forEach(function (k) {
        var el = senderField(k);
        if (el && (json || k !== "country")) { el.value = a[k] || ""; }
      });
    };
    var untouched = function (json) {
      var a = json ? JSON.parse(json) : {};
      return keys.every(function (k) {
        var el = senderField(k);
        return k === "country" || !el || el.value === (a[k] || "");
      });
    };
    var recent = document.getElementById("recent-sender"), use = document.getElementById("use-sender");
    if (recent && use) {
      use.hidden = true;
      recent.addEventListener("change", function () {
        var o = recent.options[recent.selectedIndex];
        if (o && o.getAttribute("data-address")) { fillSender(o.getAttribute("data-address")); }
      });
    }
    var labelDept = labelForm.querySelector("select[data-labels-department]");
    if (labelDept) {
      var senderOf = function () { var o = labelDept.options[labelDept.selectedIndex]; return o ? o.getAttribute("data-sender") : ""; };
      var shownSender = senderOf();
      var recentForm = document.getElementById("recent-senders");
      labelDept.addEventListener("change", function () {
        var next = senderOf();
        if (untouched(shownSender)) { fillSender(next); }
        shownSender = next;
        if (recentForm) { recentForm.hidden = labelDept.value !== recentForm.getAttribute("data-department"); }
      });
    }
  }
})();
