// Pipeline health: the funnel, conversion per score decile and the
// calibration of the active model (and the shadow beside it), hand-back
// reasons, overdue follow-ups and the stale verdict in words.

import { call } from "./api.js";
import { h, put, fmt, pct } from "./dom.js";
import { bars, calibration } from "./charts.js";

function funnel(f, width) {
  return bars([
    { label: "MQL or SQL", value: Number(f.qualified || 0) },
    { label: "Reached SQL", value: Number(f.reachedSql || 0) },
    { label: "Accepted", value: Number(f.accepted || 0) },
    { label: "Won", value: Number(f.won || 0) },
    { label: "Lost", value: Number(f.lost || 0) },
  ], "Funnel: leads per step", width);
}

function deciles(m) {
  return h("div", { class: "table-wrap" }, h("table", { class: "deciles" },
    h("caption", { class: "sub" }, m.modelVersion || ""),
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Decile"), h("th", { scope: "col", class: "num" }, "Leads"),
      h("th", { scope: "col", class: "num" }, "Won"), h("th", { scope: "col", class: "num" }, "Conversion"),
      h("th", { scope: "col", class: "num" }, "Lift"))),
    h("tbody", {}, (m.deciles || []).map((d) => h("tr", {}, h("td", {}, String(d.decile || 0)),
      h("td", { class: "num" }, String(d.leads || 0)), h("td", { class: "num" }, String(d.won || 0)),
      h("td", { class: "num" }, pct(d.conversionRate || 0)), h("td", { class: "num" }, fmt(d.lift || 0, 2)))))));
}

// The metrics of the active and shadow model on the same outcomes, side by side.
export function sideBySide(active, shadow) {
  const cols = [active, shadow].filter(Boolean);
  const metric = (label, f) => h("tr", {}, h("th", { scope: "row" }, label), cols.map((m) => h("td", { class: "num" }, f(m))));
  return h("div", { class: "table-wrap" }, h("table", { id: "side-by-side" },
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "On the same outcomes"),
      cols.map((m, i) => h("th", { scope: "col", class: "num" }, `${i ? "Shadow" : "Active"} ${m.modelVersion || ""}`)))),
    h("tbody", {},
      metric("Outcomes", (m) => String(m.outcomes || 0)),
      metric("Won", (m) => String(m.won || 0)),
      metric("AUC", (m) => fmt(m.auc || 0, 3)),
      metric("Log-loss", (m) => fmt(m.logLoss || 0, 3)),
      metric("Brier", (m) => fmt(m.brier || 0, 3)),
      metric("Calibration error", (m) => fmt(m.calibrationError || 0, 3)),
      metric("Stale", (m) => (m.stale ? "yes" : "no")))));
}

export async function pipelineHealth() {
  return call("GET", "/v1/pipelineHealth");
}

export async function pipelinePage({ root }) {
  const p = await pipelineHealth();
  const active = p.active || {};
  const series = [{ name: `active ${active.modelVersion || ""}`, bins: active.calibration || [], kind: "active" }];
  if (p.shadow) series.push({ name: `shadow ${p.shadow.modelVersion || ""}`, bins: p.shadow.calibration || [], kind: "shadow" });
  const hb = p.handBack || {};
  put(root,
    h("h1", {}, "Pipeline"),
    h("section", { class: "card", id: "verdict", "aria-label": "Verdict", "data-stale": p.stale ? "true" : "false" },
      h("h2", {}, p.stale ? "The model looks stale" : "The model holds up"),
      (p.summary || []).map((line) => h("p", {}, line))),
    h("h2", {}, "Funnel"), h("div", { id: "funnel" }, funnel(p.funnel || {}, root.clientWidth)),
    h("p", { class: "sub" }, `SQL rate ${pct(p.funnel?.sqlRate || 0)} · accept rate ${pct(p.funnel?.acceptRate || 0)} · win rate ${pct(p.funnel?.winRate || 0)}`),
    h("div", { class: "grid2" },
      h("div", {}, h("h2", {}, "Calibration"), h("div", { id: "calibration" }, calibration(series)),
        h("p", { class: "legend" }, "Solid: active model. Dashed: shadow. Grey diagonal: perfect calibration.")),
      h("div", {}, h("h2", {}, "Conversion per score decile"), deciles(active))),
    p.shadow ? [h("h2", {}, "Active and shadow"), sideBySide(p.activeOnShadowOutcomes || active, p.shadow)] : null,
    h("h2", {}, "Hand-backs"),
    h("p", {}, `${hb.handedBack || 0} of ${hb.sqls || 0} SQLs handed back (${pct(hb.share || 0)}).`),
    h("ul", { id: "hand-back-reasons" }, (hb.reasons || []).map((r) => h("li", {}, `${r.reason}: ${r.count}`))),
    h("h2", {}, "Overdue follow-ups"),
    h("p", { id: "overdue" }, `${p.overdueOpen || 0} accepted leads are past their follow-up now; ${p.overdueAnnounced || 0} were announced overdue in this window.`),
    h("p", {}, h("a", { href: "#/queue" }, "See them in the queue (Overdue follow-ups only)")));
}
