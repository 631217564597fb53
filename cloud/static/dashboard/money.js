// Money on the wire is a decimal string with two places ("95000.00"). Inside the page it
// is an integer count of minor units (95000.00 -> 9500000), never a float; only chart
// axes, which are drawn in pixels anyway, use Numbers of whole units.

const CURRENCIES = {
  IDR: { symbol: "Rp", decimals: 0, group: ".", point: ",", locale: "id-ID" },
  MYR: { symbol: "RM", decimals: 2, group: ",", point: ".", locale: "en-MY" },
  SGD: { symbol: "S$", decimals: 2, group: ",", point: ".", locale: "en-SG" },
  USD: { symbol: "$", decimals: 2, group: ",", point: ".", locale: "en-US" },
  EUR: { symbol: "€", decimals: 2, group: ".", point: ",", locale: "de-DE" },
};

let currency = { code: "IDR", ...CURRENCIES.IDR };

export function setCurrency(code) {
  const known = CURRENCIES[code];
  currency = known ? { code, ...known } : { code, symbol: code, decimals: 2, group: ",", point: ".", locale: "en" };
}

export function currencyCode() {
  return currency.code;
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

function groupDigits(digits) {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, currency.group);
}

/** Minor units or a wire string -> "Rp 95.000" (IDR: whole rupiah, dot thousands). */
export function format(value) {
  const minor = toMinor(value);
  let abs = Math.abs(minor);
  if (currency.decimals === 0) abs = Math.floor((abs + 50) / 100) * 100; // whole units, half up
  const whole = groupDigits(String(Math.floor(abs / 100)));
  const text = currency.decimals > 0 ? `${whole}${currency.point}${String(abs % 100).padStart(2, "0")}` : whole;
  return `${minor < 0 && abs > 0 ? "−" : ""}${currency.symbol} ${text}`;
}

/** Whole units (a chart axis value) -> "Rp 1,2 jt" in the currency's own locale. */
export function compact(units) {
  const number = new Intl.NumberFormat(currency.locale, { notation: "compact", maximumFractionDigits: 1 });
  return `${currency.symbol} ${number.format(units)}`;
}

/** A count (orders, points) grouped the way the currency's country writes numbers: "8.407". */
export function number(value) {
  return new Intl.NumberFormat(currency.locale, { maximumFractionDigits: 0 }).format(value);
}

/** Minor units -> whole units as a Number, for drawing only. */
export function toUnits(minor) {
  return minor / 100;
}
