// Sold out at the till ("86"): the products and modifiers of this outlet's menu with a
// switch each. A manager switches at once; a cashier's switch asks for a manager's PIN.
// Every till, self-order screen and kitchen screen hears the change over Socket.IO
// (live.js), so this dialog redraws from the shared menu like they do.

import { h, modal, replace, toast } from "../dom.js";
import { on, state } from "../store.js";
import { withManagerApproval } from "./approval.js";

const MANAGERS = ["manager", "tenant_owner"];

/** The menu's modifiers by name: each product may have its own "Extra cheese", and the
 *  cheese running out runs out for all of them, so one switch marks every id. */
function menuModifiers() {
  const byName = new Map();
  for (const product of state.products) {
    for (const group of product.modifier_groups) {
      for (const m of group.modifiers) {
        const entry = byName.get(m.name) || { name: m.name, ids: new Set(), out: new Set(), groups: new Set() };
        entry.ids.add(m.id);
        if (m.sold_out) entry.out.add(m.id);
        entry.groups.add(group.name);
        byName.set(m.name, entry);
      }
    }
  }
  return [...byName.values()].map((e) => ({ name: e.name, ids: [...e.ids], sold_out: e.out.size === e.ids.size,
    group: [...e.groups].join(", ") }));
}

/** Apply a `sold_out_changed` event (or a PUT's answer) to the menu the till holds. */
export function applySoldOut(change) {
  const flag = (item) => {
    item.sold_out = change.sold_out;
    item.is_available = !change.sold_out;
  };
  for (const product of state.products) {
    if (change.target === "product" && product.id === change.id) flag(product);
    if (change.target === "modifier") {
      for (const group of product.modifier_groups) {
        for (const m of group.modifiers) if (m.id === change.id) flag(m);
      }
    }
  }
}

/** Mark or unmark every id of `item` (a product: one; a modifier name: each product's). */
async function setSoldOut(app, target, item, soldOut) {
  const ids = item.ids || [item.id];
  const putAll = async (token) => {
    const answers = [];
    for (const id of ids) {
      answers.push(await app.api.put("/api/sold-out/", { target, id, sold_out: soldOut },
        token ? { auth: token } : undefined));
    }
    return answers;
  };
  const role = state.session && state.session.user && state.session.user.role;
  return MANAGERS.includes(role) ? putAll()
    : withManagerApproval(app, { title: soldOut ? `86 ${item.name}` : `${item.name} back on sale`,
      explain: "A manager marks items sold out.", action: (token) => putAll(token) });
}

export function openSoldOutDialog(app) {
  const dialog = modal({ title: "Sold out (86)", testid: "soldout-dialog", className: "soldout-dialog",
    onClose: () => off() });
  const list = h("div", { class: "soldout-list" });

  function row(target, item, note) {
    const out = Boolean(item.sold_out);
    return h("div", { class: `soldout-row${out ? " is-out" : ""}`, dataset: { target, name: item.name } },
      h("span", { class: "soldout-name" }, item.name, note ? h("small", {}, ` · ${note}`) : null),
      h("button", { type: "button", class: `btn ${out ? "btn-secondary" : "btn-danger"}`,
        testid: `soldout-toggle`, "aria-pressed": String(out),
        onClick: async (event) => {
          event.currentTarget.disabled = true;
          try {
            const answers = await setSoldOut(app, target, item, !out);
            (answers || []).forEach(applySoldOut);
          } catch (error) {
            toast(error.message, "error");
          }
          render();
        } }, out ? "Back on sale" : "86 it"));
  }

  function render() {
    replace(list,
      h("h3", {}, "Products"),
      state.products.map((p) => row("product", p, p.category_name)),
      h("h3", {}, "Options"),
      menuModifiers().map((m) => row("modifier", m, m.group)));
  }

  const off = on("menu", render);
  replace(dialog.body, list);
  render();
  return dialog;
}
