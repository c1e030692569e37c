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
})();
