// The back office's stock screen for a stockkeeper or a manager, offline like the till:
// on-hand per item, a delivery received (quantities and what each line cost), waste with
// its reason, a stocktake sheet (count, save, post; blind sheets hide the expected
// figure), transfers sent to another outlet and those on their way here taken in. Every
// action is one call of the edge's stock API; the page keeps no figures of its own.

import { format, toMinor, toWire } from "../money.js";
import { confirmDialog, fmtDateTime, h, messageLine, replace, toast } from "../dom.js";

const TABS = [["on-hand", "On hand"], ["receive", "Receive"], ["waste", "Waste"], ["count", "Count"],
  ["transfers", "Transfers"]];
const WASTE_REASONS = ["Burnt", "Dropped", "Out of date", "Spoiled"];

/** A whole number of base units typed in a field; "" is none; anything else is refused. */
function units(input, name) {
  const text = input.value.trim();
  if (!text) return 0;
  if (!/^\d+$/.test(text)) throw new Error(`${name}: a whole number of units, please`);
  return Number(text);
}

export function stockScreen(app) {
  let tab = "on-hand";
  let items = []; // [{stock_item_id, name, unit, on_hand}]
  const tabBar = h("div", { class: "chips", role: "tablist" });
  const body = h("div", { class: "stock-body", testid: "stock-body" });
  const message = messageLine("stock-message");

  async function loadItems() {
    items = (await app.api.get("/api/stock/", { query: { page_size: 100 } })).results;
  }

  async function run(action) {
    message.set(null);
    try {
      await action();
    } catch (error) {
      message.set(error.message);
    }
  }

  function renderTabs() {
    replace(tabBar, TABS.map(([name, text]) => h("button", {
      type: "button", role: "tab", class: `chip${tab === name ? " active" : ""}`, "aria-selected": String(tab === name),
      testid: `stock-tab-${name}`, onClick: () => { tab = name; renderTabs(); render(); } }, text)));
  }

  let renders = 0; // a later render (another tab, a refresh after a save) wins over one still loading

  function render() {
    message.set(null);
    const mine = ++renders;
    run(async () => {
      await loadItems();
      const view = await VIEWS[tab]();
      if (mine === renders) replace(body, view);
    });
  }

  // --- on hand --------------------------------------------------------------------------
  function onHandView() {
    return h("table", { class: "stock-table", testid: "stock-on-hand" },
      h("thead", {}, h("tr", {}, h("th", {}, "Item"), h("th", { class: "num" }, "On hand"))),
      h("tbody", {}, items.map((item) => h("tr", { testid: "stock-row", dataset: { name: item.name },
        class: item.on_hand <= 0 ? "is-out" : "" },
      h("td", {}, item.name),
      h("td", { class: "num", testid: "stock-on-hand-value" }, `${item.on_hand} ${item.unit}`)))));
  }

  /** A sheet of every item with a quantity field (and a cost field for deliveries). */
  function linesSheet(testid, { withCost = false } = {}) {
    const rows = items.map((item) => {
      const quantity = h("input", { class: "input qty", inputmode: "numeric", testid: "line-quantity",
        "aria-label": `${item.name} quantity (${item.unit})`, placeholder: "0" });
      const cost = withCost ? h("input", { class: "input cost", inputmode: "decimal", testid: "line-cost",
        "aria-label": `${item.name} cost`, placeholder: "0" }) : null;
      return { item, quantity, cost, el: h("tr", { dataset: { name: item.name }, testid: "line-row" },
        h("td", {}, item.name), h("td", {}, quantity, ` ${item.unit}`), withCost ? h("td", {}, cost) : null) };
    });
    const table = h("table", { class: "stock-table", testid },
      h("thead", {}, h("tr", {}, h("th", {}, "Item"), h("th", {}, "Quantity"), withCost ? h("th", {}, "Cost") : null)),
      h("tbody", {}, rows.map((r) => r.el)));
    const lines = () => rows.map((r) => {
      const line = { stock_item_id: r.item.stock_item_id, quantity: units(r.quantity, r.item.name) };
      if (r.cost && r.cost.value.trim()) {
        try {
          line.cost = toWire(toMinor(r.cost.value.trim()));
        } catch {
          throw new Error(`${r.item.name}: the cost is not an amount`);
        }
      }
      return line;
    }).filter((line) => line.quantity > 0);
    return { table, lines };
  }

  /** A form of lines posted to `path` as `body(lines)` (the reason, the receiving outlet…). */
  function movementForm({ testid, title, withCost, fields, body: bodyOf, submit, path, done }) {
    const sheet = linesSheet(`${testid}-lines`, { withCost });
    const button = h("button", { type: "button", class: "btn btn-primary btn-lg", testid: `${testid}-submit`,
      onClick: () => run(async () => {
        const lines = sheet.lines();
        if (!lines.length) throw new Error("Enter a quantity for at least one item");
        button.disabled = true;
        try {
          const moved = await app.api.post(path, bodyOf(lines));
          toast(done(moved), "ok");
          render();
        } finally {
          button.disabled = false;
        }
      }) }, submit);
    return h("section", { class: "stock-form", testid }, h("h3", {}, title), fields, sheet.table,
      h("div", { class: "row-end" }, button));
  }

  function receiveView() {
    const reason = h("input", { class: "input", testid: "receive-reason", placeholder: "Supplier, delivery note",
      "aria-label": "Supplier or delivery note" });
    return movementForm({ testid: "receive", title: "Receive a delivery", withCost: true, path: "/api/stock/receive/",
      submit: "Record the delivery", fields: reason, body: (lines) => ({ reason: reason.value.trim(), lines }),
      done: (moved) => `Delivery recorded: ${moved.lines.length} item${moved.lines.length === 1 ? "" : "s"}` });
  }

  function wasteView() {
    const reason = h("select", { class: "input", testid: "waste-reason", "aria-label": "Why it was thrown away" },
      h("option", { value: "" }, "Why? (choose)"), WASTE_REASONS.map((r) => h("option", { value: r }, r)));
    return movementForm({ testid: "waste", title: "Record waste", path: "/api/stock/waste/", submit: "Record the waste",
      fields: reason, body: (lines) => {
        if (!reason.value) throw new Error("Choose why it was thrown away");
        return { reason: reason.value, lines };
      },
      done: (moved) => `Waste recorded (${moved.reason})` });
  }

  // --- count ------------------------------------------------------------------------------
  async function countView() {
    const sheets = (await app.api.get("/api/stocktakes/", { query: { page_size: 20 } })).results;
    const open = sheets.find((s) => s.status === "open");
    const last = sheets.find((s) => s.status === "posted");
    return open ? countSheet(open) : startCount(last);
  }

  function startCount(last) {
    const blind = h("input", { type: "checkbox", testid: "count-blind" });
    const note = h("input", { class: "input", testid: "count-note", placeholder: "Note (e.g. Monday close)" });
    return h("section", { class: "stock-form", testid: "count-start" },
      h("h3", {}, "Count stock"),
      h("label", { class: "check" }, blind, " Blind count (the counter does not see the expected figures)"), note,
      h("div", { class: "row-end" }, h("button", { type: "button", class: "btn btn-primary btn-lg",
        testid: "count-begin",
        onClick: () => run(async () => {
          await app.api.post("/api/stocktakes/", { blind: blind.checked, note: note.value.trim() });
          render();
        }) }, "Start a count sheet")),
      last ? postedSummary(last) : null);
  }

  function postedSummary(sheet) {
    return h("div", { class: "stock-summary", testid: "count-posted" },
      h("h4", {}, `Last count posted ${fmtDateTime(sheet.closed_at)}${sheet.note ? ` · ${sheet.note}` : ""}`),
      h("ul", {}, sheet.lines.filter((l) => l.variance).map((l) => h("li", { dataset: { name: l.name } },
        `${l.name}: counted ${l.counted} ${l.unit}, expected ${l.expected}, variance ${l.variance > 0 ? "+" : ""}`
        + `${l.variance} ${l.unit}${l.variance_value ? ` (${format(l.variance_value)})` : ""}`))),
      h("p", {}, `Value of the differences: ${format(sheet.variance_value || "0.00")}`));
  }

  function countSheet(sheet) {
    const fields = sheet.lines.map((line) => ({ line, input: h("input", { class: "input qty", inputmode: "numeric",
      testid: "count-input", "aria-label": `${line.name} counted (${line.unit})`,
      value: line.counted === null ? "" : String(line.counted) }) }));
    const counts = () => fields.filter((f) => f.input.value.trim() !== "")
      .map((f) => ({ stock_item_id: f.line.stock_item_id, counted: units(f.input, f.line.name) }));
    const save = async () => {
      const lines = counts();
      if (lines.length) await app.api.put(`/api/stocktakes/${sheet.id}/counts/`, { lines });
    };
    return h("section", { class: "stock-form", testid: "count-sheet", dataset: { blind: String(sheet.blind) } },
      h("h3", {}, `Count sheet${sheet.blind ? " (blind)" : ""}${sheet.note ? ` · ${sheet.note}` : ""}`),
      h("table", { class: "stock-table" },
        h("thead", {}, h("tr", {}, h("th", {}, "Item"), h("th", {}, "Counted"),
          sheet.blind ? null : h("th", { class: "num" }, "Expected"))),
        h("tbody", {}, fields.map(({ line, input }) => h("tr", { testid: "count-row", dataset: { name: line.name } },
          h("td", {}, line.name), h("td", {}, input, ` ${line.unit}`),
          sheet.blind ? null
            : h("td", { class: "num" }, line.expected === null ? "" : `${line.expected} ${line.unit}`))))),
      h("div", { class: "row-end" },
        h("button", { type: "button", class: "btn btn-secondary btn-lg", testid: "count-cancel",
          onClick: () => run(async () => {
            if (!await confirmDialog({ title: "Drop this count?", text: "Nothing of it is posted." })) return;
            await app.api.post(`/api/stocktakes/${sheet.id}/cancel/`);
            render();
          }) }, "Drop the sheet"),
        h("button", { type: "button", class: "btn btn-secondary btn-lg", testid: "count-save",
          onClick: () => run(async () => { await save(); toast("Counts saved", "ok"); }) }, "Save counts"),
        h("button", { type: "button", class: "btn btn-primary btn-lg", testid: "count-post",
          onClick: () => run(async () => {
            await save();
            const posted = await app.api.post(`/api/stocktakes/${sheet.id}/post/`);
            toast(`Count posted: difference ${format(posted.variance_value || "0.00")}`, "ok");
            render();
          }) }, "Post the count")));
  }

  // --- transfers --------------------------------------------------------------------------
  async function transfersView() {
    const incoming = (await app.api.get("/api/transfers/incoming/", { query: { page_size: 50 } })).results;
    const names = Object.fromEntries(items.map((i) => [i.stock_item_id, i.name]));
    const unitOf = Object.fromEntries(items.map((i) => [i.stock_item_id, i.unit]));
    const describe = (line) => `${names[line.stock_item_id] || line.stock_item_id} ${line.quantity} `
      + `${unitOf[line.stock_item_id] || ""}`;
    const outlet = h("input", { class: "input", inputmode: "numeric", testid: "transfer-outlet",
      placeholder: "Receiving outlet number", "aria-label": "Receiving outlet number" });
    const note = h("input", { class: "input", testid: "transfer-note", placeholder: "Note", "aria-label": "Note" });
    const send = movementForm({ testid: "transfer", title: "Send to another outlet", path: "/api/transfers/",
      submit: "Send the transfer", fields: h("div", { class: "row" }, outlet, note),
      body: (lines) => {
        const to = units(outlet, "Receiving outlet");
        if (!to) throw new Error("Enter the receiving outlet's number");
        return { to_outlet_id: to, note: note.value.trim(), lines };
      },
      done: () => "Transfer sent: the stock is out of this outlet, in transit" });
    return h("div", {},
      h("section", { class: "stock-form", testid: "transfers-incoming" }, h("h3", {}, "On their way here"),
        incoming.length ? h("ul", { class: "transfer-list" }, incoming.map((t) => h("li", { testid: "incoming-transfer",
          dataset: { uuid: t.uuid, status: t.status } },
        h("span", {}, `From ${t.from_outlet_name} · ${fmtDateTime(t.sent_at)} · ${t.lines.map(describe).join(", ")}`),
        t.status === "in_transit"
          ? h("button", { type: "button", class: "btn btn-primary", testid: "transfer-receive",
            onClick: () => run(async () => {
              await app.api.post(`/api/transfers/incoming/${t.uuid}/receive/`);
              toast(`Transfer from ${t.from_outlet_name} taken in`, "ok");
              render();
            }) }, "Take it in")
          : h("span", { class: "badge" }, "Received"))))
          : h("p", { class: "muted" }, "Nothing is on its way here (as of the last pull from the cloud).")),
      send);
  }

  const VIEWS = { "on-hand": onHandView, receive: receiveView, waste: wasteView, count: countView,
    transfers: transfersView };

  renderTabs();
  render();
  return { el: h("section", { class: "stock-screen", testid: "stock-screen" }, h("h2", {}, "Stock"), tabBar,
    message.el, body) };
}
