// Under a sequence's trigger and flow filters, while they are edited: how
// many current contacts the contact conditions match (drip_plugin_segment_count).
(function () {
  "use strict";
  var script = document.currentScript;
  var url = script.dataset.url;
  var fields = ["trigger_filters", "flow_filters"];

  function setUp() {
    fields.forEach(function (field) {
      var counter = document.querySelector('input[name="' + field + '-count"]');
      if (!counter || !counter.form) return;
      var form = counter.form;
      var wrapper = counter.closest(".w-field__wrapper") || counter.parentElement;
      var output = document.createElement("p");
      output.className = "help drip-segment-count";
      output.dataset.field = field;
      output.setAttribute("aria-live", "polite");
      wrapper.appendChild(output);
      var timer = null;
      function refresh() {
        clearTimeout(timer);
        timer = setTimeout(function () { count(form, field, output); }, 400);
      }
      wrapper.addEventListener("input", refresh);
      wrapper.addEventListener("change", refresh);
      // Blocks added, moved or deleted change the form without an input event.
      new MutationObserver(refresh).observe(wrapper, { childList: true, subtree: true });
      count(form, field, output);
    });
  }

  function count(form, field, output) {
    var data = new FormData(form);
    data.set("field", field);
    fetch(url, { method: "POST", body: data, credentials: "same-origin",
                 headers: { "X-Requested-With": "XMLHttpRequest" } })
      .then(function (response) { return response.json(); })
      .then(function (answer) {
        if (answer.error) { output.textContent = answer.error; return; }
        output.textContent = answer.text;  // worded and translated by the server
      })
      .catch(function () { output.textContent = script.dataset.unavailable; });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setUp);
  else setUp();
})();
