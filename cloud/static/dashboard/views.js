// The dashboard's panels, each a pure function of the API's answer (docs/dashboard.md
// says what every figure means).

import { h } from "./dom.js";
import { format, number, toMinor } from "./money.js";

import { METHOD_LABEL as METHOD_NAMES, ORDER_STATUSES } from "./vocab.js";

// Furthest along first, the unsold (cancelled) last.
const STATUS_NAMES = Object.fromEntries([...ORDER_STATUSES.filter((s) => s.sold).reverse(),
  ...ORDER_STATUSES.filter((s) => !s.sold)].map((s) => [s.name, s.label]));
const TIER_NAMES = { regular: "Regular", silver: "Silver", gold: "Gold", platinum: "Platinum" };
function count(value) {
  return number(value);
}

function minutes(value) {
  return value === null || value === undefined ? "—" : `${value.toFixed(1)} min`;
}

function percent(value, digits = 1) {
  return `${value.toFixed(digits)}%`;
}

function empty(text) {
  return h("p", { class: "empty" }, text);
}

function trend(growth, previousText) {
  if (growth === null || growth === undefined) {
    return h("span", { class: "trend flat", title: "The previous period had nothing to compare with" },
      "— no previous figure");
  }
  const direction = growth > 0 ? "up" : growth < 0 ? "down" : "flat";
  const arrow = growth > 0 ? "▲" : growth < 0 ? "▼" : "■";
  return h("span", { class: `trend ${direction}`, title: `Previous period: ${previousText}` },
    `${arrow} ${percent(Math.abs(growth))}`, h("span", { class: "muted" }, " vs previous"));
}

function kpi(testid, label, value, foot, extra) {
  const size = value.length > 16 ? " smaller" : value.length > 12 ? " small" : "";
  return h("article", { class: "kpi", "data-testid": `kpi-${testid}` },
    h("div", { class: "kpi-label" }, label),
    h("div", { class: `kpi-value${size}`, "data-testid": `kpi-${testid}-value`, title: value }, value),
    h("div", { class: "kpi-foot" }, foot),
    extra || null);
}

export function renderKpis(root, dashboard, customers) {
  const m = dashboard.metrics;
  const p = dashboard.previous;
  const t = dashboard.trends;
  const gross = toMinor(m.gross_sales);
  const refundShare = gross > 0 ? (toMinor(m.refunds_total) / gross) * 100 : 0;
  root.replaceChildren(
    kpi("revenue", "Revenue", format(m.total_revenue), trend(t.revenue_growth, format(p.total_revenue)),
      h("div", { class: "kpi-note muted" }, `Sales ${format(m.gross_sales)}`)),
    kpi("orders", "Paid orders", count(m.total_orders), trend(t.orders_growth, count(p.total_orders))),
    kpi("aov", "Average order", format(m.avg_order_value), trend(t.avg_order_value_growth, format(p.avg_order_value))),
    kpi("customers", "Customers served", count(m.customers_served),
      trend(t.customers_growth, count(p.customers_served)),
      customers ? h("div", { class: "kpi-note muted" },
        `${count(customers.new_customers)} new · ${count(customers.returning_customers)} returning`) : null),
    kpi("refunds", "Refunds", format(m.refunds_total),
      h("span", { class: "trend flat" }, gross > 0 ? `${percent(refundShare)} of sales` : "—"),
      h("div", { class: "kpi-note muted" }, `Previous period ${format(p.refunds_total)}`)),
    kpi("cancelled", "Cancelled orders", count(m.cancelled_orders),
      h("span", { class: "trend flat" }, `Previous period ${count(p.cancelled_orders)}`)),
  );
}

function bar(fraction, kind = "") {
  const width = Math.max(0, Math.min(100, fraction * 100));
  return h("div", { class: `meter ${kind}` }, h("span", { style: { width: `${width.toFixed(2)}%` } }));
}

export function renderTopProducts(root, products) {
  if (!products.length) {
    root.replaceChildren(empty("No products sold in this range."));
    return;
  }
  const best = Math.max(...products.map((p) => p.share), 1);
  root.replaceChildren(h("div", { class: "table-wrap" }, h("table", { class: "table" },
    h("thead", {}, h("tr", {},
      h("th", { class: "rank" }, "#"), h("th", {}, "Product"), h("th", { class: "num" }, "Qty"),
      h("th", { class: "num" }, "Orders"), h("th", { class: "num" }, "Revenue"), h("th", { class: "share" }, "Share"))),
    h("tbody", {}, products.map((p, index) => h("tr", { "data-testid": "product-row" },
      h("td", { class: "rank muted" }, index + 1),
      h("td", {}, h("div", { class: "name" }, p.name), p.sku ? h("div", { class: "muted small" }, p.sku) : null),
      h("td", { class: "num" }, count(p.quantity)),
      h("td", { class: "num" }, count(p.orders)),
      h("td", { class: "num strong" }, format(p.revenue)),
      h("td", { class: "share" }, h("div", { class: "share-cell" }, bar(p.share / best),
        h("span", { class: "num small" }, percent(p.share))))))))));
}

export function renderPaymentMethods(root, methods) {
  if (!methods.length) {
    root.replaceChildren(empty("No payments in this range."));
    return;
  }
  const total = methods.reduce((sum, m) => sum + Math.max(0, toMinor(m.net)), 0);
  root.replaceChildren(h("ul", { class: "methods" }, methods.map((m) => {
    const net = toMinor(m.net);
    return h("li", { "data-testid": `method-${m.method}` },
      h("div", { class: "method-line" },
        h("span", { class: "name" }, METHOD_NAMES[m.method] || m.method),
        h("span", { class: "num strong" }, format(m.net))),
      bar(total > 0 ? Math.max(0, net) / total : 0, `pay-${m.method}`),
      h("div", { class: "muted small" },
        `${count(m.count)} payment${m.count === 1 ? "" : "s"} · ${total > 0 ? percent((Math.max(0, net) / total) * 100) : "—"}`,
        toMinor(m.refunds) > 0 ? ` · ${format(m.refunds)} refunded` : ""));
  })));
}

export function renderStatuses(root, distribution) {
  const entries = Object.entries(STATUS_NAMES).map(([status, name]) => [status, name, distribution[status] || 0]);
  const total = entries.reduce((sum, [, , n]) => sum + n, 0);
  if (!total) {
    root.replaceChildren(empty("No orders in this range."));
    return;
  }
  root.replaceChildren(
    h("div", { class: "stacked", role: "img", "aria-label": "Orders by status" },
      entries.filter(([, , n]) => n > 0).map(([status, name, n]) => h("span", {
        class: `status-${status}`, style: { width: `${((n / total) * 100).toFixed(2)}%` }, title: `${name}: ${n}` }))),
    h("ul", { class: "legend" }, entries.filter(([status, , n]) => n > 0 || status === "completed"
      || status === "cancelled").map(([status, name, n]) => h("li", { "data-testid": `status-${status}` },
      h("i", { class: `dot status-${status}` }), h("span", {}, name),
      h("span", { class: "num strong" }, count(n)), h("span", { class: "muted small num" },
        percent((n / total) * 100))))),
  );
}

export function renderPrep(root, prep) {
  if (!prep.orders) {
    root.replaceChildren(empty("No orders were timed from confirmed to ready."));
    return;
  }
  root.replaceChildren(h("div", { class: "prep" },
    h("div", { class: "prep-main" },
      h("div", { class: "big", "data-testid": "prep-median" }, minutes(prep.median_minutes)),
      h("div", { class: "muted small" }, "median, confirmed → ready")),
    h("dl", { class: "prep-facts" },
      h("div", {}, h("dt", {}, "Average"), h("dd", {}, minutes(prep.average_minutes))),
      h("div", {}, h("dt", {}, "90th percentile"), h("dd", {}, minutes(prep.p90_minutes))),
      h("div", {}, h("dt", {}, "Orders timed"), h("dd", {}, count(prep.orders))))));
}

export function renderOutlets(root, outlets) {
  if (!outlets.length) {
    root.replaceChildren(empty("No outlets."));
    return;
  }
  root.replaceChildren(h("div", { class: "table-wrap" }, h("table", { class: "table" },
    h("thead", {}, h("tr", {}, h("th", {}, "Outlet"), h("th", { class: "num" }, "Orders"),
      h("th", { class: "num" }, "Revenue"), h("th", { class: "num" }, "Avg order"), h("th", { class: "num" }, "Refunds"),
      h("th", { class: "num" }, "Cancelled"), h("th", { class: "num" }, "Customers"), h("th", { class: "num" }, "Prep"))),
    h("tbody", {}, outlets.map((o) => h("tr", { "data-testid": `outlet-${o.code}` },
      h("td", {}, h("div", { class: "name" }, o.name), h("div", { class: "muted small" }, o.code)),
      h("td", { class: "num" }, count(o.total_orders)),
      h("td", { class: "num strong" }, format(o.total_revenue)),
      h("td", { class: "num" }, format(o.avg_order_value)),
      h("td", { class: "num" }, format(o.refunds_total)),
      h("td", { class: "num" }, count(o.cancelled_orders)),
      h("td", { class: "num" }, count(o.customers_served)),
      h("td", { class: "num" }, minutes(o.median_prep_minutes))))))));
}

export function renderCustomers(root, c) {
  const tiers = Object.entries(TIER_NAMES).map(([tier, name]) => [tier, name, c.tiers[tier] || 0]);
  const total = tiers.reduce((sum, [, , n]) => sum + n, 0);
  const fact = (testid, label, value) => h("div", { class: "fact", "data-testid": `customers-${testid}` },
    h("div", { class: "fact-value" }, value), h("div", { class: "muted small" }, label));
  root.replaceChildren(...[
    h("div", { class: "facts" },
      fact("total", "Customers", count(c.total_customers)),
      fact("served", "Served", count(c.customers_served)),
      fact("new", "New", count(c.new_customers)),
      fact("returning", "Returning", count(c.returning_customers)),
      fact("repeat", "Repeat (2+ orders)", count(c.repeat_customers)),
      fact("points", "Points outstanding", count(c.points_outstanding))),
    total ? h("div", { class: "tiers" },
      h("div", { class: "stacked thin", role: "img", "aria-label": "Customers by membership tier" },
        tiers.filter(([, , n]) => n > 0).map(([tier, name, n]) => h("span", { class: `tier-${tier}`,
          style: { width: `${((n / total) * 100).toFixed(2)}%` }, title: `${name}: ${n}` }))),
      h("ul", { class: "legend inline" }, tiers.map(([tier, name, n]) => h("li", {},
        h("i", { class: `dot tier-${tier}` }), `${name} ${count(n)}`)))) : null,
    c.top_customers.length ? h("table", { class: "table compact" },
      h("thead", {}, h("tr", {}, h("th", {}, "Top customers"), h("th", { class: "num" }, "Orders"),
        h("th", { class: "num" }, "Spent"))),
      h("tbody", {}, c.top_customers.slice(0, 5).map((t) => h("tr", { "data-testid": "customer-row" },
        h("td", {}, h("span", { class: "name" }, t.name), " ",
          h("span", { class: `badge tier-${t.membership_tier}` }, TIER_NAMES[t.membership_tier] || t.membership_tier)),
        h("td", { class: "num" }, count(t.orders)),
        h("td", { class: "num strong" }, format(t.total_spent)))))) : empty("No known customers bought in this range."),
  ].filter(Boolean)); // replaceChildren(null) would print "null"
}

/** Stocktakes that found a difference: per count, the items off and the value of the
 *  difference (negative: stock missing), with the worst lines named. */
export function renderStocktakes(root, page) {
  if (!page.results.length) {
    root.replaceChildren(empty("No stocktake found a difference in this range."));
    return;
  }
  const worst = (s) => s.lines.filter((l) => l.variance !== 0)
    .sort((a, b) => toMinor(a.variance_value) - toMinor(b.variance_value)).slice(0, 3)
    .map((l) => `${l.name} ${l.variance > 0 ? "+" : ""}${number(l.variance)} ${l.unit}`).join(", ");
  root.replaceChildren(...[h("div", { class: "table-wrap" }, h("table", { class: "table" },
    h("thead", {}, h("tr", {}, h("th", {}, "Posted (UTC)"), h("th", {}, "Outlet"), h("th", { class: "num" }, "Items off"),
      h("th", {}, "Largest differences"), h("th", { class: "num" }, "Variance"))),
    h("tbody", {}, page.results.map((s) => h("tr", { "data-testid": "stocktake-row", "data-uuid": s.uuid },
      h("td", {}, h("div", {}, s.posted_at.slice(0, 16).replace("T", " ")),
        h("div", { class: "muted small" }, `${s.blind ? "blind count" : "count"}${s.note ? ` · ${s.note}` : ""}`)),
      h("td", {}, s.outlet_name),
      h("td", { class: "num" }, `${count(s.items_with_variance)} of ${count(s.items_counted)}`),
      h("td", { class: "small" }, worst(s)),
      h("td", { class: `num strong${toMinor(s.variance_value) < 0 ? " negative" : ""}`,
        "data-testid": "stocktake-variance" }, format(s.variance_value))))))),
  page.count > page.results.length
    ? h("p", { class: "muted small" }, `${page.count - page.results.length} more not shown.`) : null]
    .filter(Boolean)); // replaceChildren(null) would print "null"
}

/** Gross margin per product: net sales (before service and tax), cost of goods by the
 *  recipes at today's stock costs, margin and margin % (the server's two-decimal text). */
export function renderMargins(root, report) {
  if (!report.results.length) {
    root.replaceChildren(empty("No product sold in this range."));
    return;
  }
  const pct = (text) => (text === null ? "—" : `${text}%`);
  const t = report.totals;
  root.replaceChildren(h("div", { class: "table-wrap" }, h("table", { class: "table compact" },
    h("thead", {}, h("tr", {}, h("th", {}, "Product"), h("th", { class: "num" }, "Units"),
      h("th", { class: "num" }, "Net sales"), h("th", { class: "num" }, "Cost of goods"),
      h("th", { class: "num" }, "Margin"), h("th", { class: "num" }, "Margin %"))),
    h("tbody", {}, report.results.slice(0, 10).map((r) => h("tr", { "data-testid": "margin-row",
      "data-product-id": String(r.product_id) },
      h("td", {}, h("span", { class: "name" }, r.name),
        r.has_recipe ? null : h("span", { class: "muted small", title: "No recipe: no cost of goods" }, " · no recipe")),
      h("td", { class: "num" }, count(r.quantity)),
      h("td", { class: "num" }, format(r.net_sales)),
      h("td", { class: "num", "data-testid": "margin-cogs" }, format(r.cogs)),
      h("td", { class: `num strong${toMinor(r.margin) < 0 ? " negative" : ""}`, "data-testid": "margin-value" },
        format(r.margin)),
      h("td", { class: "num", "data-testid": "margin-percent" }, pct(r.margin_percent))))),
    h("tfoot", {}, h("tr", { "data-testid": "margin-totals" }, h("td", { class: "strong" }, "All products"),
      h("td", { class: "num" }, count(t.quantity)), h("td", { class: "num" }, format(t.net_sales)),
      h("td", { class: "num" }, format(t.cogs)), h("td", { class: "num strong" }, format(t.margin)),
      h("td", { class: "num strong" }, pct(t.margin_percent)))))));
}

/** Theoretical (the recipes x what sold) against actual usage (what the counts say), per
 *  outlet and stock item; positive variance: more used than the recipes say. */
export function renderUsage(root, report) {
  if (!report.results.length) {
    root.replaceChildren(empty("No stock moved in this range."));
    return;
  }
  const qty = (value, unit) => `${number(value)} ${unit}`;
  root.replaceChildren(h("div", { class: "table-wrap" }, h("table", { class: "table compact" },
    h("thead", {}, h("tr", {}, h("th", {}, "Outlet"), h("th", {}, "Stock item"),
      h("th", { class: "num" }, "Theoretical"), h("th", { class: "num" }, "Actual"),
      h("th", { class: "num" }, "Variance"), h("th", { class: "num" }, "Variance value"), h("th", {}, "Counted"))),
    h("tbody", {}, report.results.slice(0, 15).map((r) => h("tr", { "data-testid": "usage-row",
      "data-stock-item-id": String(r.stock_item_id), "data-outlet-id": String(r.outlet_id) },
      h("td", {}, r.outlet_name),
      h("td", {}, h("span", { class: "name" }, r.name)),
      h("td", { class: "num", "data-testid": "usage-theoretical" }, qty(r.theoretical, r.unit)),
      h("td", { class: "num", "data-testid": "usage-actual" }, qty(r.actual, r.unit)),
      h("td", { class: "num", "data-testid": "usage-variance" },
        `${r.variance > 0 ? "+" : ""}${qty(r.variance, r.unit)}`),
      h("td", { class: `num strong${toMinor(r.variance_value) > 0 ? " negative" : ""}`,
        "data-testid": "usage-variance-value" }, format(r.variance_value)),
      h("td", { class: "small muted" }, r.counts ? `${r.counts}× · last ${r.last_counted_at.slice(0, 10)}`
        : "not counted")))))));
}
