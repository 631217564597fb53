// Receipts and kitchen tickets through the edge's printing endpoints. Until an edge has
// them (they answer 404), every print button says so plainly; the sale is never affected.

import { state } from "./store.js";

export const PRINTING_UNAVAILABLE = "Printing is not available on this outlet server yet. The sale is saved; "
  + "the receipt can be printed from Orders once printing is set up.";

const PRINT_PATH = /^\/api\/orders\/\{[^}]+\}\/print\/$/;
const RECEIPT_PATH = /^\/api\/orders\/\{[^}]+\}\/receipt\/$/;
const SHIFT_PRINT_PATH = /^\/api\/shifts\/\{[^}]+\}\/print\/$/;

/** Learn which printing endpoints this edge has from its OpenAPI document. */
export async function detectFeatures(api) {
  try {
    const spec = await api.get("/api/openapi.json", { auth: null });
    const paths = Object.keys(spec.paths || {});
    state.features = {
      print: paths.some((p) => PRINT_PATH.test(p)),
      receipt: paths.some((p) => RECEIPT_PATH.test(p)),
      shiftPrint: paths.some((p) => SHIFT_PRINT_PATH.test(p)),
    };
  } catch {
    state.features = { print: null, receipt: null, shiftPrint: null }; // unknown: try and report what happens
  }
  return state.features;
}

/** Is a printer with this role set up (from the status bar's printer report)? null: unknown. */
export function hasPrinter(role) {
  const printers = state.status && state.status.printers;
  if (!printers || !Array.isArray(printers.items)) return null;
  return printers.items.some((p) => p.role === role);
}

function sentMessage(what, jobs) {
  const copy = (jobs || []).some((job) => job.copy);
  return `${what} sent to the printer${copy ? " (marked COPY)" : ""}.`;
}

/** Queue a receipt (a second one is marked COPY by the edge) or a kitchen ticket. */
export async function printOrder(api, orderId, kind = "receipt") {
  if (state.features.print === false) return { ok: false, message: PRINTING_UNAVAILABLE };
  try {
    const result = await api.post(`/api/orders/${orderId}/print/`, { kind });
    return { ok: true, result, message: sentMessage(kind === "receipt" ? "Receipt" : "Kitchen ticket", result.jobs) };
  } catch (error) {
    if (error.status === 404 && error.code !== "ORDER_NOT_FOUND" && !/order/i.test(error.message)) {
      state.features.print = false;
      return { ok: false, message: PRINTING_UNAVAILABLE };
    }
    return { ok: false, message: error.message };
  }
}

/** The receipt as printed text, or null when the edge cannot give it. */
export async function receiptText(api, orderId) {
  if (state.features.receipt === false) return null;
  try {
    return await api.request("GET", `/api/orders/${orderId}/receipt/`, { query: { format: "text" }, as: "text" });
  } catch {
    return null;
  }
}

/** Print the shift's report again (X while open, Z once closed; the edge marks repeats COPY). */
export async function printShiftReport(api, shiftId) {
  if (state.features.shiftPrint === false) {
    return { ok: false, message: "Printing the shift report is not available on this outlet server yet; "
      + "keep this screen or note the figures." };
  }
  try {
    const result = await api.post(`/api/shifts/${shiftId}/print/`);
    return { ok: true, result, message: sentMessage("Shift report", result.jobs) };
  } catch (error) {
    return { ok: false, message: error.status === 404 && !/shift/i.test(error.message)
      ? "Printing the shift report is not available on this outlet server yet." : error.message };
  }
}
