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

/** Queue a receipt (a second one is marked COPY by the edge) or a kitchen ticket. */
export async function printOrder(api, orderId, kind = "receipt") {
  if (state.features.print === false) return { ok: false, message: PRINTING_UNAVAILABLE };
  try {
    const result = await api.post(`/api/orders/${orderId}/print/`, { kind });
    return { ok: true, result,
      message: kind === "receipt" ? "Receipt sent to the printer." : "Kitchen ticket sent to the printer." };
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
