// The modifier dialog: required groups and min/max choices enforced before "Add",
// quantity, and a note for the kitchen.

import { format, toMinor } from "../money.js";
import { h, messageLine, modal, replace } from "../dom.js";

function minOf(group) {
  return Math.max(group.min_choices || 0, group.required ? 1 : 0);
}

function rule(group) {
  const min = minOf(group);
  const max = group.max_choices || group.modifiers.length;
  if (min && min === max) return `Required · choose ${min}`;
  if (min) return `Required · choose ${min} to ${max}`;
  return max === 1 ? "Optional · up to 1" : `Optional · up to ${max}`;
}

/** What is still missing, as a sentence, or null when the choice is complete. */
export function missingChoice(product, chosen) {
  for (const group of product.modifier_groups) {
    const count = group.modifiers.filter((m) => chosen.has(m.id)).length;
    const min = minOf(group);
    if (count < min) return `Choose ${min === 1 ? "1" : `at least ${min}`} ${group.name}`;
    if (group.max_choices && count > group.max_choices) return `Choose at most ${group.max_choices} ${group.name}`;
  }
  return null;
}

/**
 * Open the dialog. `initial` = {modifierIds, note, quantity} when editing a cart line.
 * `onAdd({modifiers, note, quantity})` is called when the choice is valid and confirmed.
 */
export function openModifierDialog(product, { initial = null, onAdd, large = false }) {
  const chosen = new Set(initial ? initial.modifierIds : []);
  let quantity = initial ? initial.quantity : 1;
  const message = messageLine("modifier-message");
  const dialog = modal({ title: product.name, className: `modifier-dialog${large ? " large" : ""}`,
    testid: "modifier-dialog" });

  const groups = h("div", { class: "modifier-groups" });
  const note = h("textarea", { class: "input note-input", rows: "2", maxlength: "500",
    placeholder: "Note for the kitchen (e.g. no onions)", testid: "modifier-note" });
  note.value = initial ? initial.note : "";
  const qtyLabel = h("span", { class: "qty", testid: "modifier-qty" }, String(quantity));
  const addButton = h("button", { type: "button", class: "btn btn-primary btn-lg", testid: "modifier-add",
    onClick: confirm });

  function unitMinor() {
    let total = toMinor(product.price);
    for (const group of product.modifier_groups) {
      for (const m of group.modifiers) if (chosen.has(m.id)) total += toMinor(m.price);
    }
    return total;
  }

  function toggle(group, modifier) {
    const inGroup = group.modifiers.filter((m) => chosen.has(m.id));
    if (chosen.has(modifier.id)) {
      chosen.delete(modifier.id);
    } else if (group.max_choices === 1) {
      for (const m of inGroup) chosen.delete(m.id);
      chosen.add(modifier.id);
    } else if (group.max_choices && inGroup.length >= group.max_choices) {
      message.set(`${group.name}: at most ${group.max_choices}. Remove one first.`);
      return;
    } else {
      chosen.add(modifier.id);
    }
    message.set(null);
    render();
  }

  function render() {
    replace(groups, product.modifier_groups.map((group) => {
      const count = group.modifiers.filter((m) => chosen.has(m.id)).length;
      const unmet = count < minOf(group);
      return h("fieldset", { class: `modifier-group${unmet ? " unmet" : ""}`, dataset: { group: group.name } },
        h("legend", {}, group.name, h("small", {}, rule(group))),
        h("div", { class: "options" }, group.modifiers.map((m) => {
          const off = m.is_available === false;
          return h("button", {
            type: "button", class: `option${chosen.has(m.id) ? " selected" : ""}`, disabled: off,
            "aria-pressed": chosen.has(m.id) ? "true" : "false", dataset: { modifier: m.name },
            onClick: () => toggle(group, m),
          }, h("span", {}, m.name), h("small", {}, off ? "sold out" : toMinor(m.price) ? `+${format(m.price)}` : ""));
        })));
    }));
    qtyLabel.textContent = String(quantity);
    const missing = missingChoice(product, chosen);
    addButton.disabled = Boolean(missing);
    addButton.textContent = missing || `${initial ? "Update" : "Add"} · ${format(unitMinor() * quantity)}`;
  }

  function confirm() {
    const missing = missingChoice(product, chosen);
    if (missing) {
      message.set(missing);
      return;
    }
    const modifiers = product.modifier_groups.flatMap((g) => g.modifiers.filter((m) => chosen.has(m.id)));
    dialog.close();
    onAdd({ modifiers, note: note.value, quantity });
  }

  replace(dialog.body,
    product.description ? h("p", { class: "muted" }, product.description) : null,
    groups,
    h("label", { class: "field" }, h("span", {}, "Note"), note),
    h("div", { class: "modifier-foot" },
      h("div", { class: "stepper" },
        h("button", { type: "button", class: "btn step", "aria-label": "One less", testid: "modifier-minus",
          onClick: () => { quantity = Math.max(1, quantity - 1); render(); } }, "−"),
        qtyLabel,
        h("button", { type: "button", class: "btn step", "aria-label": "One more", testid: "modifier-plus",
          onClick: () => { quantity = Math.min(999, quantity + 1); render(); } }, "+")),
      addButton),
    message.el);
  render();
  return dialog;
}
