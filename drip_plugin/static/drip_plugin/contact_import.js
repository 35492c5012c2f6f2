// A contact import's page while it runs: the progress bar follows the run
// (drip_plugin_contact_import_json); once it ends, the page is loaded again
// to show the outcome.
(function () {
  "use strict";
  var POLL_MS = 1000;

  function setUp() {
    var box = document.querySelector(".drip-import-progress");
    if (!box) return;
    var bar = box.querySelector("progress");
    var status = box.querySelector(".drip-import-status");
    function poll() {
      fetch(box.dataset.url, { credentials: "same-origin", headers: { "X-Requested-With": "XMLHttpRequest" } })
        .then(function (response) { return response.json(); })
        .then(function (run) {
          if (run.finished) { window.location.reload(); return; }
          bar.value = run.percent;
          bar.textContent = run.percent + " %";
          status.textContent = run.state === "queued" ? "Waiting for a worker…"
            : run.rows_read + " of " + (run.total_rows === null ? "?" : run.total_rows) + " rows read (" +
              run.created + " created, " + run.updated + " changed, " + run.refused + " refused so far)";
          setTimeout(poll, POLL_MS);
        })
        .catch(function () {
          status.textContent = "The progress is not available right now; retrying…";
          setTimeout(poll, POLL_MS * 5);
        });
    }
    setTimeout(poll, POLL_MS);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setUp);
  else setUp();
})();
