// Client and consultation forms: focus the error summary, and "starting now" fills the start
// with the current minute in Tokyo and the end a default length later.
//
// The time comes from the server, never from the browser's clock or time zone (a browser set
// to UTC filled 07:47 when it was 16:15 in Tokyo): the button carries the server's time at
// rendering (data-server-now, ms since the epoch), its UTC offset in Tokyo (data-utc-offset,
// minutes) and the default length (data-minutes); the time passed since the page loaded is
// added from the browser's monotonic clock, which no clock setting changes.
(function () {
  "use strict";
  var errors = document.getElementById("form-errors");
  if (errors) { errors.focus(); }
  var button = document.querySelector("[data-start-now]");
  if (!button) { return; }
  var serverNow = Number(button.dataset.serverNow);
  var offset = Number(button.dataset.utcOffset) * 60000;
  var minutes = Number(button.dataset.minutes) || 30;
  var loaded = window.performance.now();

  function tokyoInputValue(ms) {
    // Shift to Tokyo wall-clock time, then read it as if it were UTC: "YYYY-MM-DDTHH:MM".
    return new Date(ms + offset).toISOString().slice(0, 16);
  }

  button.addEventListener("click", function () {
    var now = serverNow + (window.performance.now() - loaded);
    var start = Math.floor(now / 60000) * 60000;
    document.getElementById("id_started_at").value = tokyoInputValue(start);
    document.getElementById("id_ended_at").value = tokyoInputValue(start + minutes * 60000);
  });
})();
