// The revenue chart: plain SVG, drawn to the container's width (redrawn on resize).
// One bar per bucket (zero buckets keep their slot, so gaps show as gaps), a few nice
// gridlines, x labels thinned to fit, and a tooltip with the bucket's figures.

import { svg } from "./dom.js";
import { compact, format, toMinor, toUnits } from "./money.js";

const HEIGHT = 270;
const MARGIN = { top: 14, right: 12, bottom: 34, left: 78 };
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** A round step for about four gridlines: 1, 2 or 5 times a power of ten. */
function niceStep(max) {
  if (max <= 0) return 1;
  const raw = max / 4;
  const power = 10 ** Math.floor(Math.log10(raw));
  for (const step of [1, 2, 5, 10]) {
    if (raw <= step * power) return step * power;
  }
  return 10 * power;
}

function parseDay(iso) {
  const [y, m, d] = iso.split("-").map(Number);
  return { y, m, d };
}

export function bucketLabel(row, period, long = false) {
  if (period === "monthly") {
    const { y, m } = parseDay(row.start);
    return `${MONTHS[m - 1]} ${y}`;
  }
  const start = parseDay(row.start);
  if (period === "weekly") {
    const end = parseDay(row.end);
    const week = row.bucket.split("-W")[1];
    return long ? `Week ${Number(week)} · ${start.d} ${MONTHS[start.m - 1]} – ${end.d} ${MONTHS[end.m - 1]}`
      : `${start.d} ${MONTHS[start.m - 1]}`;
  }
  return long ? `${start.d} ${MONTHS[start.m - 1]} ${start.y}` : `${start.d} ${MONTHS[start.m - 1]}`;
}

export function drawRevenue(container, rows, period, tooltip) {
  container.replaceChildren();
  const width = Math.max(320, container.clientWidth || 640);
  const inner = { w: width - MARGIN.left - MARGIN.right, h: HEIGHT - MARGIN.top - MARGIN.bottom };
  const values = rows.map((row) => toUnits(toMinor(row.revenue)));
  const step = niceStep(Math.max(0, ...values));
  const lines = Math.max(1, Math.ceil(Math.max(0, ...values) / step));
  const top = step * lines;
  const y = (value) => MARGIN.top + inner.h - (Math.max(0, value) / top) * inner.h;
  const band = inner.w / Math.max(1, rows.length);
  const barWidth = Math.max(2, Math.min(48, band * 0.68));

  const chart = svg("svg", {
    width, height: HEIGHT, viewBox: `0 0 ${width} ${HEIGHT}`, role: "img",
    "aria-label": `Revenue per ${period === "daily" ? "day" : period === "weekly" ? "week" : "month"}`,
  });

  for (let i = 0; i <= lines; i += 1) {
    const value = step * i;
    const yy = y(value);
    chart.append(
      svg("line", { x1: MARGIN.left, x2: width - MARGIN.right, y1: yy, y2: yy, class: i ? "grid" : "axis" }),
      svg("text", { x: MARGIN.left - 10, y: yy + 4, class: "tick", "text-anchor": "end" },
        i ? compact(value) : "0"),
    );
  }

  const every = Math.max(1, Math.ceil(rows.length / Math.max(1, Math.floor(inner.w / 70))));
  rows.forEach((row, index) => {
    const x = MARGIN.left + band * index + (band - barWidth) / 2;
    const value = values[index];
    const barTop = y(value);
    const bar = svg("rect", {
      x, y: value > 0 ? barTop : y(0) - 1, width: barWidth, height: value > 0 ? Math.max(1, y(0) - barTop) : 1,
      rx: Math.min(4, barWidth / 4), class: value > 0 ? "bar" : "bar empty", "data-bucket": row.bucket,
    });
    const hit = svg("rect", { x: MARGIN.left + band * index, y: MARGIN.top, width: band, height: inner.h,
      class: "hit" });
    const showTip = (event) => {
      bar.classList.add("active");
      tooltip.replaceChildren();
      tooltip.append(
        Object.assign(document.createElement("strong"), { textContent: bucketLabel(row, period, true) }),
        Object.assign(document.createElement("div"), { textContent: `Revenue ${format(row.revenue)}` }),
        Object.assign(document.createElement("div"), { textContent: `${row.orders} orders · avg ${format(row.avg_value)}` }),
      );
      if (toMinor(row.refunds) > 0) {
        tooltip.append(Object.assign(document.createElement("div"), { textContent: `Refunds ${format(row.refunds)}` }));
      }
      tooltip.hidden = false;
      const box = container.getBoundingClientRect();
      const left = Math.min(box.left + x + barWidth / 2 + window.scrollX, window.innerWidth - 240);
      tooltip.style.left = `${Math.max(8, left)}px`;
      tooltip.style.top = `${box.top + window.scrollY + Math.max(8, barTop - 70)}px`;
      event.stopPropagation();
    };
    const hideTip = () => {
      bar.classList.remove("active");
      tooltip.hidden = true;
    };
    hit.addEventListener("mouseenter", showTip);
    hit.addEventListener("mouseleave", hideTip);
    hit.addEventListener("click", showTip);
    chart.append(bar, hit);
    if (index % every === 0) {
      chart.append(svg("text", { x: MARGIN.left + band * index + band / 2, y: HEIGHT - 12, class: "tick",
        "text-anchor": "middle" }, bucketLabel(row, period)));
    }
  });

  if (!values.some((value) => value > 0)) {
    chart.append(svg("text", { x: MARGIN.left + inner.w / 2, y: MARGIN.top + inner.h / 2, class: "empty-note",
      "text-anchor": "middle" }, "No sales in this range"));
  }
  container.append(chart);
}
