// The stock cards' "now" figures: what each outlet's synced ledger holds and its value, and
// what to reorder. The API answers one outlet at a time (`/api/stock/`, `/api/stock/reorder/`),
// so each card is a list of { outlet, page } pairs, one per outlet in the filter.

import { h } from "./dom.js";
import { format, number, toMinor } from "./money.js";

const qty = (value, unit) => `${number(value)} ${unit}`;

function empty(text) {
  return h("p", { class: "empty" }, text);
}

/** The API's pages stop at 100 rows: say so (and that totals cover the rows shown). */
function cut(outlets) {
  const more = outlets.reduce((sum, { page }) => sum + page.count - page.results.length, 0);
  return more > 0 ? h("p", { class: "muted small" }, `${more} more not shown; totals cover the rows shown.`) : null;
}

/** Every stock item of each outlet: on hand, cost per base unit and value, with each
 *  outlet's total value on hand (and all outlets' when there are several). */
export function renderOnHand(root, outlets) {
  const rows = outlets.flatMap(({ outlet, page }) => page.results.map((r) => ({ outlet, ...r })));
  if (!rows.length) {
    root.replaceChildren(empty("No stock items yet."));
    return;
  }
  const total = (list) => list.reduce((sum, r) => sum + toMinor(r.value), 0);
  const subtotals = outlets.map(({ outlet, page }) => h("tr", { class: "subtotal", "data-testid": "on-hand-total",
    "data-outlet-id": String(outlet.id) },
  h("td", { class: "strong", colspan: "4" }, `${outlet.name}: value on hand`),
  h("td", { class: "num strong" }, format(total(page.results)))));
  const grand = outlets.length > 1 ? h("tr", { "data-testid": "on-hand-grand-total" },
    h("td", { class: "strong", colspan: "4" }, "All outlets"), h("td", { class: "num strong" }, format(total(rows))))
    : null;
  root.replaceChildren(h("div", { class: "table-wrap" }, h("table", { class: "table compact" },
    h("thead", {}, h("tr", {}, h("th", {}, "Outlet"), h("th", {}, "Stock item"), h("th", { class: "num" }, "On hand"),
      h("th", { class: "num" }, "Cost per unit"), h("th", { class: "num" }, "Value"))),
    h("tbody", {}, rows.map((r) => h("tr", { "data-testid": "on-hand-row",
      "data-stock-item-id": String(r.stock_item_id), "data-outlet-id": String(r.outlet.id) },
    h("td", {}, r.outlet.name),
    h("td", {}, h("span", { class: "name" }, r.name)),
    h("td", { class: `num${r.on_hand < 0 ? " negative" : ""}`, "data-testid": "on-hand-quantity" },
      qty(r.on_hand, r.unit)),
    h("td", { class: "num muted" }, `${format(r.cost)} / ${r.unit}`),
    h("td", { class: "num strong", "data-testid": "on-hand-value" }, format(r.value))))),
    h("tfoot", {}, subtotals, grand))), ...[cut(outlets)].filter(Boolean));
}

/** Items at or below their outlet's reorder level, with what to order now. */
export function renderReorder(root, outlets) {
  const rows = outlets.flatMap(({ outlet, page }) => page.results.map((r) => ({ outlet, ...r })));
  if (!rows.length) {
    root.replaceChildren(empty("Nothing is at or below its reorder level."));
    return;
  }
  root.replaceChildren(h("div", { class: "table-wrap" }, h("table", { class: "table compact" },
    h("thead", {}, h("tr", {}, h("th", {}, "Outlet"), h("th", {}, "Stock item"), h("th", { class: "num" }, "On hand"),
      h("th", { class: "num" }, "Reorder level"), h("th", { class: "num" }, "Order now"))),
    h("tbody", {}, rows.map((r) => h("tr", { "data-testid": "reorder-row",
      "data-stock-item-id": String(r.stock_item_id), "data-outlet-id": String(r.outlet.id) },
    h("td", {}, r.outlet.name),
    h("td", {}, h("span", { class: "name" }, r.name)),
    h("td", { class: "num negative", "data-testid": "reorder-on-hand" }, qty(r.on_hand, r.unit)),
    h("td", { class: "num" }, qty(r.reorder_level, r.unit)),
    h("td", { class: "num strong", "data-testid": "reorder-quantity" }, qty(r.order_quantity, r.unit))))))),
  ...[cut(outlets)].filter(Boolean));
}
