// The audit-trail panel: who did what (refunds, voids, cash movements, logins, price and
// user changes), filtered like the rest of the page plus action, who and object; the
// tills' hash chains checked on demand for the chosen outlet (GET /api/audit/verify/).

import { api } from "./api.js";
import { $, h, show } from "./dom.js";
import { AUDIT_ACTIONS } from "./vocab.js";

function auditQuery(pageFilters) {
  return {
    ...pageFilters,
    action: $("#audit-action").value || undefined,
    actor: $("#audit-actor").value.trim() || undefined,
    object_type: $("#audit-object-type").value.trim() || undefined,
    page_size: 50,
  };
}

function describe(entry) {
  const values = entry.after || {};
  const parts = [];
  for (const key of ["order_number", "amount", "method", "reason", "kind", "price", "role", "difference"]) {
    if (values[key] === undefined || values[key] === null) continue;
    const value = typeof values[key] === "object" ? JSON.stringify(values[key]) : values[key];
    parts.push(`${key.replace("_", " ")}: ${value}`);
  }
  if (entry.before && Object.keys(entry.before).length) parts.push(`before: ${JSON.stringify(entry.before)}`);
  return parts.join(" · ");
}

function render(root, page) {
  root.replaceChildren();
  if (!page.results.length) {
    root.append(h("p", { class: "muted" }, "Nothing recorded for these filters."));
    return;
  }
  root.append(h("table", { class: "table" },
    h("thead", {}, h("tr", {}, ["When (outlet time)", "Who", "Role", "Action", "Outlet", "Terminal", "Object",
      "Details", "Chain"].map((title) => h("th", {}, title)))),
    h("tbody", {}, page.results.map((entry) => h("tr", { dataset: { action: entry.action } },
      h("td", {}, (entry.at_local || entry.at).replace("T", " ").slice(0, 19)),
      h("td", { class: "audit-who" }, entry.actor.username || "—"),
      h("td", {}, entry.actor.role || ""),
      h("td", { class: "audit-action" }, entry.action),
      h("td", {}, entry.outlet_id ?? "—"),
      h("td", {}, entry.terminal ?? ""),
      h("td", {}, entry.object_type ? `${entry.object_type} ${entry.object_id}` : ""),
      h("td", { class: "small" }, describe(entry)),
      h("td", {}, entry.source === "edge" ? (entry.chain_ok ? "ok" : "BREAK") : "cloud"))))));
  if (page.count > page.results.length) {
    root.append(h("p", { class: "muted small" }, `Newest ${page.results.length} of ${page.count}; narrow the filters `
      + "or export the lot."));
  }
}

export async function loadAudit(pageFilters) {
  render($("#audit-list"), await api.get("/api/audit/", auditQuery(pageFilters)));
}

async function verify(pageFilters, banner) {
  const verdict = $("#audit-verdict");
  if (!pageFilters.outlet_id) {
    verdict.textContent = "Choose an outlet to verify its tills' chains.";
    show(verdict, true);
    return;
  }
  try {
    const result = await api.get("/api/audit/verify/", { outlet: pageFilters.outlet_id });
    verdict.textContent = result.ok
      ? `Chain intact: ${result.records} records from ${result.devices} till(s).`
      : result.breaks.map((b) => `Break on device ${b.device_id} at seq ${b.seq} (${b.problem}): expected `
        + `${b.expected}, found ${b.found}`).join("; ");
    verdict.classList.toggle("form-error", !result.ok);
    show(verdict, true);
  } catch (error) {
    banner(error.message);
  }
}

export function wireAudit(pageFilters, download, banner) {
  $("#audit-action").append(...AUDIT_ACTIONS.map((action) => h("option", { value: action }, action)));
  $("#audit-filters").addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await loadAudit(pageFilters());
    } catch (error) {
      banner(error.message);
    }
  });
  for (const button of document.querySelectorAll("[data-audit-export]")) {
    button.addEventListener("click", () => download("/api/audit/export/",
      { ...auditQuery(pageFilters()), page_size: undefined, format: button.dataset.auditExport }));
  }
  $("#audit-verify").addEventListener("click", () => verify(pageFilters(), banner));
}
