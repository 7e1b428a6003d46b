// The LINE inbox, conversation and live pages refresh themselves. Every element with
// data-poll-state asks that URL every data-poll-seconds for a small JSON answer ({version},
// no personal data); only when the version changes is the HTML fragment at
// data-poll-fragment fetched and put in place, so her words travel (and are access-logged)
// only when there is something new. Nothing is refreshed while the person is typing in it.
// A <select data-canned-into="id"> inserts the chosen canned response into that textarea.
(function () {
  "use strict";

  function poll(box) {
    var seconds = Math.max(2, Number(box.dataset.pollSeconds) || 5);
    var version = null;
    var busy = false;

    function counts(data) {
      if (!data.counts) {
        return;
      }
      document.querySelectorAll("[data-count]").forEach(function (badge) {
        var value = data.counts[badge.dataset.count];
        if (value !== undefined) {
          badge.textContent = String(value);
        }
      });
    }

    function refresh() {
      return fetch(box.dataset.pollFragment, {
        credentials: "same-origin",
        headers: { "X-Requested-With": "fetch" },
      })
        .then(function (response) {
          if (!response.ok) {
            throw new Error(String(response.status));
          }
          return response.text();
        })
        .then(function (html) {
          if (box.contains(document.activeElement) && document.activeElement !== box) {
            return; // she is using a button or field in it: next time
          }
          box.innerHTML = html;
          if (box.dataset.pollScroll === "bottom") {
            box.scrollTop = box.scrollHeight;
          }
        });
    }

    function tick() {
      if (busy || document.hidden) {
        return;
      }
      busy = true;
      fetch(box.dataset.pollState, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) {
            throw new Error(String(response.status));
          }
          return response.json();
        })
        .then(function (data) {
          counts(data);
          if (version !== null && data.version !== version) {
            version = data.version;
            return refresh();
          }
          version = data.version;
        })
        .catch(function () {
          // Offline or signed out: try again at the next tick.
        })
        .then(function () {
          busy = false;
        });
    }

    if (box.dataset.pollScroll === "bottom") {
      box.scrollTop = box.scrollHeight;
    }
    tick();
    window.setInterval(tick, seconds * 1000);
  }

  document.querySelectorAll("[data-poll-state][data-poll-fragment]").forEach(poll);

  document.querySelectorAll("select[data-canned-into]").forEach(function (select) {
    select.addEventListener("change", function () {
      var target = document.getElementById(select.dataset.cannedInto);
      if (!target || !select.value) {
        return;
      }
      var start = target.selectionStart || target.value.length;
      var end = target.selectionEnd || target.value.length;
      target.value = target.value.slice(0, start) + select.value + target.value.slice(end);
      target.focus();
      select.value = "";
    });
  });
})();
