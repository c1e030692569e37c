// Passkeys (WebAuthn) for portail's pages: adding one on the profile
// page, signing in with one on the sign-in page, and the second step
// after a password. The server speaks JSON with binary members in
// base64url (the options of navigator.credentials.create and get, the
// PublicKeyCredential it gets back); this file converts both ways and
// calls the browser. No library: the conversions are a few lines.
(function () {
  "use strict";

  function toBuffer(s) {
    s = s.replace(/-/g, "+").replace(/_/g, "/");
    while (s.length % 4) s += "=";
    var bin = atob(s), out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out.buffer;
  }

  function toBase64url(buf) {
    var bytes = new Uint8Array(buf), s = "";
    for (var i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
    return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function descriptors(list) {
    return (list || []).map(function (d) {
      var o = { type: d.type, id: toBuffer(d.id) };
      if (d.transports) o.transports = d.transports;
      return o;
    });
  }

  function creationOptions(o) {
    var pk = o.publicKey;
    pk.challenge = toBuffer(pk.challenge);
    pk.user.id = toBuffer(pk.user.id);
    pk.excludeCredentials = descriptors(pk.excludeCredentials);
    return { publicKey: pk };
  }

  function requestOptions(o) {
    var pk = o.publicKey;
    pk.challenge = toBuffer(pk.challenge);
    if (pk.allowCredentials) pk.allowCredentials = descriptors(pk.allowCredentials);
    return { publicKey: pk };
  }

  // credentialJSON is the PublicKeyCredential as the server reads it.
  function credentialJSON(c) {
    var r = c.response, out = {
      id: c.id, rawId: toBase64url(c.rawId), type: c.type,
      authenticatorAttachment: c.authenticatorAttachment || undefined,
      clientExtensionResults: c.getClientExtensionResults ? c.getClientExtensionResults() : {},
      response: { clientDataJSON: toBase64url(r.clientDataJSON) }
    };
    if (r.attestationObject) {
      out.response.attestationObject = toBase64url(r.attestationObject);
      if (r.getTransports) out.response.transports = r.getTransports();
    }
    if (r.authenticatorData) {
      out.response.authenticatorData = toBase64url(r.authenticatorData);
      out.response.signature = toBase64url(r.signature);
      if (r.userHandle) out.response.userHandle = toBase64url(r.userHandle);
    }
    return out;
  }

  function post(path, body) {
    return fetch(path, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body)
    }).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (data) {
        if (!res.ok) {
          var err = new Error(data.detail || res.statusText);
          err.status = res.status;
          err.code = data.code;
          throw err;
        }
        return data;
      });
    });
  }

  function supported() {
    return !!(window.PublicKeyCredential && navigator.credentials);
  }

  // fail shows the element's message for the error: the server's own
  // words when it throttles or sends to single sign-on, else the
  // element's generic one.
  function fail(el, err) {
    if (!el) return;
    var own = err && (err.status === 429 || err.code === "sso_required");
    el.textContent = own ? err.message : el.getAttribute("data-failed");
    el.hidden = false;
    el.focus && el.focus();
  }

  function unsupported(el) {
    if (!el) return;
    el.textContent = el.getAttribute("data-unsupported");
    el.hidden = false;
  }

  // safeNext keeps a redirect on this site: a path, never "//host".
  function safeNext(next) {
    return next && next.charAt(0) === "/" && next.charAt(1) !== "/" && next.charAt(1) !== "\\" ? next : "/";
  }

  // Profile: add a passkey.
  var form = document.querySelector("form[data-passkey-register]");
  if (form) {
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var errEl = document.getElementById("passkey-error"), button = form.querySelector("button");
      if (!supported()) return unsupported(errEl);
      var name = form.querySelector("input[name=passkey_name]").value;
      errEl.hidden = true;
      button.disabled = true;
      post("/api/v1/me/mfa/webauthn", { name: name }).then(function (opts) {
        return navigator.credentials.create(creationOptions(opts));
      }).then(function (cred) {
        return post("/api/v1/me/mfa/webauthn/confirm", { name: name, credential: credentialJSON(cred) });
      }).then(function (added) {
        var codes = added.recovery_codes || [];
        if (!codes.length) {
          window.location.assign("/profile/mfa?done=passkey_added");
          return;
        }
        // A first factor comes with its recovery codes, shown this once:
        // they stay on the page until the person says they kept them.
        var box = document.getElementById("passkey-recovery"), list = document.getElementById("passkey-recovery-codes");
        codes.forEach(function (c) {
          var li = document.createElement("li");
          var code = document.createElement("code");
          code.textContent = c;
          li.appendChild(code);
          list.appendChild(li);
        });
        form.hidden = true;
        box.hidden = false;
        box.focus();
      }).catch(function (err) {
        button.disabled = false;
        fail(errEl, err);
      });
    });
  }

  // assertButton makes button run a navigator.credentials.get: the
  // options from the API for body, then done with the answer; errors go
  // to the element errID. Without a script the button stays hidden.
  function assertButton(button, errID, body, done) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var errEl = document.getElementById(errID);
      if (!supported()) return unsupported(errEl);
      errEl.hidden = true;
      button.disabled = true;
      post("/api/v1/auth/passkey/options", body()).then(function (opts) {
        return navigator.credentials.get(requestOptions(opts));
      }).then(function (cred) {
        return done(credentialJSON(cred));
      }).catch(function (err) {
        button.disabled = false;
        fail(errEl, err);
      });
    });
  }

  // Sign-in page: a passkey alone, no password.
  var signin = document.querySelector("[data-passkey-signin]");
  if (signin) {
    assertButton(signin, "passkey-signin-error", function () { return undefined; }, function (assertion) {
      return post("/api/v1/auth/passkey", { assertion: assertion }).then(function () {
        window.location.assign(safeNext(signin.getAttribute("data-next")));
      });
    });
  }

  // Second step after a password: the passkey as the second factor. The
  // page's form carries the step's token; the assertion goes in its
  // hidden "webauthn" field and the form is submitted as a code would be.
  var factor = document.querySelector("[data-passkey-factor]");
  if (factor) {
    var f = factor.form;
    assertButton(factor, "passkey-factor-error", function () {
      return { mfa_token: f.querySelector("input[name=mfa_token]").value };
    }, function (assertion) {
      f.querySelector("input[name=webauthn]").value = JSON.stringify(assertion);
      f.submit();
    });
  }
})();
