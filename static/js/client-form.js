// Client and consultation forms: focus the error summary, and "start now" fills the start and
// end times with the current minute (local time, as the datetime-local inputs expect).
(function () {
  "use strict";
  var errors = document.getElementById("form-errors");
  if (errors) { errors.focus(); }
  var button = document.querySelector("[data-start-now]");
  if (!button) { return; }
  button.addEventListener("click", function () {
    var now = new Date();
    now.setSeconds(0, 0);
    var local = new Date(now.getTime() - now.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
    document.getElementById("id_started_at").value = local;
    document.getElementById("id_ended_at").value = local;
  });
})();
