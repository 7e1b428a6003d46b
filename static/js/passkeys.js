// Passkeys (WebAuthn): adding one on the passkeys page ([data-passkey-register]) and using one
// at the second step of signing in ([data-passkey-verify]). The server (accounts/passkeys.py)
// hands out the options and checks the answer; this script only carries them between it and
// the browser's navigator.credentials, turning the binary fields to and from base64url. The
// messages come translated in data-msg-* attributes.
(function () {
  "use strict";

  function toBuffer(text) {
    var base64 = text.replace(/-/g, "+").replace(/_/g, "/");
    var binary = atob(base64 + "===".slice((base64.length + 3) % 4));
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i += 1) {
      bytes[i] = binary.charCodeAt(i);
    }
    return bytes.buffer;
  }

  function toText(buffer) {
    var bytes = new Uint8Array(buffer);
    var binary = "";
    for (var i = 0; i < bytes.length; i += 1) {
      binary += String.fromCharCode(bytes[i]);
    }
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function descriptor(credential) {
    return Object.assign({}, credential, { id: toBuffer(credential.id) });
  }

  // A JSON answer from our endpoints; anything else (a redirect to a page, a network error)
  // is a failure with no detail.
  async function post(url, csrf, body) {
    var response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      redirect: "manual",
      headers: {
        Accept: "application/json",
        "Content-Type": "application/json",
        "X-CSRFToken": csrf,
      },
      body: JSON.stringify(body || {}),
    });
    var json = (response.headers.get("Content-Type") || "").indexOf("application/json") === 0;
    var data = json ? await response.json() : {};
    return { ok: response.ok && json, status: response.status, data: data };
  }

  function Refused(answer) {
    this.name = "Refused";
    this.answer = answer;
  }

  function supported() {
    return Boolean(window.PublicKeyCredential && navigator.credentials);
  }

  function say(box, text) {
    box.querySelector("[data-passkey-status]").textContent = text || "";
  }

  function failure(box, error) {
    if (error instanceof Refused && error.answer.status === 429) {
      return error.answer.data.detail || box.dataset.msgFailed;
    }
    if (error && (error.name === "NotAllowedError" || error.name === "AbortError")) {
      return box.dataset.msgCancelled;
    }
    if (error && error.name === "InvalidStateError" && box.dataset.msgExists) {
      return box.dataset.msgExists;
    }
    return box.dataset.msgFailed;
  }

  // --- adding a passkey ---

  async function register(form, button) {
    var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
    var name = form.querySelector("input[name=name]");
    if (!name.value.trim()) {
      say(form, form.dataset.msgName);
      name.focus();
      return;
    }
    button.disabled = true;
    say(form, form.dataset.msgWorking);
    try {
      var begin = await post(form.dataset.beginUrl, csrf);
      if (!begin.ok) {
        throw new Refused(begin);
      }
      var options = begin.data;
      var publicKey = Object.assign({}, options, {
        challenge: toBuffer(options.challenge),
        user: Object.assign({}, options.user, { id: toBuffer(options.user.id) }),
        excludeCredentials: (options.excludeCredentials || []).map(descriptor),
      });
      var credential = await navigator.credentials.create({ publicKey: publicKey });
      var answer = credential.response;
      var complete = await post(form.dataset.completeUrl, csrf, {
        name: name.value.trim(),
        id: credential.id,
        rawId: toText(credential.rawId),
        type: credential.type,
        response: {
          clientDataJSON: toText(answer.clientDataJSON),
          attestationObject: toText(answer.attestationObject),
          transports: typeof answer.getTransports === "function" ? answer.getTransports() : [],
        },
        clientExtensionResults: credential.getClientExtensionResults(),
        authenticatorAttachment: credential.authenticatorAttachment || undefined,
      });
      if (!complete.ok) {
        throw new Refused(complete);
      }
      // The page again, with the new passkey in the list and the server's message.
      window.location.assign(window.location.pathname);
    } catch (error) {
      say(form, failure(form, error));
      button.disabled = false;
    }
  }

  // --- the second step with a passkey ---

  async function verify(box, button) {
    var csrf = box.dataset.csrf;
    button.disabled = true;
    say(box, box.dataset.msgWorking);
    try {
      var begin = await post(box.dataset.beginUrl, csrf);
      if (!begin.ok) {
        throw new Refused(begin);
      }
      var options = begin.data;
      var publicKey = Object.assign({}, options, {
        challenge: toBuffer(options.challenge),
        allowCredentials: (options.allowCredentials || []).map(descriptor),
      });
      var assertion = await navigator.credentials.get({ publicKey: publicKey });
      var answer = assertion.response;
      var complete = await post(box.dataset.completeUrl, csrf, {
        id: assertion.id,
        rawId: toText(assertion.rawId),
        type: assertion.type,
        response: {
          clientDataJSON: toText(answer.clientDataJSON),
          authenticatorData: toText(answer.authenticatorData),
          signature: toText(answer.signature),
          userHandle: answer.userHandle ? toText(answer.userHandle) : undefined,
        },
        clientExtensionResults: assertion.getClientExtensionResults(),
        authenticatorAttachment: assertion.authenticatorAttachment || undefined,
      });
      if (!complete.ok) {
        throw new Refused(complete);
      }
      window.location.assign(complete.data.redirect_url);
    } catch (error) {
      say(box, failure(box, error));
      // Locked out: the session has ended, only signing in again helps.
      button.disabled = error instanceof Refused && error.answer.status === 429;
    }
  }

  var form = document.querySelector("[data-passkey-register]");
  if (form) {
    var add = form.querySelector("[data-passkey-start]");
    if (!supported()) {
      say(form, form.dataset.msgUnsupported);
      add.disabled = true;
    }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      register(form, add);
    });
  }

  var box = document.querySelector("[data-passkey-verify]");
  if (box && supported()) {
    var start = box.querySelector("[data-passkey-start]");
    box.hidden = false;
    start.addEventListener("click", function () {
      verify(box, start);
    });
  }
})();
