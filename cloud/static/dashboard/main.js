// The head-office dashboard: sign in, choose a tenant (platform staff), an outlet and a
// date range, and read the analytics API's figures (docs/dashboard.md).

import { api, ApiError, login, logout, session, whenSessionLost } from "./api.js";
import { loadAlerts } from "./alerts.js";
import { loadSettlements } from "./settlements.js";
import { loadAudit, wireAudit } from "./audit.js";
import { drawRevenue } from "./chart.js";
import { $, $$, h, show } from "./dom.js";
import { format, setCurrency } from "./money.js";
import { renderOnHand, renderReorder } from "./stock.js";
import { renderCustomers, renderKpis, renderOutlets, renderPaymentMethods, renderPrep, renderStatuses,
  renderStocktakes, renderTopProducts, renderMargins, renderUsage } from "./views.js";

import { PLATFORM_ROLES as PLATFORM, ROLE_LABEL as ROLE_NAMES, ROLE_SECTIONS } from "./vocab.js";


const state = {
  user: null,
  sections: new Set(), // the groups of cards the user's role sees (the vocabulary's "dashboard")
  outlets: [], // the outlets the picker offers (the stock cards' "now" figures ask per outlet)
  outletId: "",
  dateFrom: "",
  dateTo: "",
  today: null, // the server's "today" (outlets' local date), learned from the first default report
  period: null, // the revenue chart's bucket; null = chosen from the range's length
  revenue: null,
  loading: 0,
};

// --- dates ------------------------------------------------------------------------------

function isoDay(date) {
  return date.toISOString().slice(0, 10);
}

function addDays(iso, days) {
  const date = new Date(`${iso}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return isoDay(date);
}

function spanDays(from, to) {
  return Math.round((new Date(`${to}T00:00:00Z`) - new Date(`${from}T00:00:00Z`)) / 86400000) + 1;
}

function rangeLabel(from, to) {
  const fmt = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "short", year: "numeric", timeZone: "UTC" });
  const a = fmt.format(new Date(`${from}T00:00:00Z`));
  const b = fmt.format(new Date(`${to}T00:00:00Z`));
  return from === to ? a : `${a} – ${b}`;
}

function autoPeriod(days) {
  return days <= 62 ? "daily" : days <= 190 ? "weekly" : "monthly";
}

// --- screens ----------------------------------------------------------------------------

function showLogin(message = "") {
  show($("#boot"), false);
  show($("#board"), false);
  show($("#login"), true);
  const error = $("#login-error");
  error.textContent = message;
  show(error, Boolean(message));
  $("#login-form [name=username]").focus();
}

function banner(message) {
  const element = $("#banner");
  element.textContent = message || "";
  show(element, Boolean(message));
}

function busy(on) {
  state.loading += on ? 1 : -1;
  const grid = $("#grid");
  grid.setAttribute("aria-busy", state.loading > 0 ? "true" : "false");
  grid.classList.toggle("loading", state.loading > 0);
}

/** Whether the signed-in role sees a group of cards: "sales", "stock", "audit", "alerts",
 *  "notifications" (sync/vocab.py DASHBOARD_SECTIONS, embedded in the page). */
function sees(section) {
  return state.sections.has(section);
}

async function startBoard(user) {
  const sections = (user && ROLE_SECTIONS[user.role]) || new Set();
  if (!sections.size) {
    await logout();
    showLogin("The head-office dashboard is for managers, owners, stockkeepers and head-office staff.");
    return;
  }
  state.user = user;
  state.sections = sections;
  $$("[data-section]").forEach((element) => show(element, sees(element.dataset.section)));
  show($("#login"), false);
  show($("#boot"), false);
  show($("#board"), true);
  $("#user-name").textContent = `${user.username} · ${ROLE_NAMES[user.role] || user.role}`;
  if (PLATFORM.has(user.role)) {
    await setUpTenantPicker();
  } else {
    session.setTenant(null);
  }
  await loadOutlets();
  await refresh();
}

// --- tenant and outlet pickers ----------------------------------------------------------

async function setUpTenantPicker() {
  const pick = $("#tenant-pick");
  const select = $("#tenant-select");
  const input = $("#tenant-input");
  show(pick, true);
  try {
    const tenants = await api.get("/api/tenants/", { page_size: 100, ordering: "name" });
    select.replaceChildren(...tenants.results.map((t) => h("option", { value: t.id }, t.name)));
    show(select, true);
    show(input, false);
    const chosen = session.tenant();
    const known = tenants.results.some((t) => t.id === chosen);
    const id = known ? chosen : tenants.results.length ? tenants.results[0].id : null;
    session.setTenant(id);
    if (id) select.value = String(id);
  } catch (error) {
    // support admins may act on a tenant they are told about, but not list them all
    show(select, false);
    show(input, true);
    input.value = session.tenant() || "";
    if (!session.tenant()) banner("Enter the ID of the tenant to look at.");
  }
}

async function loadOutlets() {
  const select = $("#outlet-select");
  if (!session.tenant() && PLATFORM.has(state.user.role)) {
    select.replaceChildren(h("option", { value: "" }, "All outlets"));
    state.outlets = [];
    return;
  }
  try {
    const outlets = await api.get("/api/outlets/", { page_size: 100, ordering: "name" });
    state.outlets = outlets.results;
    const bound = state.user.outlet_id;
    const options = outlets.results.map((o) => h("option", { value: o.id }, `${o.name} (${o.code})`));
    select.replaceChildren(...(bound ? options : [h("option", { value: "" }, "All outlets"), ...options]));
    select.disabled = Boolean(bound);
    state.outletId = bound ? String(bound) : (outlets.results.some((o) => String(o.id) === state.outletId)
      ? state.outletId : "");
    select.value = state.outletId;
  } catch (error) {
    banner(error.message);
  }
}

// --- loading the reports ----------------------------------------------------------------

function filters() {
  return { outlet_id: state.outletId || undefined, date_from: state.dateFrom || undefined,
    date_to: state.dateTo || undefined };
}

/** The board's frame: the tenant's name and currency, the range the server chose or was
 *  given, and the line that says what the figures cover. */
function frame(tenant, period) {
  if (!state.dateTo && !state.dateFrom) state.today = period.date_to;
  state.dateFrom = period.date_from;
  state.dateTo = period.date_to;
  $("#date-from").value = period.date_from;
  $("#date-to").value = period.date_to;
  setCurrency(tenant.currency);
  $("#tenant-name").textContent = tenant.name;
  document.title = `${tenant.name} · Head office`;
  const outlet = state.outletId ? $("#outlet-select").selectedOptions[0]?.textContent : "All outlets";
  const days = spanDays(period.date_from, period.date_to);
  $("#period-label").textContent = `${outlet} · ${rangeLabel(period.date_from, period.date_to)} `
    + `(${days} day${days === 1 ? "" : "s"})` + (period.previous_from ? " · trends compared with "
    + rangeLabel(period.previous_from, period.previous_to) : "");
}

async function refresh() {
  if (PLATFORM.has(state.user.role) && !session.tenant()) return;
  banner("");
  busy(true);
  try {
    const panels = [];
    if (sees("sales")) {
      const [dashboard, customers] = await Promise.all([
        api.get("/api/analytics/dashboard/", filters()),
        api.get("/api/analytics/customers/", filters()),
      ]);
      frame(dashboard.tenant, dashboard.period);
      renderKpis($("#kpis"), dashboard, customers);
      renderTopProducts($("#top-products"), dashboard.top_products);
      renderPaymentMethods($("#payment-methods"), dashboard.payment_methods);
      renderStatuses($("#status-distribution"), dashboard.status_distribution);
      renderPrep($("#prep-times"), dashboard.prep_times);
      renderOutlets($("#per-outlet"), dashboard.per_outlet);
      renderCustomers($("#customers"), customers);
      panels.push(loadRevenue(), loadPanel("/api/analytics/margins/", "#margins", renderMargins, "Margins"));
    }
    if (sees("stock")) {
      if (sees("sales")) {
        panels.push(loadPanel("/api/stock/usage/", "#usage", renderUsage, "Stock usage"));
      } else { // the usage report frames a stock-only board: its tenant, currency and range
        const usage = await api.get("/api/stock/usage/", filters());
        frame(usage.tenant, usage);
        renderUsage($("#usage"), usage);
      }
      panels.push(loadStocktakes(), loadPerOutlet("/api/stock/", "#on-hand", renderOnHand, "Stock on hand"),
        loadPerOutlet("/api/stock/reorder/", "#reorder", renderReorder, "The reorder list"));
    }
    await Promise.all(panels);
    if (sees("audit")) await loadAudit(filters());
    await loadAlerts(sees("alerts"), banner);
    await loadSettlements(sees("sales"), filters, banner);
    $("#grid").dataset.state = "ready";
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return; // back at the login already
    banner(error.message);
  } finally {
    busy(false);
  }
}

async function loadStocktakes() {
  try {
    const page = await api.get("/api/stocktakes/", { ...filters(), has_variance: "true", page_size: 10 });
    renderStocktakes($("#stocktakes"), page);
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) throw error;
    $("#stocktakes").replaceChildren(h("p", { class: "empty" }, `Stocktakes did not load: ${error.message}`));
  }
}

/** A panel that may fail alone: its message replaces it, the rest of the board stands. */
async function loadPanel(path, selector, render, what) {
  try {
    render($(selector), await api.get(path, filters()));
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) throw error;
    $(selector).replaceChildren(h("p", { class: "empty" }, `${what} did not load: ${error.message}`));
  }
}

/** A "now" card the API answers per outlet: asked for the chosen outlet, or each outlet the
 *  picker offers; it fails alone like any panel. */
async function loadPerOutlet(path, selector, render, what) {
  const outlets = state.outletId ? state.outlets.filter((o) => String(o.id) === state.outletId) : state.outlets;
  try {
    render($(selector), await Promise.all(outlets.map(async (outlet) => ({ outlet,
      page: await api.get(path, { outlet_id: outlet.id, page_size: 100 }) }))));
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) throw error;
    $(selector).replaceChildren(h("p", { class: "empty" }, `${what} did not load: ${error.message}`));
  }
}

async function loadRevenue() {
  const period = state.period || autoPeriod(spanDays(state.dateFrom, state.dateTo));
  $$("#bucket-toggle button").forEach((b) => b.classList.toggle("active", b.dataset.period === period));
  const report = await api.get("/api/analytics/revenue/", { ...filters(), period });
  state.revenue = report;
  drawChart();
  const t = report.totals;
  const unit = { daily: "day", weekly: "week", monthly: "month" }[period];
  $("#revenue-totals").textContent = `${format(t.total_revenue)} from ${t.total_orders} orders · `
    + `${format(t.avg_revenue_per_bucket)} per ${unit} on average`;
}

function drawChart() {
  if (state.revenue) drawRevenue($("#revenue-chart"), state.revenue.data, state.revenue.period, $("#tooltip"));
}

async function download(kind, fileFormat) {
  const query = { ...filters(), format: fileFormat };
  if (kind === "revenue") query.period = state.revenue ? state.revenue.period : "daily";
  await downloadFile(`/api/analytics/${kind}/export/`, query);
}

async function downloadFile(path, query) {
  try {
    const { blob, filename } = await api.download(path, query);
    const url = URL.createObjectURL(blob);
    const link = h("a", { href: url, download: filename });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  } catch (error) {
    banner(error.message);
  }
}

// --- wiring -----------------------------------------------------------------------------

function preset(name) {
  const today = state.today || state.dateTo || isoDay(new Date());
  if (name === "today") return [today, today];
  if (name === "month") return [`${today.slice(0, 8)}01`, today];
  const days = Number(name);
  return [addDays(today, -(days - 1)), today];
}

function wire() {
  whenSessionLost((message) => showLogin(message));

  $("#login-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.currentTarget;
    const button = $("button[type=submit]", form);
    button.disabled = true;
    try {
      const user = await login(form.username.value.trim(), form.password.value);
      form.password.value = "";
      await startBoard(user);
    } catch (error) {
      showLogin(error.status === 401 || error.status === 400 ? "Wrong username or password." : error.message);
    } finally {
      button.disabled = false;
    }
  });

  $("#logout").addEventListener("click", async () => {
    await logout();
    state.user = null;
    state.dateFrom = state.dateTo = "";
    state.outletId = "";
    state.period = null;
    showLogin();
  });

  $("#filters").addEventListener("submit", (event) => {
    event.preventDefault();
    const from = $("#date-from").value;
    const to = $("#date-to").value;
    if (from && to && from > to) {
      banner("The start date must be on or before the end date.");
      return;
    }
    state.dateFrom = from;
    state.dateTo = to;
    refresh();
  });

  $("#outlet-select").addEventListener("change", (event) => {
    state.outletId = event.target.value;
    refresh();
  });

  $("#tenant-select").addEventListener("change", async (event) => {
    session.setTenant(Number(event.target.value));
    state.outletId = "";
    await loadOutlets();
    refresh();
  });

  $("#tenant-input").addEventListener("change", async (event) => {
    const id = Number(event.target.value);
    session.setTenant(Number.isInteger(id) && id > 0 ? id : null);
    state.outletId = "";
    await loadOutlets();
    refresh();
  });

  $$(".presets button").forEach((button) => button.addEventListener("click", () => {
    [state.dateFrom, state.dateTo] = preset(button.dataset.preset);
    $("#date-from").value = state.dateFrom;
    $("#date-to").value = state.dateTo;
    state.period = null;
    refresh();
  }));

  $$("#bucket-toggle button").forEach((button) => button.addEventListener("click", async () => {
    state.period = button.dataset.period;
    busy(true);
    try {
      await loadRevenue();
    } catch (error) {
      banner(error.message);
    } finally {
      busy(false);
    }
  }));

  $$("[data-export]").forEach((button) => button.addEventListener("click", () =>
    download(button.dataset.export, button.dataset.format)));
  wireAudit(filters, downloadFile, banner);

  let resizeTimer = null;
  window.addEventListener("resize", () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(drawChart, 120);
  });
  document.addEventListener("click", () => { $("#tooltip").hidden = true; });
}

async function boot() {
  wire();
  const current = session.load();
  if (current && current.user) {
    try {
      await startBoard(current.user);
      return;
    } catch (error) {
      showLogin(error.message);
      return;
    }
  }
  showLogin();
}

boot();
