// Inline SVG charts: the explanation waterfall, calibration curves and
// plain horizontal bars. Every bar keeps its number in a data attribute,
// so what is drawn can be checked against what the API said.

import { s, fmt } from "./dom.js";

const ROW = 22;

// Drawn at the width it will have (between a phone's and 760 px), so its
// text stays at its font size instead of shrinking with the picture.
function layout(width) {
  const w = Math.round(Math.max(300, Math.min(760, width || 640)));
  return { W: w, LABEL: Math.round(w * 0.34) };
}

// A waterfall from `start` (today the model's intercept; a baseline logit
// later: the chart only needs its value and label) through each
// contribution to the logit. `steps` are {label, value}; the last bar is
// the total, drawn from zero to `start + Σ value`.
export function waterfall({ start, startLabel, steps, logit, width }) {
  const { W, LABEL } = layout(width);
  let run = start;
  const rows = [{ label: startLabel, from: 0, to: start, value: start, kind: "start" }];
  for (const st of steps) {
    rows.push({ label: st.label, from: run, to: run + st.value, value: st.value, kind: st.value >= 0 ? "up" : "down" });
    run += st.value;
  }
  rows.push({ label: "Logit", from: 0, to: logit, value: logit, kind: "total" });
  const ends = rows.flatMap((r) => [r.from, r.to]).concat(0);
  const lo = Math.min(...ends);
  const hi = Math.max(...ends);
  const span = hi - lo || 1;
  const x = (v) => LABEL + ((v - lo) / span) * (W - LABEL - 60);
  const height = rows.length * ROW + 24;
  const svg = s("svg", {
    viewBox: `0 0 ${W} ${height}`, role: "img", class: "waterfall",
    "aria-label": `Explanation: ${startLabel} ${fmt(start, 3)}, ${steps.length} contributions, logit ${fmt(logit, 3)}`,
    "data-start": start, "data-logit": logit,
  });
  svg.append(s("line", { class: "axis", x1: x(0), x2: x(0), y1: 0, y2: height - 20 }));
  rows.forEach((r, i) => {
    const y = i * ROW + 4;
    const left = Math.min(x(r.from), x(r.to));
    const width = Math.max(Math.abs(x(r.to) - x(r.from)), 1);
    svg.append(s("text", { x: LABEL - 6, y: y + 13, "text-anchor": "end" }, r.label.slice(0, Math.floor(LABEL / 6.5))));
    svg.append(s("rect", {
      class: `bar-${r.kind} ${r.kind === "up" || r.kind === "down" ? "step" : r.kind}`,
      x: left, y, width, height: ROW - 6, "data-value": r.value,
    }, s("title", {}, `${r.label}: ${r.value >= 0 && r.kind !== "start" && r.kind !== "total" ? "+" : ""}${fmt(r.value, 3)}`)));
    svg.append(s("text", { x: Math.max(x(r.from), x(r.to)) + 4, y: y + 13 }, fmt(r.value, 2)));
    if (i > 0 && i < rows.length - 1) {
      svg.append(s("line", { class: "connector", x1: x(r.from), x2: x(r.from), y1: y - 6, y2: y }));
    }
  });
  svg.append(s("text", { x: x(0), y: height - 6, "text-anchor": "middle" }, "0"));
  return svg;
}

// Calibration: predicted (x) against observed (y) per bin, 0..1, for each
// of `series` ({name, bins, kind: "active" | "shadow"}), with the diagonal
// a perfectly calibrated model would follow.
export function calibration(series) {
  const size = 300;
  const pad = 34;
  const x = (v) => pad + v * (size - pad - 10);
  const y = (v) => size - pad - v * (size - pad - 10);
  const svg = s("svg", {
    viewBox: `0 0 ${size} ${size}`, role: "img", class: "calibration",
    "aria-label": `Calibration: ${series.map((c) => `${c.name}, ${c.bins.length} bins`).join("; ")}`,
  });
  svg.append(s("line", { class: "axis", x1: x(0), y1: y(0), x2: x(1), y2: y(0) }));
  svg.append(s("line", { class: "axis", x1: x(0), y1: y(0), x2: x(0), y2: y(1) }));
  svg.append(s("line", { class: "diag", x1: x(0), y1: y(0), x2: x(1), y2: y(1) }));
  svg.append(s("text", { x: x(0.5), y: size - 6, "text-anchor": "middle" }, "predicted"));
  svg.append(s("text", { x: 10, y: y(0.5), transform: `rotate(-90 10 ${y(0.5)})`, "text-anchor": "middle" }, "observed"));
  for (const c of series) {
    const bins = c.bins.filter((b) => Number(b.count) > 0);
    const points = bins.map((b) => `${x(b.predictedMean || 0)},${y(b.observedRate || 0)}`).join(" ");
    svg.append(s("polyline", { class: `series-${c.kind}`, points }));
    for (const b of bins) {
      svg.append(s("circle", { class: `dot-${c.kind}`, cx: x(b.predictedMean || 0), cy: y(b.observedRate || 0), r: 3 },
        s("title", {}, `${c.name}: predicted ${fmt(b.predictedMean, 2)}, observed ${fmt(b.observedRate, 2)} (${b.count})`)));
    }
  }
  return svg;
}

// Horizontal bars of `rows` ({label, value}); each bar keeps its value.
export function bars(rows, describe, width) {
  const { W, LABEL } = layout(width);
  const max = Math.max(1, ...rows.map((r) => r.value));
  const height = rows.length * ROW + 4;
  const svg = s("svg", { viewBox: `0 0 ${W} ${height}`, role: "img", class: "bars", "aria-label": describe });
  rows.forEach((r, i) => {
    const y = i * ROW + 2;
    svg.append(s("text", { x: LABEL - 6, y: y + 13, "text-anchor": "end" }, r.label));
    const width = Math.max(((W - LABEL - 80) * r.value) / max, 1);
    svg.append(s("rect", { class: "bar-total", x: LABEL, y, width, height: ROW - 6, "data-value": r.value }));
    svg.append(s("text", { x: LABEL + width + 4, y: y + 13 }, String(r.value)));
  });
  return svg;
}
