// Small behaviours shared by every page. Pages work without this file; it only saves clicks.
(function () {
  "use strict";

  // A <select data-autosubmit> sends its form as soon as it changes (the sort order).
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () {
      if (select.form) { select.form.requestSubmit(); }
    });
  });

  // Leave empty fields out of the address, so that shared links stay short and readable.
  document.querySelectorAll("form.search").forEach(function (form) {
    form.addEventListener("submit", function () {
      form.querySelectorAll("input, select").forEach(function (field) {
        if (field.name && field.value === "") { field.disabled = true; }
      });
      if (form.elements.sort && form.elements.sort.value === "relevance") {
        form.elements.sort.disabled = true;
      }
    });
  });
})();
