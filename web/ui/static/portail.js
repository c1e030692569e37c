// portail works without JavaScript; this file only adds comforts.
(function () {
  "use strict";
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
  // An admin stands above departments: the department select does not
  // apply to the Admin role.
  var role = document.getElementById("role"), dept = document.getElementById("department_id");
  if (role && dept) {
    var sync = function () { dept.disabled = role.value === "admin"; };
    role.addEventListener("change", sync);
    sync();
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
      var shown = senderOf();
      var recentForm = document.getElementById("recent-senders");
      labelDept.addEventListener("change", function () {
        var next = senderOf();
        if (untouched(shown)) { fillSender(next); }
        shown = next;
        if (recentForm) { recentForm.hidden = labelDept.value !== recentForm.getAttribute("data-department"); }
      });
    }
  }
})();
