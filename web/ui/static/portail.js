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
      // A letter's facts (tracking number, failure…) and its controls
      // follow too: once it goes to print, the change forms go.
      ["history", "follow", "problems", "letter-changes"].forEach(function (id) {
        var old = document.getElementById(id), now = fresh.getElementById(id);
        if (old && now) { old.replaceWith(document.importNode(now, true)); } else if (old) { old.remove(); }
      });
      var facts = document.getElementById("letter-facts"), freshFacts = fresh.getElementById("letter-facts");
      if (facts && freshFacts) {
        Array.prototype.forEach.call(freshFacts.querySelectorAll("dd[id]"), function (dd) {
          if (dd.id !== "status" && !document.getElementById(dd.id)) {
            facts.insertBefore(document.importNode(dd.previousElementSibling, true), shown.nextElementSibling);
            facts.insertBefore(document.importNode(dd, true), shown.nextElementSibling.nextElementSibling);
          } else if (dd.id !== "status") {
            document.getElementById(dd.id).innerHTML = dd.innerHTML;
          }
        });
      }
      letters();
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
  letters();
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
  // Letters. A moment (data-at) is written in the browser's zone and
  // language; the server wrote it in the office's. The countdown to
  // cancel_until counts down each second and, once over, reloads the page
  // (the change forms go). The options form asks the API's quote on each
  // change (session cookie; a same-origin POST carries Origin, which the
  // CSRF check wants) and shows the price; saving stays a plain form.
  // Every form with a later start tells the browser's zone (tz, and the
  // offset at that moment) so that the server reads the typed time as
  // the user meant it.
  function letters() {
    var lang = document.documentElement.lang || "fr";
    var locale = {fr: "fr-BE", nl: "nl-BE", en: "en-GB"}[lang] || lang;
    document.querySelectorAll("[data-at]").forEach(function (el) {
      var at = new Date(el.getAttribute("data-at"));
      if (isNaN(at)) { return; }
      var text = at.toLocaleString(locale, {dateStyle: "long", timeStyle: "short"});
      el.textContent = (el.getAttribute("data-fmt") || "%s").replace("%s", text);
    });
    // A stored start shown again in its input: in the browser's zone,
    // as the user typed it (the server wrote it in the office's).
    document.querySelectorAll("input[data-local-at]").forEach(function (input) {
      var at = new Date(input.getAttribute("data-local-at")), pad = function (n) { return (n < 10 ? "0" : "") + n; };
      if (isNaN(at)) { return; }
      input.value = at.getFullYear() + "-" + pad(at.getMonth() + 1) + "-" + pad(at.getDate()) + "T" + pad(at.getHours()) + ":" + pad(at.getMinutes());
    });
    var cd = document.getElementById("countdown");
    if (cd && !cd.getAttribute("data-running")) {
      cd.setAttribute("data-running", "1");
      var until = new Date(cd.getAttribute("data-until")).getTime();
      var show = function () {
        var left = Math.floor((until - Date.now()) / 1000);
        if (left <= 0) {
          cd.textContent = cd.getAttribute("data-over");
          setTimeout(function () { window.location.reload(); }, 2000);
          return;
        }
        var h = Math.floor(left / 3600), m = Math.floor(left % 3600 / 60), sec = left % 60, span;
        if (h >= 24) { return; } // days ahead: the date says it better
        if (h > 0) { span = h + " h " + (m < 10 ? "0" : "") + m + " min"; } else if (m > 0) { span = m + " min " + (sec < 10 ? "0" : "") + sec + " s"; } else { span = sec + " s"; }
        cd.textContent = cd.getAttribute("data-min").replace("%s", span);
        setTimeout(show, 1000);
      };
      show();
    }
    var opts = document.getElementById("options-form");
    if (opts && window.fetch && !opts.getAttribute("data-live")) {
      opts.setAttribute("data-live", "1");
      var price = document.getElementById("quote-price"), sheets = document.getElementById("quote-sheets");
      var quote = function () {
        var val = function (n) { var el = opts.querySelector('input[name="' + n + '"]:checked'); return el ? el.value : null; };
        var reg = opts.querySelector('input[type="checkbox"][name="registered"]');
        var body = {options: {color: val("color") === "true", duplex: val("duplex") === "true", postage: val("postage"),
          registered: !!(reg && reg.checked), window: val("window")}};
        fetch(opts.getAttribute("data-quote"), {method: "POST", credentials: "same-origin",
          headers: {"Content-Type": "application/json", "Accept": "application/json"}, body: JSON.stringify(body)})
          .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
          .then(function (q) {
            if (typeof q.price_cents === "number") {
              price.textContent = new Intl.NumberFormat(locale, {style: "currency", currency: q.currency || "EUR"}).format(q.price_cents / 100);
            }
            if (typeof q.sheets === "number") { sheets.textContent = q.sheets; }
          })
          .catch(function () {});
      };
      opts.addEventListener("change", function (ev) { if (ev.target.name !== "send_at_local") { quote(); } });
    }
    // The send form: choosing another department presets its letter
    // defaults.
    var letterDept = document.querySelector("select[data-letter-department]");
    if (letterDept && !letterDept.getAttribute("data-live")) {
      letterDept.setAttribute("data-live", "1");
      letterDept.addEventListener("change", function () {
        var o = letterDept.options[letterDept.selectedIndex], d;
        try { d = JSON.parse(o.getAttribute("data-defaults")); } catch (e) { return; }
        ["color", "duplex", "postage", "window"].forEach(function (k) {
          var el = letterDept.form.querySelector('input[name="' + k + '"][value="' + String(d[k]) + '"]');
          if (el) { el.checked = true; }
        });
        var reg = letterDept.form.querySelector('input[type="checkbox"][name="registered"]');
        if (reg) { reg.checked = !!d.registered; }
      });
    }
    document.querySelectorAll('input[name="send_at_local"]').forEach(function (input) {
      var form = input.form;
      if (!form || form.getAttribute("data-tz")) { return; }
      form.setAttribute("data-tz", "1");
      form.addEventListener("submit", function () {
        var tz = form.querySelector('input[name="tz"]'), off = form.querySelector('input[name="tz_offset"]');
        try { if (tz) { tz.value = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } } catch (e) {}
        if (off && input.value) {
          var d = new Date(input.value); // datetime-local is read in the browser's zone
          if (!isNaN(d)) { off.value = String(-d.getTimezoneOffset()); }
        }
      });
    });
  }
})();
