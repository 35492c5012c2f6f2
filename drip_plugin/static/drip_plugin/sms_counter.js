// Under an SMS body while it is edited: characters, encoding, segments and
// what still fits, and a warning over the cap. The counting is
// drip_plugin/channels/sms/segments.py's, rule for rule; the character tables,
// limits, cap and (translated) wording come from the widget's
// data-drip-sms-counter, so there is one copy of each, in Python.
(function () {
  "use strict";

  function countSegments(text, rules) {
    var characters = Array.from(text);  // code points: a surrogate pair is one
    var gsm = characters.every(function (c) {
      return rules.basic.indexOf(c) !== -1 || rules.extension.indexOf(c) !== -1;
    });
    var encoding = gsm ? "GSM-7" : "UCS-2";
    var sizes = characters.map(function (c) {
      if (gsm) return rules.extension.indexOf(c) !== -1 ? 2 : 1;
      return c.codePointAt(0) > 0xFFFF ? 2 : 1;
    });
    var units = sizes.reduce(function (sum, size) { return sum + size; }, 0);
    var single = rules.single[encoding];
    if (units <= single) {
      return { encoding: encoding, characters: characters.length, units: units,
               segments: units ? 1 : 0, remaining: single - units };
    }
    var capacity = rules.concatenated[encoding], segments = 1, filled = 0;
    sizes.forEach(function (size) {
      if (filled + size > capacity) { segments += 1; filled = 0; }  // never split a character
      filled += size;
    });
    return { encoding: encoding, characters: characters.length, units: units,
             segments: segments, remaining: capacity - filled };
  }

  function format(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_, name) { return String(values[name]); });
  }

  function setUp(textarea) {
    var rules = JSON.parse(textarea.dataset.dripSmsCounter);
    var box = textarea.closest("[data-drip-sms-body]");
    var status = box.querySelector("[data-drip-sms-status]");
    var warning = box.querySelector("[data-drip-sms-over-cap]");
    function refresh() {
      var counted = countSegments(textarea.value, rules);
      var text = format(rules.labels.status, counted);
      if (counted.units !== counted.characters) text += format(rules.labels.countedAs, counted);
      status.textContent = text;
      var over = counted.segments > rules.maxSegments;
      warning.hidden = !over;
      warning.textContent = over ? format(rules.labels.overCap, { segments: counted.segments, cap: rules.maxSegments }) : "";
      textarea.setAttribute("aria-invalid", over ? "true" : "false");
    }
    textarea.addEventListener("input", refresh);
    refresh();
  }

  window.dripSmsCounter = { countSegments: countSegments };

  function setUpAll() {
    document.querySelectorAll("textarea[data-drip-sms-counter]").forEach(setUp);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setUpAll);
  else setUpAll();
})();
