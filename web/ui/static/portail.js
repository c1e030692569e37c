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
  // (without script, its button reloads the form with it); another
  // department brings its own defaults, by reloading the form while the
  // recipient is still empty, else by swapping the sender alone.
  var labelForm = document.getElementById("label-form");
  if (labelForm) {
    var keys = ["name", "company", "street", "house_number", "postal_code", "city", "country"];
    var fillSender = function (json) {
      var a = json ? JSON.parse(json) : {};
      keys.forEach(function (k) {
        var el = document.getElementById("sender-" + k);
        if (el && (json || k !== "country")) { el.value = a[k] || ""; }
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
      labelDept.addEventListener("change", function () {
        var typed = keys.some(function (k) {
          var el = document.getElementById("recipient-" + k);
          return el && k !== "country" && el.value !== "";
        });
        if (!typed) {
          window.location.assign("/labels/new?department_id=" + encodeURIComponent(labelDept.value));
          return;
        }
        fillSender(labelDept.options[labelDept.selectedIndex].getAttribute("data-sender"));
      });
    }
  }
})();
