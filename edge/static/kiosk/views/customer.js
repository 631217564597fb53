// Customer lookup by phone, or quick-create; tier and points shown. Works offline (the
// edge keeps customers and syncs new ones later).

import { h, messageLine, modal, replace } from "../dom.js";
import { saveCart, state } from "../store.js";

export function openCustomerDialog(app) {
  const dialog = modal({ title: "Customer", testid: "customer-dialog", className: "customer-dialog" });
  const message = messageLine("customer-message");
  const phone = h("input", { class: "input", type: "tel", inputmode: "tel", autocomplete: "off", maxlength: "30",
    placeholder: "Phone number, e.g. 0812 3456 7890", testid: "customer-phone", "aria-label": "Phone number" });
  const result = h("div", { class: "customer-result", testid: "customer-result" });

  function attach(customer) {
    state.cart.customer = { id: customer.id, name: customer.name, phone: customer.phone,
      membership_tier: customer.membership_tier, points: customer.points };
    if (!state.cart.customerName) state.cart.customerName = customer.name;
    saveCart();
    dialog.close();
  }

  function card(customer) {
    return h("div", { class: "customer-card", testid: "customer-card" },
      h("strong", {}, customer.name),
      h("span", {}, customer.phone),
      h("span", { class: "tier", testid: "customer-tier" }, `${customer.membership_tier} member`),
      h("span", { testid: "customer-points" }, `${customer.points} points · ${customer.total_orders} orders`),
      customer.synced === false ? h("small", { class: "muted" }, "New here; the cloud will learn of them by sync") : null,
      h("button", { type: "button", class: "btn btn-primary", testid: "customer-use", onClick: () => attach(customer) },
        "Use this customer"));
  }

  function createForm(number) {
    const name = h("input", { class: "input", autocomplete: "off", maxlength: "120", placeholder: "Customer's name",
      testid: "customer-new-name", "aria-label": "Customer's name" });
    const create = async () => {
      if (!name.value.trim()) {
        message.set("Enter the customer's name.");
        return;
      }
      message.set(null);
      try {
        attach(await app.api.post("/api/customers/", { name: name.value.trim(), phone: number }));
      } catch (error) {
        message.set(error.message);
      }
    };
    name.addEventListener("keydown", (event) => { if (event.key === "Enter") { event.preventDefault(); create(); } });
    const form = h("div", { class: "customer-new" },
      h("p", {}, `No customer has the number ${number}. Register them:`),
      name,
      h("button", { type: "button", class: "btn btn-primary", testid: "customer-create", onClick: create },
        "Register customer"));
    setTimeout(() => name.focus(), 0);
    return form;
  }

  async function search() {
    const number = phone.value.trim();
    if (!number) {
      message.set("Enter a phone number.");
      return;
    }
    message.set(null);
    replace(result, h("p", { class: "muted" }, "Looking up…"));
    try {
      replace(result, card(await app.api.post("/api/customers/search/", { phone: number })));
    } catch (error) {
      if (error.status === 404) replace(result, createForm(number));
      else {
        replace(result);
        message.set(error.message);
      }
    }
  }

  phone.addEventListener("keydown", (event) => { if (event.key === "Enter") { event.preventDefault(); search(); } });
  const current = state.cart.customer;
  replace(dialog.body,
    current ? h("div", { class: "customer-current" }, `On this sale: ${current.name} (${current.phone})`,
      h("button", { type: "button", class: "btn btn-ghost", testid: "customer-remove", onClick: () => {
        state.cart.customer = null;
        saveCart();
        dialog.close();
      } }, "Remove")) : null,
    h("div", { class: "row" }, phone,
      h("button", { type: "button", class: "btn btn-primary", testid: "customer-search", onClick: search }, "Find")),
    message.el, result);
  phone.focus();
}
