// Small DOM helpers: an element builder, toasts, modal dialogs and the on-screen keypad.

/** h("button", {class: "x", onClick}, "text", child...) -> element. `null`/`false` children are skipped. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") {
      el.addEventListener(key.slice(2).toLowerCase(), value);
    } else if (key === "class") {
      el.className = value;
    } else if (key === "dataset") {
      Object.assign(el.dataset, value);
    } else if (key === "testid") {
      el.dataset.testid = value;
    } else if (key === "value") {
      el.value = value;
    } else if (value === true) {
      el.setAttribute(key, "");
    } else {
      el.setAttribute(key, String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

export function toast(message, kind = "info", ms = kind === "error" ? 6000 : 3000) {
  const box = document.getElementById("toasts");
  const el = h("div", { class: `toast toast-${kind}`, role: kind === "error" ? "alert" : "status", testid: "toast" },
    message);
  box.append(el);
  setTimeout(() => el.remove(), ms);
}

/** A modal dialog. Returns {el, body, close}; `onClose` runs once when it goes away. */
export function modal({ title, className = "", testid, onClose, dismissable = true }) {
  const root = document.getElementById("overlays");
  const body = h("div", { class: "modal-body" });
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    backdrop.remove();
    if (onClose) onClose();
  };
  const header = h("div", { class: "modal-head" },
    h("h2", {}, title),
    dismissable ? h("button", { class: "btn btn-ghost modal-x", "aria-label": "Close", testid: "modal-close",
      onClick: close }, "✕") : null);
  const dialog = h("div", { class: `modal ${className}`, role: "dialog", "aria-modal": "true", "aria-label": title,
    testid }, header, body);
  const backdrop = h("div", { class: "backdrop" }, dialog);
  if (dismissable) {
    backdrop.addEventListener("click", (event) => { if (event.target === backdrop) close(); });
  }
  root.append(backdrop);
  return { el: dialog, body, close, get closed() { return closed; } };
}

/** Ask before doing something that cannot be taken back. Resolves true (confirmed) or false. */
export function confirmDialog({ title, text, confirm = "Yes", cancel = "No", testid = "confirm", danger = true }) {
  return new Promise((resolve) => {
    let answered = false;
    const dialog = modal({ title, testid, onClose: () => { if (!answered) resolve(false); } });
    const answer = (value) => { answered = true; dialog.close(); resolve(value); };
    const yes = h("button", { type: "button", class: `btn btn-lg ${danger ? "btn-danger" : "btn-primary"}`,
      testid: `${testid}-yes`, onClick: () => answer(true) }, confirm);
    replace(dialog.body, h("p", { testid: `${testid}-text` }, text), h("div", { class: "row-end" },
      h("button", { type: "button", class: "btn btn-secondary btn-lg", testid: `${testid}-no`,
        onClick: () => answer(false) }, cancel), yes));
    yes.focus();
  });
}

export function closeAllModals() {
  document.getElementById("overlays").replaceChildren();
}

/** A message line that shows an API error (verbatim) or a hint; `set(null)` clears it. */
export function messageLine(testid) {
  const el = h("p", { class: "message", testid, role: "alert", hidden: true });
  return {
    el,
    set(text, kind = "error") {
      el.hidden = !text;
      el.textContent = text || "";
      el.className = `message message-${kind}`;
    },
  };
}

/** A touch keypad that edits a digit string. `maxLength` caps it; `extra` adds keys like "00". */
export function keypad({ onChange, onEnter, maxLength = 12, extra = "00", testid = "keypad", enterLabel = null,
  initial = "" }) {
  let digits = initial;
  const emit = () => onChange(digits);
  const press = (key) => {
    if (key === "back") digits = digits.slice(0, -1);
    else if (key === "clear") digits = "";
    else if (digits.length + key.length <= maxLength) digits = (digits + key).replace(/^0+(?=\d)/, "");
    emit();
  };
  const keys = ["1", "2", "3", "4", "5", "6", "7", "8", "9", extra ? extra : "clear", "0", "back"];
  const pad = h("div", { class: "keypad", testid },
    keys.map((key) => h("button", {
      type: "button", class: `key key-${key}`, dataset: { key },
      "aria-label": key === "back" ? "Delete" : key === "clear" ? "Clear" : key,
      onClick: () => press(key),
    }, key === "back" ? "⌫" : key === "clear" ? "C" : key)),
    enterLabel ? h("button", { type: "button", class: "key key-enter btn-primary", dataset: { key: "enter" },
      onClick: () => onEnter && onEnter(digits) }, enterLabel) : null);
  return {
    el: pad,
    get value() { return digits; },
    set(value) { digits = String(value || ""); emit(); },
    press,
  };
}

// One clock: every time on the till is the outlet's (as on its receipts), whatever the
// device's own time zone. Set from GET /api/outlet/ (cached for the lock screen).
let timeZone;

export function setTimeZone(zone) {
  try {
    new Intl.DateTimeFormat("en-GB", { timeZone: zone }).format(0);
    timeZone = zone;
  } catch {
    timeZone = undefined; // unknown to this browser: its own zone rather than nothing
  }
}

export function fmtTime(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  return date.toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit", timeZone });
}

export function fmtDateTime(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  return `${date.toLocaleDateString("en-GB", { day: "2-digit", month: "short", timeZone })} ${fmtTime(iso)}`;
}

export function fmtAge(seconds) {
  if (seconds === null || seconds === undefined) return "";
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)} h ${Math.floor((seconds % 3600) / 60)} min`;
  return `${Math.floor(seconds / 86400)} d`;
}
