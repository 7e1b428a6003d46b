// The idle warning. The server decides when a session ends (accounts/sessions.py) and tells
// the page how long it has left in data attributes on <body>; this script only warns a few
// minutes before, offers to stay signed in (a POST to the keep-alive), and at the deadline
// goes to the login page, where the server says why she was signed out.
(function () {
  "use strict";
  var body = document.body;
  var box = document.getElementById("session-timeout-warning");
  if (!box || body.dataset.sessionIdle === undefined) {
    return;
  }
  var text = box.querySelector("[data-session-text]");
  var stay = box.querySelector("[data-session-stay]");
  var csrf = box.querySelector("[data-session-csrf]").value;
  var warning = Number(body.dataset.sessionWarning) * 1000;
  var idleDeadline = 0;
  var absoluteDeadline = 0;
  var typedSince = false; // typing in a form is activity the server cannot see
  var sending = false;

  function setDeadlines(idle, absolute) {
    var now = Date.now();
    idleDeadline = now + Number(idle) * 1000;
    absoluteDeadline = now + Number(absolute) * 1000;
  }

  function signIn() {
    var next = window.location.pathname + window.location.search;
    window.location.assign(body.dataset.sessionLogin + "?next=" + encodeURIComponent(next));
  }

  function clock(ms) {
    var seconds = Math.max(0, Math.ceil(ms / 1000));
    var minutes = Math.floor(seconds / 60);
    var rest = seconds % 60;
    return minutes + ":" + (rest < 10 ? "0" : "") + rest;
  }

  function hide() {
    box.classList.add("d-none");
  }

  function show(message, canStay) {
    text.textContent = message;
    stay.classList.toggle("d-none", !canStay);
    if (box.classList.contains("d-none")) {
      box.classList.remove("d-none");
      if (canStay) {
        stay.focus();
      }
    }
  }

  function keepAlive() {
    if (sending) {
      return;
    }
    sending = true;
    fetch(body.dataset.sessionKeepalive, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrf, Accept: "application/json" },
    })
      .then(function (response) {
        if (response.status === 401) {
          signIn();
          return null;
        }
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.json();
      })
      .then(function (data) {
        if (data) {
          setDeadlines(data.idle, data.absolute);
          typedSince = false;
          hide();
        }
      })
      .catch(function () {
        show(box.dataset.failedText, true);
      })
      .finally(function () {
        sending = false;
      });
  }

  function tick() {
    var now = Date.now();
    var absoluteFirst = absoluteDeadline <= idleDeadline;
    var left = Math.min(idleDeadline, absoluteDeadline) - now;
    if (left <= 0) {
      // A second of margin: the page learnt its deadline after the server computed it.
      window.setTimeout(signIn, 1000);
      return;
    }
    if (left <= warning) {
      if (!absoluteFirst && typedSince) {
        keepAlive(); // she is writing: no need to interrupt her
      } else {
        var template = absoluteFirst ? box.dataset.absoluteText : box.dataset.idleText;
        show(template.replace("%(time)s", clock(left)), !absoluteFirst);
      }
    } else {
      hide();
    }
    window.setTimeout(tick, 1000);
  }

  stay.addEventListener("click", keepAlive);
  document.addEventListener("input", function () {
    typedSince = true;
  });
  setDeadlines(body.dataset.sessionIdle, body.dataset.sessionAbsolute);
  tick();
})();
