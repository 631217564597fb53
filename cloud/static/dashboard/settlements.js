// The static-QRIS card (managers and owners): the static QRIS payments still unverified
// (taken at the till on the payer's reference), and a settlement report to import
// (a Midtrans settlement CSV or a Xendit transactions report CSV): matches verify the
// payments, and every difference is listed here, never changed.

import { api } from "./api.js";
import { $, h, show } from "./dom.js";
import { format } from "./money.js";

const OUTCOME_WORDS = {
  amount_mismatch: "amount differs",
  reference_not_found: "no payment with this reference",
  missing_from_settlement: "not in the report",
};

function renderUnverified(list, page) {
  list.replaceChildren();
  if (!page.results.length) {
    list.append(h("p", { class: "muted", "data-testid": "static-none" }, "No unverified static QRIS payments."));
    return;
  }
  list.append(h("table", { class: "table", "data-testid": "static-unverified" },
    h("thead", {}, h("tr", {}, ["Day", "Order", "Reference", "Amount", "Last check"].map((t) => h("th", {}, t)))),
    h("tbody", {}, page.results.map((p) => h("tr", { dataset: { reference: p.reference } },
      h("td", {}, p.business_date || ""),
      h("td", {}, p.order_number || p.order_uuid.slice(0, 8)),
      h("td", {}, p.reference),
      h("td", { class: "num" }, format(p.amount)),
      h("td", {}, p.flag ? OUTCOME_WORDS[p.flag] || p.flag : "not yet checked"))))),
  page.count > page.results.length ? h("p", { class: "muted small" }, `${page.count} in all`) : null);
}

function renderResult(box, result) {
  box.replaceChildren(h("p", { "data-testid": "settlement-summary" },
    `${result.replayed ? "This file was imported before: " : ""}${result.lines} lines read, `
    + `${result.matched} payment${result.matched === 1 ? "" : "s"} verified, `
    + `${result.flagged} difference${result.flagged === 1 ? "" : "s"} to look at.`));
  if (!result.differences.length) return;
  box.append(h("table", { class: "table", "data-testid": "settlement-differences" },
    h("thead", {}, h("tr", {}, ["Line", "Reference", "Report", "Till", "Difference"].map((t) => h("th", {}, t)))),
    h("tbody", {}, result.differences.map((d) => h("tr", { dataset: { outcome: d.outcome } },
      h("td", {}, d.row_number ? String(d.row_number) : "—"),
      h("td", {}, d.reference),
      h("td", { class: "num" }, d.amount ? format(d.amount) : "—"),
      h("td", { class: "num" }, d.payment_amount ? format(d.payment_amount) : "—"),
      h("td", {}, d.note || OUTCOME_WORDS[d.outcome] || d.outcome))))));
}

/** Shows the card to managers and above; `filters()` gives the outlet and the date range. */
export async function loadSettlements(canSee, filters, banner) {
  const card = $("#settlements-card");
  show(card, canSee);
  if (!canSee) return;
  const reload = async () => {
    const { outlet_id, date_from, date_to } = filters();
    renderUnverified($("#static-list"), await api.get("/api/payments/static/",
      { outlet_id, date_from, date_to, page_size: 20 }));
  };
  const form = $("#settlement-form");
  form.onsubmit = async (event) => {
    event.preventDefault();
    const { outlet_id, date_from, date_to } = filters();
    const file = $("#settlement-file").files[0];
    const result = $("#settlement-result");
    if (!file) {
      result.replaceChildren(h("p", { class: "error" }, "Choose the provider's CSV file first."));
      return;
    }
    const body = new FormData();
    body.append("provider", $("#settlement-provider").value);
    body.append("date_from", date_from);
    body.append("date_to", date_to);
    if (outlet_id) body.append("outlet_id", outlet_id);
    body.append("file", file);
    form.querySelector("button").disabled = true;
    try {
      renderResult(result, await api.upload("/api/payments/settlements/", body));
      await reload();
    } catch (error) {
      result.replaceChildren(h("p", { class: "error", "data-testid": "settlement-error" }, error.message),
        ...(error.rows || []).slice(0, 10).map((row) => h("p", { class: "error small" },
          `Line ${row.line}: ${row.message}`)));
    } finally {
      form.querySelector("button").disabled = false;
    }
  };
  try {
    await reload();
  } catch (error) {
    banner(error.message);
  }
}
