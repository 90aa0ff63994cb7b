// Models: the list, a model card (points per activity as a table
// marketers read), activate (pin), follow the newest, roll back, name or
// clear the shadow; the active and shadow model side by side on the same
// outcomes.

import { call } from "./api.js";
import { h, put, fmt, say } from "./dom.js";
import { pipelineHealth, sideBySide } from "./pipeline.js";

function card(c) {
  const sum = c.summary || {};
  const weights = [...(c.weights || [])].sort((a, b) => Number(b.points || 0) - Number(a.points || 0));
  const max = Math.max(1, ...weights.map((w) => Math.abs(Number(w.points || 0))));
  return h("section", { class: "card", id: "model-card", "aria-label": `Model card ${sum.version}` },
    h("h2", {}, `Model ${sum.version}`),
    h("p", { class: "sub" }, `Trained ${sum.createdAt || "—"} on ${sum.source || "—"} · AUC ${fmt(sum.auc || 0, 3)} · half-life ${fmt(c.halfLifeDays || 0, 0)} days · MQL at ${c.pointsThreshold || 0} points`),
    h("div", { class: "table-wrap" }, h("table", { id: "points" },
      h("caption", { class: "sub" }, "Points per activity (a recent activity, before decay and diminishing returns)"),
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Activity or attribute"), h("th", { scope: "col" }, "Funnel"),
        h("th", { scope: "col", class: "num" }, "Points"), h("th", { scope: "col" }, h("span", { class: "hide-narrow" }, "Weight")))),
      h("tbody", {}, weights.map((w) => {
        const bar = h("span", { class: "weight" });
        // CSSOM, not a style attribute: the policy allows no inline style.
        bar.style.width = `${(6 * Math.abs(Number(w.points || 0))) / max}rem`;
        if (Number(w.points || 0) < 0) bar.classList.add("negative");
        const label = w.feature.replace(/^activity:/, "").replaceAll("_", " ");
        return h("tr", {}, h("td", { title: w.feature }, label), h("td", {}, w.funnelStage || ""),
          h("td", { class: "num" }, String(w.points || 0)), h("td", { class: "hide-narrow" }, bar));
      })))));
}

async function act(path, body, what, again) {
  try {
    await call("POST", path, body);
    say(`${what}: done`);
    await again();
  } catch (e) {
    say(`${what}: ${e.message}`);
  }
}

function row(m, admin, list, again) {
  const state = [m.active && "active", m.pinned && "pinned", m.shadow && "shadow", !m.valid && `refused: ${m.refusal}`].filter(Boolean).join(", ");
  const button = (label, onclick) => h("button", { type: "button", onclick }, label);
  return h("tr", { "data-version": m.version },
    h("td", {}, h("a", { href: "#/models", "data-card": m.version }, m.version)),
    h("td", {}, state || "—"),
    h("td", { class: "num" }, fmt(m.auc || 0, 3)),
    h("td", { class: "hide-narrow" }, m.createdAt || ""),
    admin && m.valid ? h("td", {},
      m.active ? null : button("Activate (pin)", () => act("/v1/models:activate", { version: m.version }, `Pin ${m.version}`, again)),
      m.shadow ? button("Clear shadow", () => act("/v1/models:setShadow", { clear: true }, "Clear shadow", again))
        : m.active ? null : button("Shadow", () => act("/v1/models:setShadow", { version: m.version }, `Shadow ${m.version}`, again)))
      : admin ? h("td", {}) : null);
}

export async function modelsPage(ctx) {
  const { session, root } = ctx;
  const admin = (session.scopes || []).includes("models:admin");
  const again = () => modelsPage(ctx);
  const list = await call("GET", "/v1/models");
  const models = list.models || [];
  const valid = models.filter((m) => m.valid);
  const at = valid.findIndex((m) => m.version === list.activeVersion);
  const previous = at >= 0 ? valid[at + 1] : undefined;
  const cardSlot = h("div", {});
  const showCard = async (version) => put(cardSlot, card(await call("GET", `/v1/models/${encodeURIComponent(version)}`)));
  const controls = admin ? h("p", { class: "actions" },
    list.pinnedVersion ? h("button", { type: "button", onclick: () => act("/v1/models:activate", { latest: true }, "Follow the newest", again) }, "Unpin: follow the newest") : null,
    previous ? h("button", { type: "button", onclick: () => act("/v1/models:activate", { version: previous.version }, `Roll back to ${previous.version}`, again) }, `Roll back to ${previous.version}`) : null) : null;
  const table = h("div", { class: "table-wrap" }, h("table", { id: "models" },
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Version"), h("th", { scope: "col" }, "State"),
      h("th", { scope: "col", class: "num" }, "AUC"), h("th", { scope: "col", class: "hide-narrow" }, "Trained"),
      admin ? h("th", { scope: "col" }, "Actions") : null)),
    h("tbody", {}, models.map((m) => row(m, admin, list, again)))));
  table.addEventListener("click", (ev) => {
    const a = ev.target.closest("a[data-card]");
    if (!a) return;
    ev.preventDefault();
    showCard(a.dataset.card).catch((e) => say(e.message));
  });
  put(root, h("h1", {}, "Models"),
    h("p", {}, `Active ${list.activeVersion || "—"}${list.pinnedVersion ? " (pinned)" : ""} · shadow ${list.shadowVersion || "none"}`),
    controls, table, cardSlot, h("div", { id: "model-compare" }));
  if (list.activeVersion) await showCard(list.activeVersion);
  if (session.scopes.includes("leads:read")) {
    const p = await pipelineHealth();
    if (p.shadow) put(document.getElementById("model-compare"), h("h2", {}, "Active and shadow on the same outcomes"), sideBySide(p.activeOnShadowOutcomes || p.active || {}, p.shadow));
  }
}
