// The notifications page: the tenant's templates (edit, preview, save), a test send, and
// the messages with their status, refreshed every few seconds. Everything comes from
// /api/notifications/…; text is always set as text (dom.js), never as HTML.

import { api, ApiError, login, logout, session, whenSessionLost } from "./api.js";
import { $, h, show } from "./dom.js";

import { ROLE_SECTIONS } from "./vocab.js";

const TYPES = ["order_created", "payment_received", "production_complete", "order_ready", "payment_reminder",
  "order_cancelled", "order_refunded"];
const REFRESH_MS = 3000;
const BASE = "/api/notifications";
let editing = null; // the template being edited (null: a new one)
let timer = null;

function describe(error) {
  if (!(error instanceof ApiError)) return String(error);
  const where = [error.field, error.line ? `line ${error.line}` : null].filter(Boolean).join(", ");
  return `${error.message} (${error.code}${where ? `, ${where}` : ""})`;
}

function banner(message) {
  const element = $("#banner");
  element.textContent = message || "";
  show(element, Boolean(message));
}

function formValues(form) {
  const data = new FormData(form);
  return {
    name: data.get("name").trim(), type: data.get("type"), channel: data.get("channel"),
    subject: data.get("channel") === "email" ? data.get("subject") : "", body: data.get("body"),
    is_default: form.elements.is_default.checked, is_active: form.elements.is_active.checked,
  };
}

function fillForm(template) {
  const form = $("#template-form");
  editing = template;
  $("#form-title").textContent = template ? `Edit “${template.name}”` : "New template";
  form.elements.name.value = template ? template.name : "";
  form.elements.type.value = template ? template.type : "payment_received";
  form.elements.channel.value = template ? template.channel : "whatsapp";
  form.elements.subject.value = template ? template.subject : "";
  form.elements.body.value = template ? template.body : "";
  form.elements.is_default.checked = template ? template.is_default : false;
  form.elements.is_active.checked = template ? template.is_active : true;
  $("#variables").textContent = template ? `Uses: ${template.variables.join(", ") || "no variables"}` : "";
  show($("#form-error"), false);
  show($("#preview-box"), false);
  syncSubject();
}

function syncSubject() {
  show($("#subject-label"), $("#template-form").elements.channel.value === "email");
}

function showPreview(rendered) {
  $("#preview-subject").textContent = rendered.subject ? `Subject: ${rendered.subject}` : "";
  $("#preview-text").textContent = rendered.text;
  show($("#preview-box"), true);
}

function formError(error) {
  const element = $("#form-error");
  element.textContent = describe(error);
  show(element, true);
}

async function loadTemplates() {
  const list = await api.get(`${BASE}/templates/`, { page_size: 100 });
  const rows = list.results.map((template) => h("tr", { dataset: { id: template.id } },
    h("td", {}, template.name), h("td", {}, template.type), h("td", {}, template.channel),
    h("td", {}, template.is_default ? "yes" : ""), h("td", {}, template.is_active ? "yes" : "no"),
    h("td", {}, h("button", { type: "button", class: "ghost small", onclick: () => fillForm(template) }, "Edit"))));
  $("#template-rows").replaceChildren(...rows);
  show($("#templates-empty"), rows.length === 0);
  const select = $("#test-form").elements.template_id;
  const chosen = select.value;
  select.replaceChildren(h("option", { value: "" }, "— none: send the message below —"),
    ...list.results.map((t) => h("option", { value: t.id }, `${t.name} (${t.channel})`)));
  select.value = chosen;
}

function when(iso) {
  return iso ? new Date(iso).toLocaleString("id-ID", { dateStyle: "short", timeStyle: "medium" }) : "";
}

async function loadMessages() {
  const status = $("#status-filter").value;
  const list = await api.get(`${BASE}/history/`, { page_size: 50, status });
  const rows = list.results.map((message) => h("tr", { dataset: { id: message.id, status: message.status } },
    h("td", {}, when(message.created_at)), h("td", {}, message.channel), h("td", {}, message.recipient),
    h("td", {}, message.order_code), h("td", {}, message.template_name || (message.type ? message.type : "test")),
    h("td", {}, h("span", { class: `status status-${message.status}`, title: message.body }, message.status)),
    h("td", { class: "num" }, message.attempts), h("td", { class: "small" },
      message.last_error_code ? `${message.last_error_code}: ${message.last_error}` : "")));
  $("#message-rows").replaceChildren(...rows);
  show($("#messages-empty"), rows.length === 0);
}

async function refresh() {
  try {
    await Promise.all([loadTemplates(), loadMessages()]);
    banner("");
  } catch (error) {
    banner(describe(error));
  }
}

async function onSave(event) {
  event.preventDefault();
  const values = formValues(event.target);
  try {
    const saved = editing ? await api.patch(`${BASE}/templates/${editing.id}/`, values)
      : await api.post(`${BASE}/templates/`, values);
    fillForm(saved);
    showPreview(saved.preview);
    await loadTemplates();
  } catch (error) {
    formError(error);
  }
}

async function onPreview() {
  const values = formValues($("#template-form"));
  try {
    showPreview(await api.post(`${BASE}/templates/preview/`, {
      type: values.type, channel: values.channel, subject: values.subject, body: values.body }));
    show($("#form-error"), false);
  } catch (error) {
    show($("#preview-box"), false);
    formError(error);
  }
}

async function onTest(event) {
  event.preventDefault();
  const data = new FormData(event.target);
  const body = { channel: data.get("channel"), recipient: data.get("recipient").trim() };
  if (data.get("template_id")) body.template_id = Number(data.get("template_id"));
  else body.message = data.get("message");
  const result = $("#test-result");
  try {
    const queued = await api.post(`${BASE}/test/`, body);
    result.textContent = `Queued message ${queued.id} to ${queued.recipient}; its status shows below.`;
    await loadMessages();
  } catch (error) {
    result.textContent = describe(error);
  }
  show(result, true);
}

async function enter(user) {
  if (!user || !ROLE_SECTIONS[user.role]?.has("notifications")) { // the vocabulary's dashboard groups
    await logout();
    leave("The notifications page is for managers, owners and head-office staff.");
    return;
  }
  show($("#login"), false);
  show($("#board"), true);
  $("#user-name").textContent = user ? `${user.username} (${user.role})` : "";
  refresh();
  clearInterval(timer);
  timer = setInterval(loadMessages, REFRESH_MS);
}

function leave(message) {
  clearInterval(timer);
  show($("#board"), false);
  show($("#login"), true);
  const error = $("#login-error");
  error.textContent = message || "";
  show(error, Boolean(message));
}

function start() {
  const type = $("#template-form").elements.type;
  type.replaceChildren(...TYPES.map((name) => h("option", { value: name }, name)));
  fillForm(null);
  $("#template-form").elements.channel.addEventListener("change", syncSubject);
  $("#template-form").addEventListener("submit", onSave);
  $("#preview").addEventListener("click", onPreview);
  $("#new-template").addEventListener("click", () => fillForm(null));
  $("#test-form").addEventListener("submit", onTest);
  $("#refresh").addEventListener("click", refresh);
  $("#status-filter").addEventListener("change", loadMessages);
  $("#logout").addEventListener("click", async () => { await logout(); leave(""); });
  $("#login-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(event.target);
    try {
      await enter(await login(data.get("username").trim(), data.get("password")));
    } catch (error) {
      leave(describe(error));
    }
  });
  whenSessionLost(leave);
  const current = session.load();
  if (current && current.access) enter(current.user);
  else leave("");
}

start();
