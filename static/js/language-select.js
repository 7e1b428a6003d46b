// The sign-in page's language menu submits itself when a language is picked (a button does it
// without JavaScript).
(function () {
  "use strict";
  document.querySelectorAll("[data-submit-on-change]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
})();
