// Sign in with username + PIN (on-screen keypad) or username + password. Used for the
// till's own sign-in and, inside a dialog, for a manager's approval.

import { h, keypad, messageLine } from "../dom.js";
import { recentUsers } from "../store.js";

export const RANK = { kitchen: 1, cashier: 2, manager: 3, tenant_owner: 4, admin: 5, super_admin: 6 };
/** Roles in the words staff use ("Owner", never "tenant_owner"). */
export const ROLE_NAMES = { kitchen: "Kitchen", cashier: "Cashier", manager: "Manager", tenant_owner: "Owner",
  admin: "Support admin", super_admin: "Platform admin" };
export const roleName = (role) => ROLE_NAMES[role] || role;

/**
 * A sign-in form. `onSignedIn(tokens)` gets the login response ({access, refresh, user});
 * `minRole` refuses weaker accounts with a clear message (`alsoRoles` are let in whatever their rank).
 * Returns {el, focus}.
 */
export function loginForm({ api, onSignedIn, minRole = "cashier", alsoRoles = [], submitLabel = "Sign in",
  testid = "login", usernameHint = "", roleFilter = null }) {
  const message = messageLine(`${testid}-message`);
  let method = "pin";
  let busy = false;

  const username = h("input", { class: "input", name: "username", autocomplete: "off", autocapitalize: "none",
    spellcheck: "false", placeholder: "Username", testid: `${testid}-username`, value: usernameHint });
  const pin = h("input", { class: "input pin-input", type: "password", inputmode: "none", autocomplete: "off",
    maxlength: "6", placeholder: "••••", "aria-label": "PIN", testid: `${testid}-pin` });
  const password = h("input", { class: "input", type: "password", autocomplete: "off", placeholder: "Password",
    "aria-label": "Password", testid: `${testid}-password` });

  const pad = keypad({
    maxLength: 6, extra: "clear", testid: `${testid}-keypad`, enterLabel: submitLabel,
    onChange: (digits) => { pin.value = digits; },
    onEnter: () => submit(),
  });
  pin.addEventListener("input", () => {
    const digits = pin.value.replace(/\D/g, "").slice(0, 6);
    if (digits !== pad.value) pad.set(digits);
  });

  const submitButton = h("button", { type: "submit", class: "btn btn-primary btn-block", testid: `${testid}-submit` },
    submitLabel);
  const pinPane = h("div", { class: "login-pane" }, pin, pad.el);
  const passwordPane = h("div", { class: "login-pane", hidden: true }, password, submitButton);

  const tabPin = h("button", { type: "button", class: "tab active", testid: `${testid}-use-pin`,
    onClick: () => choose("pin") }, "PIN");
  const tabPassword = h("button", { type: "button", class: "tab", testid: `${testid}-use-password`,
    onClick: () => choose("password") }, "Password");

  function choose(which) {
    method = which;
    pinPane.hidden = which !== "pin";
    passwordPane.hidden = which !== "password";
    tabPin.classList.toggle("active", which === "pin");
    tabPassword.classList.toggle("active", which === "password");
    message.set(null);
    (which === "pin" ? pin : password).focus();
  }

  // Tap-your-name tiles: people who signed in here recently first, then the outlet's staff.
  const tiles = h("div", { class: "user-tiles", testid: `${testid}-recent`, hidden: true });
  function renderTiles(users) {
    const shown = users.filter((u) => !roleFilter || roleFilter(u)).slice(0, 12);
    tiles.replaceChildren(...shown.map((user) => h("button", {
      type: "button", class: "user-tile", dataset: { username: user.username },
      onClick: (event) => {
        username.value = user.username;
        for (const tile of tiles.querySelectorAll(".user-tile")) tile.classList.toggle("active", tile === event.currentTarget);
        pad.set("");
        choose(user.has_pin === false ? "password" : method);
      },
    }, h("span", { class: "avatar" }, (user.name || user.username).slice(0, 1).toUpperCase()),
    h("span", {}, user.name || user.username), h("small", { testid: "user-role" }, roleName(user.role)))));
    tiles.hidden = shown.length === 0;
  }
  const recent = recentUsers();
  renderTiles(recent);
  api.get("/api/auth/users/", { auth: null }).then((staff) => {
    const known = new Set(recent.map((u) => u.username));
    const byName = new Map(staff.map((u) => [u.username, u]));
    renderTiles([
      ...recent.filter((u) => byName.has(u.username)).map((u) => ({ ...u, has_pin: byName.get(u.username).has_pin })),
      ...staff.filter((u) => !known.has(u.username)).map((u) => ({ username: u.username, name: u.full_name,
        role: u.role, has_pin: u.has_pin })),
    ]);
  }).catch(() => { /* offline from the edge: the recent list stays */ });

  async function submit() {
    if (busy) return;
    const name = username.value.trim();
    if (!name) {
      message.set("Enter your username first (or tap your name).");
      username.focus();
      return;
    }
    const body = { username: name };
    if (method === "pin") {
      if (!/^\d{4,6}$/.test(pin.value)) {
        message.set("A PIN has 4 to 6 digits.");
        return;
      }
      body.pin = pin.value;
    } else {
      if (!password.value) {
        message.set("Enter the password.");
        return;
      }
      body.password = password.value;
    }
    busy = true;
    form.classList.add("busy");
    message.set(null);
    try {
      const tokens = await api.post("/api/auth/login/", body, { auth: null });
      if ((RANK[tokens.user.role] || 0) < RANK[minRole] && !alsoRoles.includes(tokens.user.role)) {
        message.set(minRole === "manager"
          ? `${tokens.user.full_name || tokens.user.username} signs in as ${roleName(tokens.user.role)}; a manager must approve this.`
          : `A ${roleName(tokens.user.role)} account cannot use the till; sign in with a cashier account.`);
        api.post("/api/auth/logout/", { refresh: tokens.refresh }, { auth: tokens.access }).catch(() => {});
        pad.set("");
        password.value = "";
        return;
      }
      pad.set("");
      password.value = "";
      await onSignedIn(tokens);
    } catch (error) {
      message.set(error.message);
      pad.set("");
    } finally {
      busy = false;
      form.classList.remove("busy");
    }
  }

  const form = h("form", { class: "login-form", testid, onSubmit: (event) => { event.preventDefault(); submit(); } },
    tiles,
    h("label", { class: "field" }, h("span", {}, "Username"), username),
    h("div", { class: "tabs" }, tabPin, tabPassword),
    pinPane, passwordPane, message.el);
  // Enter in the PIN box signs in, like the keypad's button.
  pin.addEventListener("keydown", (event) => { if (event.key === "Enter") { event.preventDefault(); submit(); } });

  return {
    el: form,
    focus() {
      (username.value ? pin : username).focus();
    },
  };
}
