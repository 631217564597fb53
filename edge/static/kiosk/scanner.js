// A barcode scanner is a keyboard that types fast and ends with Enter. Anywhere on the
// page (even inside a text box), a burst of quick keystrokes ending in Enter is taken
// as a scanned SKU/barcode; the characters it typed into a box are taken back out.

const FIELD = new Set(["INPUT", "TEXTAREA"]);

export function installScanner({ onScan, enabled = () => true, minLength = 3, maxGapMs = 50 }) {
  let buffer = "";
  let last = 0;
  let target = null;
  let before = null;

  function reset() {
    buffer = "";
    target = null;
    before = null;
  }

  window.addEventListener("keydown", (event) => {
    const now = performance.now();
    if (event.key === "Enter") {
      const isScan = buffer.length >= minLength && now - last <= maxGapMs * 3;
      if (isScan && enabled()) {
        event.preventDefault();
        event.stopImmediatePropagation();
        if (target && FIELD.has(target.tagName) && before !== null) {
          target.value = before;
          target.dispatchEvent(new Event("input", { bubbles: true }));
        }
        const code = buffer;
        reset();
        onScan(code);
        return;
      }
      reset();
      return;
    }
    if (event.key.length !== 1 || event.ctrlKey || event.metaKey || event.altKey) return; // Shift etc.
    if (now - last > maxGapMs || !buffer) {
      buffer = event.key;
      target = event.target;
      before = FIELD.has(target.tagName) ? target.value : null;
    } else {
      buffer += event.key;
    }
    last = now;
  }, true);
}
