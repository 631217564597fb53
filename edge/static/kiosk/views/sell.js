// The selling screen: product grid by category with search and SKU/barcode entry, and
// the cart priced by the edge (POST /api/orders/quote/) as it changes.

import { format, toMinor } from "../money.js";
import { confirmDialog, h, keypad, messageLine, modal, replace, toast } from "../dom.js";
import {
  MAX_QUANTITY, QUANTITY_LIMIT_MESSAGE, addToCart, cartItems, keepCart, lineUnitMinor, on, resetCart, saveCart,
  setLineNote, setQuantity, settings, state,
} from "../store.js";
import { openModifierDialog } from "./modifiers.js";
import { openCustomerDialog } from "./customer.js";

let quote = null; // {forVersion, data} — the edge's pricing of the cart
let quoteError = null;
let quoteSeq = 0;
let quoteTimer = null;

export function findByCode(code) {
  const wanted = code.trim().toLowerCase();
  if (!wanted) return null;
  return state.products.find((p) => p.sku.toLowerCase() === wanted || (p.barcode && p.barcode.toLowerCase() === wanted))
    || null;
}

/** The line under a product's price: sold out, out of stock (the outlet's zero-stock rule), or its options. */
function productMeta(product) {
  if (!product.is_available) return product.out_of_stock && !product.sold_out ? "Out of stock" : "Sold out";
  if (product.out_of_stock) return "Stock at 0";
  return product.modifier_groups.length ? "options" : "";
}

/** Add a product: straight in when it has no choices, through the dialog when it has. */
export function offerProduct(product, { large = false } = {}) {
  if (!product.is_available) {
    toast(`${product.name} is ${product.out_of_stock ? "out of stock" : "sold out"}`, "error");
    return;
  }
  if (product.out_of_stock) toast(`${product.name}: the stock count is at zero. Check before selling.`, "warn", 4000);
  if (product.modifier_groups.length) {
    openModifierDialog(product, {
      large,
      onAdd: ({ modifiers, note, quantity }) => addToCart(product, modifiers, note, quantity),
    });
  } else {
    addToCart(product);
  }
}

/** A scanned or typed SKU/barcode: the local menu first, then the edge (it may know newer codes). */
export async function addByCode(app, code) {
  let product = findByCode(code);
  if (!product) {
    try {
      const found = await app.api.get("/api/products/", { query: { code: code.trim() } });
      product = found.results[0] || null;
    } catch (error) {
      toast(error.message, "error");
      return false;
    }
  }
  if (!product) {
    toast(`No product has the code ${code.trim()}`, "error");
    return false;
  }
  offerProduct(product);
  return true;
}

// --- pricing ----------------------------------------------------------------------------

export function currentQuote() {
  return quote && quote.forVersion === state.cart.version ? quote.data : null;
}

export function rejectedCodes() {
  const q = currentQuote();
  return q ? q.rejections.map((r) => r.code.toUpperCase()) : [];
}

export function requestQuote(app, delay = 120) {
  clearTimeout(quoteTimer);
  quoteTimer = setTimeout(() => runQuote(app), delay);
}

async function runQuote(app) {
  const cart = state.cart;
  if (!cart.lines.length || !state.session) {
    quote = null;
    quoteError = null;
    app.emitQuote();
    return;
  }
  const seq = ++quoteSeq;
  const version = cart.version;
  const body = { items: cartItems(), promo_codes: cart.promoCodes };
  if (cart.customer) body.customer_id = cart.customer.id;
  try {
    const data = await app.api.post("/api/orders/quote/", body);
    if (seq !== quoteSeq) return;
    quote = { forVersion: version, data };
    quoteError = null;
  } catch (error) {
    if (seq !== quoteSeq) return;
    quoteError = error.message;
    if (error.code === "OUT_OF_STOCK") app.loadMenu(); // the grid shows what the outlet refused
  }
  app.emitQuote();
}

// --- the view ---------------------------------------------------------------------------

export function sellScreen(app, { large = false } = {}) {
  let category = null;
  let search = "";

  const searchInput = h("input", { class: "input search", type: "search", autocomplete: "off", spellcheck: "false",
    placeholder: large ? "Search the menu" : "Search, or type a SKU / barcode and press Enter", testid: "product-search",
    "aria-label": "Search products or enter a SKU or barcode" });
  const categoryBar = h("div", { class: "categories", role: "tablist", testid: "categories" });
  const grid = h("div", { class: "product-grid", testid: "product-grid" });
  const lines = h("ul", { class: "cart-lines", testid: "cart-lines" });
  const totals = h("div", { class: "totals", testid: "cart-totals" });
  const promos = h("div", { class: "promos", testid: "cart-promos" });
  const quoteMessage = messageLine("quote-message");
  const payButton = h("button", { type: "button", class: "btn btn-primary btn-lg pay-button", testid: "pay-button",
    onClick: () => app.checkout() });
  const laterButton = settings.mode === "cashier" ? h("button", { type: "button", class: "btn btn-secondary",
    testid: "pay-later", title: "Send to the kitchen now and take payment later (e.g. dine-in)",
    onClick: () => app.sendToKitchenPayLater() }, "Kitchen now, pay later") : null;

  searchInput.addEventListener("input", () => { search = searchInput.value.trim().toLowerCase(); renderGrid(); });
  searchInput.addEventListener("keydown", async (event) => {
    if (event.key !== "Enter") return;
    event.preventDefault();
    const text = searchInput.value.trim();
    if (!text) return;
    const exact = findByCode(text);
    const matches = visibleProducts();
    if (exact) offerProduct(exact, { large });
    else if (matches.length === 1) offerProduct(matches[0], { large });
    else if (!(await addByCode(app, text))) return;
    searchInput.value = "";
    search = "";
    renderGrid();
  });

  function visibleProducts() {
    return state.products.filter((p) => (category === null || p.category_id === category)
      && (!search || p.name.toLowerCase().includes(search) || p.sku.toLowerCase().includes(search)
        || (p.barcode || "").toLowerCase() === search));
  }

  function renderCategories() {
    const button = (id, name) => h("button", {
      type: "button", role: "tab", class: `chip${category === id ? " active" : ""}`, "aria-selected": String(category === id),
      dataset: { category: name }, onClick: () => { category = id; renderCategories(); renderGrid(); },
    }, name);
    replace(categoryBar, button(null, "All"), state.categories.map((c) => button(c.id, c.name)));
  }

  function renderGrid() {
    const products = visibleProducts();
    replace(grid, products.length ? products.map((p) => h("button", {
      type: "button", class: `product${p.is_available ? (p.out_of_stock ? " low-stock" : "") : " sold-out"}`,
      disabled: !p.is_available, "aria-disabled": String(!p.is_available),
      dataset: { sku: p.sku, productId: String(p.id), options: String(p.modifier_groups.length > 0) },
      "aria-label": `${p.name}, ${format(p.price)}${p.is_available ? (p.out_of_stock ? ", out of stock" : "")
        : ", sold out"}`,
      onClick: () => offerProduct(p, { large }),
    },
    h("span", { class: "product-name" }, p.name),
    h("span", { class: "product-price" }, format(p.price)),
    h("span", { class: "product-meta" }, productMeta(p))))
      : h("p", { class: "empty" }, state.products.length ? "Nothing matches the search." : "Loading the menu…"));
  }

  function lineView(line) {
    // The line at its own price: a promotion is one discount line under the items (as on
    // the receipt), never spread into odd per-line prices; storage keeps the allocation.
    const gross = lineUnitMinor(line) * line.quantity;
    return h("li", { class: "cart-line", dataset: { key: line.key, product: line.name } },
      h("button", { type: "button", class: "line-main", title: "Change options or note",
        onClick: () => editLine(line) },
      h("span", { class: "line-name" }, line.name),
      line.modifiers.length ? h("small", { class: "line-mods" }, line.modifiers.map((m) => m.name).join(", ")) : null,
      line.note ? h("small", { class: "line-note" }, `“${line.note}”`) : null),
      h("div", { class: "line-qty" },
        h("button", { type: "button", class: "btn step", "aria-label": `One less ${line.name}`, testid: "line-minus",
          onClick: () => setQuantity(line.key, line.quantity - 1) }, line.quantity === 1 ? "✕" : "−"),
        h("button", { type: "button", class: "qty qty-button", testid: "line-qty", title: "Type the quantity",
          "aria-label": `${line.quantity} ${line.name}: type the quantity`, onClick: () => editQuantity(line) },
        String(line.quantity)),
        h("button", { type: "button", class: "btn step", "aria-label": `One more ${line.name}`, testid: "line-plus",
          disabled: line.quantity >= MAX_QUANTITY, title: line.quantity >= MAX_QUANTITY ? QUANTITY_LIMIT_MESSAGE : null,
          onClick: () => setQuantity(line.key, line.quantity + 1) }, "+")),
      h("div", { class: "line-amount" }, h("span", { testid: "line-total" }, format(gross))));
  }

  function editQuantity(line) {
    const dialog = modal({ title: `How many ${line.name}?`, testid: "quantity-dialog", className: "quantity-dialog" });
    const message = messageLine("quantity-message");
    const display = h("div", { class: "amount-display", testid: "quantity-display" }, String(line.quantity));
    let digits = "";
    const pad = keypad({ extra: "", maxLength: 4, testid: "quantity-keypad", enterLabel: "Set quantity",
      onChange: (value) => {
        if (Number(value || "0") > MAX_QUANTITY) {
          pad.set(digits);
          message.set(`${QUANTITY_LIMIT_MESSAGE} For more, check the number typed.`);
          return;
        }
        digits = value;
        message.set(null);
        display.textContent = digits || "0";
      },
      onEnter: () => {
        const quantity = Number(digits || "0");
        if (quantity < 1) {
          message.set("Type a quantity from 1, or remove the line with ✕.");
          return;
        }
        setQuantity(line.key, quantity);
        dialog.close();
      } });
    replace(dialog.body, display, pad.el, message.el);
  }

  function editLine(line) {
    const product = state.products.find((p) => p.id === line.productId);
    if (product && product.modifier_groups.length) {
      openModifierDialog(product, {
        large,
        initial: { modifierIds: line.modifiers.map((m) => m.id), note: line.note, quantity: line.quantity },
        onAdd: ({ modifiers, note, quantity }) => {
          setQuantity(line.key, 0);
          addToCart(product, modifiers, note, quantity);
        },
      });
      return;
    }
    const dialog = modal({ title: `Note for ${line.name}`, testid: "note-dialog" });
    const input = h("textarea", { class: "input", rows: "3", maxlength: "500", testid: "note-input" });
    input.value = line.note;
    replace(dialog.body, input, h("div", { class: "row-end" },
      h("button", { type: "button", class: "btn btn-primary", testid: "note-save",
        onClick: () => { setLineNote(line.key, input.value); dialog.close(); } }, "Save note")));
    input.focus();
  }

  function renderCart() {
    const cart = state.cart;
    const q = currentQuote();
    replace(lines, cart.lines.length ? cart.lines.map((line) => lineView(line))
      : h("li", { class: "empty" }, settings.mode === "self" ? "Tap a dish to add it." : "Tap a product or scan a code to start a sale."));
    if (state.lastAddedKey) {  // the line just added (or added to) comes into view, even in a long cart
      const added = [...lines.children].find((li) => li.dataset.key === state.lastAddedKey);
      if (added) added.scrollIntoView({ block: "nearest" });
      state.lastAddedKey = null;
    }
    renderPromos(q);
    renderTotals(q);
    const estimate = cart.lines.reduce((sum, l) => sum + lineUnitMinor(l) * l.quantity, 0);
    payButton.disabled = !cart.lines.length;
    payButton.textContent = settings.mode === "self" ? "Checkout" : cart.lines.length
      ? `Pay ${q ? format(q.total_amount) : format(estimate)}` : "Pay";
    if (laterButton) laterButton.disabled = !cart.lines.length || Boolean(cart.orderId);
    quoteMessage.set(quoteError && cart.lines.length ? quoteError : null);
    if (customerButton) renderCustomer();
  }

  function renderPromos(q) {
    const cart = state.cart;
    const rejected = new Map((q ? q.rejections : []).map((r) => [r.code.toUpperCase(), r.message]));
    replace(promos,
      cart.promoCodes.map((code) => h("div", { class: `code-chip${rejected.has(code) ? " rejected" : ""}`,
        dataset: { code } },
      h("span", {}, code),
      rejected.has(code) ? h("small", { testid: "code-rejection" }, rejected.get(code)) : null,
      h("button", { type: "button", class: "btn btn-ghost", "aria-label": `Remove code ${code}`,
        onClick: () => { cart.promoCodes = cart.promoCodes.filter((c) => c !== code); saveCart(); } }, "✕"))),
    );
  }

  function renderTotals(q) {
    if (!state.cart.lines.length) {
      replace(totals);
      return;
    }
    if (!q) {
      const estimate = state.cart.lines.reduce((sum, l) => sum + lineUnitMinor(l) * l.quantity, 0);
      replace(totals, row("Subtotal", format(estimate), "subtotal"),
        h("p", { class: "muted small" }, quoteError ? "Prices will be confirmed by the outlet server." : "Pricing…"));
      return;
    }
    replace(totals,
      row("Subtotal", format(q.subtotal), "subtotal"),
      // each promotion one discount line under the subtotal, as on the receipt
      q.promotions.map((p) => h("div", { class: "total-line promo-applied", testid: "promo-applied",
        dataset: { name: p.name } }, h("span", {}, p.name), h("span", { testid: "promo-amount" },
        `−${format(p.discount_amount)}`))),
      toMinor(q.discount_amount) && !q.promotions.length ? row("Discounts", `−${format(q.discount_amount)}`, "discount")
        : null,
      row("Service charge", format(q.service_charge), "service"),
      row("Tax", format(q.tax_amount), "tax"),
      toMinor(q.rounding_amount) ? row("Rounding", format(q.rounding_amount), "rounding") : null,
      row("Total", format(q.total_amount), "total", "total-row"));
  }

  // --- customer, table and name (cashier) ---------------------------------------------
  let customerButton = null;
  let tableInput = null;
  let nameInput = null;
  let noteInput = null;
  const codeInput = h("input", { class: "input code-input", autocomplete: "off", spellcheck: "false",
    autocapitalize: "characters", placeholder: "Promo code", testid: "promo-input", "aria-label": "Promo code" });
  const applyCode = () => {
    const code = codeInput.value.trim().toUpperCase();
    if (!code) return;
    if (!state.cart.promoCodes.includes(code)) state.cart.promoCodes.push(code);
    codeInput.value = "";
    saveCart();
  };
  codeInput.addEventListener("keydown", (event) => { if (event.key === "Enter") { event.preventDefault(); applyCode(); } });

  function renderCustomer() {
    const c = state.cart.customer;
    replace(customerButton, c
      ? [h("span", { testid: "customer-name", title: c.name }, c.name),
        h("small", { testid: "customer-loyalty" }, `${c.membership_tier} · ${c.points} pts`)]
      : "+ Customer");
    customerButton.classList.toggle("has-customer", Boolean(c));
    if (document.activeElement !== tableInput) tableInput.value = state.cart.table;
    if (document.activeElement !== nameInput) nameInput.value = state.cart.customerName;
    if (document.activeElement !== noteInput) noteInput.value = state.cart.note || "";
  }

  /** An input kept in the cart as it is typed (a reload keeps it), tidied when left. */
  function keptInput(input, field) {
    input.addEventListener("input", () => { state.cart[field] = input.value; keepCart(); });
    input.addEventListener("change", () => { state.cart[field] = input.value.trim(); saveCart(); });
    return input;
  }

  let meta = null;
  if (settings.mode === "cashier") {
    customerButton = h("button", { type: "button", class: "btn btn-secondary customer-button", testid: "customer-button",
      onClick: () => openCustomerDialog(app) });
    tableInput = keptInput(h("input", { class: "input", placeholder: "Table", maxlength: "40", testid: "table-input",
      "aria-label": "Table" }), "table");
    nameInput = keptInput(h("input", { class: "input", placeholder: "Name", maxlength: "120", testid: "name-input",
      "aria-label": "Name on the order" }), "customerName");
    noteInput = keptInput(h("input", { class: "input cart-note", placeholder: "Note for the kitchen (whole order)",
      maxlength: "500", testid: "order-note-input", "aria-label": "Note for the kitchen" }), "note");
    meta = h("div", { class: "cart-meta" }, customerButton, tableInput, nameInput, noteInput);
  }

  const clearButton = h("button", { type: "button", class: "btn btn-ghost", testid: "cart-clear", onClick: async () => {
    if (!state.cart.lines.length) return;
    if (state.cart.orderId) {
      toast("This cart is already an order; open Orders to cancel it.", "error");
      return;
    }
    const units = state.cart.lines.reduce((sum, line) => sum + line.quantity, 0);
    const sure = await confirmDialog({ title: "Clear this sale?", testid: "clear-confirm",
      text: `${units} item${units === 1 ? "" : "s"} ${state.cart.customerName || state.cart.table ? "and the name, table and note " : ""}`
        + "will be taken off the till.", confirm: "Clear the sale", cancel: "Keep it" });
    if (sure) resetCart();
  } }, "Clear");

  const el = h("section", { class: `sell${large ? " large" : ""}`, testid: "sell-screen" },
    h("div", { class: "catalog" },
      h("div", { class: "catalog-bar" }, searchInput, categoryBar),
      grid),
    h("aside", { class: "cart", testid: "cart", "aria-label": "Current sale" },
      h("div", { class: "cart-head" }, h("h2", {}, settings.mode === "self" ? "Your order" : "Current sale"), clearButton),
      meta, lines,
      h("div", { class: "promo-entry" }, codeInput,
        h("button", { type: "button", class: "btn btn-secondary", testid: "promo-apply", onClick: applyCode }, "Apply")),
      promos, totals, quoteMessage.el,
      h("div", { class: "cart-actions" }, laterButton, payButton)));

  renderCategories();
  renderGrid();
  renderCart();
  requestQuote(app, 0);

  const offs = [
    on("limit", (text) => toast(text, "error")),
    on("cart", () => { renderCart(); requestQuote(app); }),
    on("quote", () => renderCart()),
    on("menu", () => {  // a refreshed menu (or an 86) redraws in place: the cart keeps where it was scrolled to
      const [cartTop, gridTop] = [lines.scrollTop, grid.scrollTop];
      renderCategories(); renderGrid(); renderCart();
      [lines.scrollTop, grid.scrollTop] = [cartTop, gridTop];
    }),
  ];
  return { el, destroy: () => offs.forEach((off) => off()), focusSearch: () => searchInput.focus() };
}

function row(label, value, testid, className = "") {
  return h("div", { class: `total-line ${className}`, testid: `total-${testid}` }, h("span", {}, label), h("span", {}, value));
}
