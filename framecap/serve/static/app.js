// framecap serve: delete confirmations, and the issue list's live updates and filters.
// Event data only ever reaches the page as text (textContent, createElement): never as markup.
"use strict";
(function () {
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) event.preventDefault();
    });
  });

  var table = document.getElementById("issues");
  var form = document.getElementById("filters");
  if (!table || !form) return;
  var tbody = table.tBodies[0];
  var summary = document.getElementById("summary");
  var hint = document.getElementById("hint");
  var pager = document.getElementById("pager");
  var live = document.getElementById("live");
  var typeSelect = document.getElementById("type");
  var revision = table.getAttribute("data-revision");
  var page = Number(table.getAttribute("data-page")) || 1;
  var known = {};
  Array.prototype.forEach.call(tbody.rows, function (row) {
    known[row.getAttribute("data-issue")] = row.cells[2].textContent;
  });

  function query() {
    var params = new URLSearchParams();
    ["q", "type", "since"].forEach(function (name) {
      var value = form.elements[name].value.trim();
      if (value) params.set(name, value);
    });
    if (page > 1) params.set("page", String(page));
    return params.toString();
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function link(href, child) {
    var a = document.createElement("a");
    a.setAttribute("href", href);
    a.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    return a;
  }

  function row(item) {
    var tr = document.createElement("tr");
    tr.setAttribute("data-issue", item.issue);
    var id = el("td", "id");
    id.appendChild(link(item.url, item.short));
    var what = el("td", "what");
    what.appendChild(link(item.url, el("span", "exc-type", item.type)));
    what.appendChild(document.createTextNode(" "));
    what.appendChild(el("span", "msg", item.message));
    what.appendChild(el("div", "where", item.where));
    var first = el("td", "time", item.first_seen);
    first.title = item.first_seen_full;
    var last = el("td", "time", item.last_seen);
    last.title = item.last_seen_full;
    [id, what, el("td", "count", item.count), first, last].forEach(function (cell) { tr.appendChild(cell); });
    if (known[item.issue] !== item.count) tr.classList.add("fresh");
    return tr;
  }

  function types(list) {
    var chosen = typeSelect.value;
    while (typeSelect.options.length > 1) typeSelect.remove(1);
    var found = false;
    list.forEach(function (item) {
      var option = new Option(item.type + " (" + item.count.toLocaleString("en-US") + ")", item.type);
      if (item.type === chosen) { option.selected = true; found = true; }
      typeSelect.add(option);
    });
    if (chosen && !found) typeSelect.add(new Option(chosen, chosen, true, true));
  }

  function pages(data) {
    while (pager.firstChild) pager.removeChild(pager.firstChild);
    if (data.prev) pager.appendChild(link(data.prev, "← newer"));
    if (data.next) pager.appendChild(link(data.next, "older →"));
  }

  function show(data) {
    revision = String(data.revision);
    var rows = data.rows.map(row);
    while (tbody.firstChild) tbody.removeChild(tbody.firstChild);
    rows.forEach(function (tr) { tbody.appendChild(tr); });
    known = {};
    data.rows.forEach(function (item) { known[item.issue] = item.count; });
    summary.textContent = data.summary;
    summary.className = "summary";
    hint.hidden = data.total > 0 || query() !== "";
    types(data.types);
    pages(data);
    document.title = "framecap: " + data.total + (data.total === 1 ? " issue" : " issues");
  }

  var running = false, again = false;
  function refresh() {
    if (running) { again = true; return; }
    running = true;
    fetch("/api/issues?" + query(), { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        return response.json().then(function (data) {
          if (!response.ok) throw new Error(data.summary || String(response.status));
          return data;
        });
      })
      .then(show)
      .catch(function (error) {
        summary.textContent = String(error.message || error);
        summary.className = "error";
      })
      .then(function () {
        running = false;
        if (again) { again = false; refresh(); }
      });
  }

  var timer = null;
  function filtersChanged() {
    page = 1;
    var text = query();
    history.replaceState(null, "", text ? "/?" + text : "/");
    clearTimeout(timer);
    timer = setTimeout(refresh, 200);
  }
  form.addEventListener("input", filtersChanged);
  form.addEventListener("change", filtersChanged);
  form.addEventListener("submit", function (event) { event.preventDefault(); filtersChanged(); });

  if (window.EventSource) {
    var stream = new EventSource("/api/stream");
    stream.onopen = function () { live.textContent = "live"; live.className = "live on"; };
    stream.onerror = function () { live.textContent = "reconnecting"; live.className = "live off"; };
    stream.onmessage = function (message) {
      live.textContent = "live"; live.className = "live on";
      if (message.data !== revision) refresh();
    };
  }
})();
