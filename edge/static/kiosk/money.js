// Money on the wire is a decimal string with two places ("95000.00"). Inside the page it
// is an integer count of minor units (95000.00 -> 9500000); never a float.

const CURRENCIES = {
  IDR: { symbol: "Rp", decimals: 0, group: ".", point: ",", notes: [1000, 2000, 5000, 10000, 20000, 50000, 100000] },
  MYR: { symbol: "RM", decimals: 2, group: ",", point: ".", notes: [1, 5, 10, 20, 50, 100] },
  SGD: { symbol: "S$", decimals: 2, group: ",", point: ".", notes: [2, 5, 10, 50, 100] },
  USD: { symbol: "$", decimals: 2, group: ",", point: ".", notes: [1, 5, 10, 20, 50, 100] },
  EUR: { symbol: "€", decimals: 2, group: ".", point: ",", notes: [5, 10, 20, 50, 100] },
};

let currency = { code: "IDR", ...CURRENCIES.IDR };

export function setCurrency(code) {
  const known = CURRENCIES[code];
  currency = known ? { code, ...known } : { code, symbol: code, decimals: 2, group: ",", point: ".", notes: [] };
}

export function currencyDecimals() {
  return currency.decimals;
}

const WIRE = /^(-)?(\d+)(?:\.(\d{1,2}))?$/;

/** "95000.00" -> 9500000 (minor units). Throws on anything that is not a money string. */
export function toMinor(value) {
  if (typeof value === "number" && Number.isInteger(value)) return value;
  const match = WIRE.exec(String(value ?? "").trim());
  if (!match) throw new TypeError(`not a money amount: ${value}`);
  const minor = Number(match[2]) * 100 + Number((match[3] || "0").padEnd(2, "0"));
  return match[1] && minor !== 0 ? -minor : minor;
}

/** 9500000 -> "95000.00" */
export function toWire(minor) {
  const sign = minor < 0 ? "-" : "";
  const abs = Math.abs(minor);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, "0")}`;
}

function groupDigits(digits) {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, currency.group);
}

/** Minor units or a wire string -> "Rp 95.000" (IDR: no decimals, dot thousands). */
export function format(value) {
  const minor = toMinor(value);
  let abs = Math.abs(minor);
  if (currency.decimals === 0) abs = Math.floor((abs + 50) / 100) * 100; // IDR: whole rupiah, half up
  const whole = groupDigits(String(Math.floor(abs / 100)));
  const text = currency.decimals > 0 ? `${whole}${currency.point}${String(abs % 100).padStart(2, "0")}` : whole;
  return `${minor < 0 && abs > 0 ? "−" : ""}${currency.symbol} ${text}`;
}

/** What a keypad's digits mean: whole units for IDR, cents for currencies with decimals. */
export function fromKeypadDigits(digits) {
  const n = Number(digits || "0");
  return currency.decimals === 0 ? n * 100 : n;
}

/** Quick-cash suggestions for a balance: exact, then the next round notes above it. */
export function quickCash(balanceMinor) {
  if (balanceMinor <= 0) return [];
  const unit = 100; // one whole currency unit in minor units
  const suggestions = [balanceMinor];
  const steps = currency.notes.map((note) => note * unit);
  for (const step of steps) {
    const up = Math.ceil(balanceMinor / step) * step;
    if (up > balanceMinor) suggestions.push(up);
  }
  return [...new Set(suggestions)].sort((a, b) => a - b).slice(0, 5);
}
