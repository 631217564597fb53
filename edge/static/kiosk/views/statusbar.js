// The status bar: always the truth from GET /api/status/, polled. Cloud online/offline,
// sync backlog (amber/red by age), printer problems, kitchen screens, a full disk or a
// damaged database, and whether this till can reach the outlet server at all.

import { fmtAge, fmtTime, h, replace } from "../dom.js";
import { settings, state } from "../store.js";

const PRINTER_BAD = new Set(["error", "offline", "failed", "paper_out", "paper_end", "cover_open", "unreachable",
  "stalled", "stuck"]);

function pill(testid, level, label, detail, data = {}) {
  return h("span", { class: `pill pill-${level}`, testid, title: detail || label, dataset: { level, ...data } },
    h("span", { class: "dot", "aria-hidden": "true" }), label, detail ? h("small", {}, detail) : null);
}

function cloudPill(status) {
  if (!status.cloud) return pill("status-cloud", "muted", "Cloud: shown after sign-in", null, { online: "unknown" });
  if (status.cloud.online) return pill("status-cloud", "ok", "Online", null, { online: "true" });
  return pill("status-cloud", "warn", "Offline", "selling continues; sales sync later",
    { online: "false" });
}

const RECORD_NAMES = [["sales", "sale", "sales"], ["shifts", "shift", "shifts"], ["customers", "customer", "customers"]];

/** "3 sales, 1 shift": what waits, in the records people count (a sale with its payments
 *  and refunds is one sale), not the events underneath. */
export function describeBacklog(sync) {
  const records = sync.records || sync.pending_records;
  if (records) {
    const parts = RECORD_NAMES.filter(([key]) => records[key] > 0)
      .map(([key, one, many]) => `${records[key]} ${records[key] === 1 ? one : many}`);
    if (parts.length) return parts.join(", ");
  }
  const pending = sync.pending || 0;
  return `${pending} update${pending === 1 ? "" : "s"}`;
}

function syncPill(sync) {
  const pending = sync.pending || 0;
  const dead = sync.dead || 0;
  const age = sync.oldest_pending_age_s;
  const waiting = describeBacklog(sync);
  if (dead > 0) {
    return pill("status-sync", "bad", `Sync: ${pending ? `${waiting} waiting, ` : ""}${dead} failed`,
      "a manager must look at the failed ones", { pending: String(pending), dead: String(dead) });
  }
  if (!pending) return pill("status-sync", "ok", "Sync: all sent", null, { pending: "0" });
  let level = "info";
  if (age !== null && age !== undefined) {
    if (age >= settings.syncRedS) level = "bad";
    else if (age >= settings.syncAmberS) level = "warn";
  }
  return pill("status-sync", level, `Sync: ${waiting} waiting`, age != null ? `oldest ${fmtAge(age)}` : null,
    { pending: String(pending) });
}

/** Printer problems, whatever shape the printing service reports them in. */
export function printerProblems(printers) {
  if (printers === undefined || printers === null) return null;
  if (Array.isArray(printers.problems)) {
    return printers.problems.map((p) => (typeof p === "string" ? p
      : [p.name, p.problem || p.message].filter(Boolean).join(": ") || "printer problem"));
  }
  const list = Array.isArray(printers) ? printers
    : Array.isArray(printers.printers) ? printers.printers
      : Object.entries(printers).filter(([, v]) => v && typeof v === "object").map(([name, v]) => ({ name, ...v }));
  const problems = [];
  for (const printer of list) {
    const condition = String(printer.status || printer.state || "").toLowerCase();
    if (printer.ok === false || printer.problem || PRINTER_BAD.has(condition) || (printer.failed_jobs || 0) > 0) {
      problems.push(`${printer.name || "printer"}: ${printer.problem || printer.message || condition || "not working"}`);
    }
  }
  return problems;
}

function printersPill(status) {
  const problems = printerProblems(status.printers);
  if (problems === null) return pill("status-printers", "muted", "Printers: not reported");
  if (status.printers.count === 0) return pill("status-printers", "muted", "No printers set up");
  if (!problems.length) return pill("status-printers", "ok", "Printers OK");
  return pill("status-printers", "bad", problems.length === 1 ? "Printer problem" : `${problems.length} printer problems`,
    problems.join("; "));
}

function kitchenPill(status) {
  const kitchen = status.kitchen;
  if (kitchen === undefined || kitchen === null) return pill("status-kitchen", "muted", "Kitchen: not reported");
  const screens = typeof kitchen === "number" ? kitchen
    : kitchen.screens ?? kitchen.connected_screens ?? kitchen.clients ?? (kitchen.connected === true ? 1 : kitchen.connected);
  if (typeof screens === "number") {
    return screens > 0
      ? pill("status-kitchen", "ok", `Kitchen: ${screens} screen${screens === 1 ? "" : "s"}`)
      : pill("status-kitchen", "warn", "Kitchen: no screen connected", "tickets still print and wait for a screen");
  }
  if (kitchen.connected === false) return pill("status-kitchen", "warn", "Kitchen: no screen connected");
  return pill("status-kitchen", "ok", "Kitchen: connected");
}

/** Storage problems only: a full disk (sales are not saved), a damaged database (selling
 *  stopped), little space left. Nothing when all is well. */
function storagePill(storage) {
  if (!storage || !storage.state || storage.state === "ok") return null;
  if (storage.state === "full") {
    return pill("status-storage", "bad", "Disk full: sales are NOT saved", "free space on the till; selling resumes by itself",
      { state: "full" });
  }
  if (storage.state === "damaged") {
    return pill("status-storage", "bad", "Database damaged: selling stopped", storage.message || "a manager must repair it",
      { state: "damaged" });
  }
  return pill("status-storage", "warn", "Disk space low", storage.message, { state: storage.state });
}

export function renderStatusBar(el) {
  const parts = [];
  if (state.statusError) {
    // Nothing else can be known without the outlet server: show only that.
    parts.push(pill("status-edge", "bad", "Outlet server unreachable",
      state.statusAt ? `last answer ${fmtTime(new Date(state.statusAt).toISOString())}; the sale in progress is kept`
        : state.statusError));
  } else if (state.status) {
    parts.push(cloudPill(state.status), syncPill(state.status.sync || {}), printersPill(state.status),
      kitchenPill(state.status));
    const storage = storagePill(state.status.storage);
    if (storage) parts.unshift(storage);
    const late = (state.status.payments || {}).late_to_give_back || 0;
    if (late > 0) {
      parts.push(pill("status-late-payments", "warn", `${late} late QRIS payment${late === 1 ? "" : "s"} to give back`,
        "paid after the QR was cancelled or expired: a manager gives the money back through the gateway"));
    }
  } else {
    parts.push(pill("status-cloud", "muted", "Checking…"));
  }
  const who = state.session ? `${state.session.user.full_name || state.session.user.username}` : "signed out";
  parts.push(h("span", { class: "statusbar-right" }, `Till ${state.terminal} · ${who}`));
  replace(el, parts);
  el.dataset.online = state.status && state.status.cloud && state.status.cloud.online ? "true" : "false";
}
