// The SPARQL page's editor: YASGUI, installed with the hub (static/yasgui/), nothing from another host.
// The endpoint is this page's own address; the query to start from and the hub's prefixes come from the
// page. Without JavaScript, or if the editor cannot start, the plain form below it does the same work.
(function () {
  "use strict";
  var box = document.getElementById("yasgui");
  var form = document.getElementById("plain-query");
  if (!box || !form || !window.Yasgui) { return; }
  var Yasgui = window.Yasgui.default || window.Yasgui;
  var endpoint = window.location.href.split(/[?#]/)[0];
  var prefixes = JSON.parse(box.getAttribute("data-prefixes") || "{}");
  box.hidden = false;  // shown first: the editor measures itself as it starts
  var yasgui = new Yasgui(box, {
    requestConfig: { endpoint: endpoint, method: "POST" },
    copyEndpointOnNewTab: false,
    endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; } },
    persistenceId: null,
    populateFromUrl: false,
    yasqe: { persistenceId: null },
    yasr: { persistenceId: null, prefixes: prefixes }
  });
  yasgui.getTab().setQuery(document.getElementById("query").value);
  // Names for the editor's fields, which it leaves unnamed, as they appear (the results' controls come later)
  var names = { autocomplete: box.getAttribute("data-endpoint-label"), tableSizer: box.getAttribute("data-rows-label") };
  function name() {
    box.querySelectorAll("input, select, textarea").forEach(function (field) {
      if (field.getAttribute("aria-label") || (field.id && document.querySelector("label[for='" + field.id + "']"))) {
        return;
      }
      var given = names[field.className.split(" ")[0]] || field.getAttribute("placeholder") || field.getAttribute("title");
      field.setAttribute("aria-label", given || box.getAttribute("data-query-label"));
    });
  }
  name();
  new MutationObserver(name).observe(box, { childList: true, subtree: true });
  form.hidden = true;
})();
