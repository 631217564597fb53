// Manager approval: a manager signs in with their PIN inside a dialog; the token they get
// is used for exactly one call (a refund, a cancel) and then revoked.

import { h, modal, replace } from "../dom.js";
import { rememberUser } from "../store.js";
import { loginForm } from "./login.js";

/**
 * Ask for a manager, then run `action(token)`. Resolves with the action's result, or null
 * when the dialog is closed without approval. The action's errors are shown in the dialog.
 */
export function withManagerApproval(app, { title = "Manager approval", explain = "", action }) {
  return new Promise((resolve) => {
    let settled = false;
    const dialog = modal({ title, testid: "manager-dialog", className: "manager-dialog",
      onClose: () => { if (!settled) resolve(null); } });
    const status = h("p", { class: "message message-error", testid: "manager-error", hidden: true });
    const form = loginForm({
      api: app.api, minRole: "manager", submitLabel: "Approve", testid: "manager",
      roleFilter: (user) => ["manager", "tenant_owner"].includes(user.role),
      onSignedIn: async (tokens) => {
        status.hidden = true;
        rememberUser(tokens.user);
        try {
          const result = await action(tokens.access, tokens.user);
          settled = true;
          dialog.close();
          resolve(result);
        } catch (error) {
          status.textContent = error.message;
          status.hidden = false;
        } finally {
          app.api.post("/api/auth/logout/", { refresh: tokens.refresh }, { auth: tokens.access }).catch(() => {});
        }
      },
    });
    replace(dialog.body, explain ? h("p", { class: "explain" }, explain) : null, form.el, status);
    form.focus();
  });
}
