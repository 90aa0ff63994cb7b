// One lead: who it is, its score, grade, stage and each qualification
// verdict; the explanation as a waterfall that adds up to the logit; the
// activity timeline (funnel stage and decay); the stage history; and the
// hand-off actions the token's scopes allow.

import { call } from "./api.js";
import { h, put, field, enumWord, fmt, fmtTime, pct, say } from "./dom.js";
import { waterfall } from "./charts.js";

function facts(lead, score) {
  const fact = (label, value, attrs = {}) => h("div", { class: "fact", ...attrs }, h("span", { class: "sub" }, label), h("b", {}, value));
  return h("div", { class: "facts" },
    fact("Score", fmt(score.score || 0), { id: "lead-score", "data-score": score.score || 0 }),
    fact("Fit grade", enumWord(score.fitGrade, "FIT_GRADE_")),
    fact("Stage", enumWord(lead.stage, "STAGE_"), { id: "lead-stage", "data-stage": lead.stage || "" }),
    fact("Hand-off", enumWord(lead.status, "HAND_OFF_STATUS_"), { id: "lead-status", "data-status": lead.status || "" }),
    fact("Owner", lead.owner || "—", { id: "lead-owner" }),
    fact("Follow-up due", fmtTime(lead.followUpDue)),
    fact("Points", `${score.behaviorPoints || 0} / ${score.pointsThreshold || 0}`),
    lead.shadowModelVersion ? fact(`Shadow (${lead.shadowModelVersion})`, fmt(lead.shadowScore || 0)) : null);
}

function verdicts(score) {
  return h("div", { class: "table-wrap" }, h("table", { id: "verdicts" },
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Criterion"), h("th", { scope: "col" }, "For"),
      h("th", { scope: "col" }, "Met"), h("th", { scope: "col" }, "Why"))),
    h("tbody", {}, (score.verdicts || []).map((v) => h("tr", {},
      h("td", {}, enumWord(v.criterion, "CRITERION_")),
      h("td", {}, enumWord(v.requiredFor, "STAGE_")),
      h("td", { class: v.met ? "met" : "unmet" }, v.met ? "yes" : "no"),
      h("td", {}, v.reason || ""))))));
}

function explanation(score, width) {
  const contributions = score.contributions || [];
  // The chart starts from one value: the intercept today, a baseline
  // logit when the API gives one.
  const start = score.intercept || 0;
  const chart = waterfall({
    start, startLabel: "Intercept",
    steps: contributions.map((c) => ({ label: c.label || c.feature, value: c.logit || 0 })),
    logit: score.logit || 0,
    width,
  });
  const points = h("div", { class: "table-wrap" }, h("table", {},
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Signal"), h("th", { scope: "col", class: "num" }, "Value"),
      h("th", { scope: "col", class: "num" }, "Logit"), h("th", { scope: "col", class: "num" }, "Points"))),
    h("tbody", {}, contributions.map((c) => h("tr", {}, h("td", {}, c.label || c.feature),
      h("td", { class: "num" }, fmt(c.value || 0, 2)), h("td", { class: "num" }, fmt(c.logit || 0, 3)),
      h("td", { class: "num" }, String(c.points || 0)))))));
  return [h("p", { class: "sub" }, `Intercept ${fmt(start, 3)} + ${contributions.length} contributions = logit ${fmt(score.logit || 0, 3)} → probability ${pct(score.probability || 0)}.`),
    chart, points];
}

function timeline(activities, total) {
  if (!activities.length) return h("p", { class: "sub" }, "No activity counts yet.");
  return [
    h("p", { class: "sub" }, `${total} activities count; newest first. “Counts” is how much each still weighs after decay.`),
    h("ol", { class: "timeline", id: "timeline" }, activities.map((a) => h("li", {},
      h("span", { class: "stage-tag" }, a.funnelStage || "—"),
      h("span", {}, a.type),
      h("span", { class: "sub" }, fmtTime(a.occurredAt)),
      h("span", { class: "sub" }, `counts ${pct(a.decayWeight || 0)}`)))),
  ];
}

function history(changes) {
  return h("div", { class: "table-wrap" }, h("table", { id: "history" },
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "When"), h("th", { scope: "col" }, "Change"),
      h("th", { scope: "col" }, "Stage"), h("th", { scope: "col", class: "num" }, "Score"),
      h("th", { scope: "col" }, "Owner"), h("th", { scope: "col" }, "Reason"))),
    h("tbody", {}, changes.map((c) => h("tr", {},
      h("td", {}, fmtTime(c.at)), h("td", {}, enumWord(c.kind, "STAGE_CHANGE_KIND_")),
      h("td", {}, enumWord(c.stage, "STAGE_")), h("td", { class: "num" }, fmt(c.score || 0)),
      h("td", {}, c.owner || ""), h("td", {}, c.reason || ""))))));
}

// A form that posts `body()` to the lead's `verb` and then shows the lead again.
function action(id, verb, title, controls, body, again) {
  const form = h("form", { "aria-label": title, "data-action": verb },
    h("h3", {}, title), controls, h("button", { type: "submit", class: "primary" }, title));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    try {
      await call("POST", `/v1/leads/${encodeURIComponent(id)}:${verb}`, body(new FormData(form)));
      say(`${title}: done`);
      await again();
    } catch (e) {
      say(`${title}: ${e.message}`);
      form.append(h("p", { class: "error", role: "alert" }, e.message));
    }
  });
  return form;
}

function actions(id, session, again) {
  const reasons = session.handBackReasons || [];
  const reasonSelect = h("select", { name: "reason" },
    reasons.map((r) => h("option", { value: r }, r)), h("option", { value: "" }, "Other (write it below)"));
  const now = new Date(Date.now() - new Date().getTimezoneOffset() * 60000).toISOString().slice(0, 16);
  return h("div", { class: "actions", id: "actions" },
    action(id, "assign", "Assign", field("Owner", h("input", { name: "owner", required: true, autocomplete: "off" })),
      (d) => ({ owner: d.get("owner").trim() }), again),
    action(id, "accept", "Accept", field("Owner (optional)", h("input", { name: "owner", autocomplete: "off" })),
      (d) => ({ owner: d.get("owner").trim() }), again),
    action(id, "reject", "Hand back", [field("Reason", reasonSelect),
      field("Other reason", h("input", { name: "other", autocomplete: "off", maxlength: 256 }))],
    (d) => ({ reason: (d.get("other").trim() || d.get("reason")) }), again),
    action(id, "recordOutcome", "Record outcome", [
      field("Outcome", h("select", { name: "outcome" }, h("option", { value: "OUTCOME_WON" }, "Won"), h("option", { value: "OUTCOME_LOST" }, "Lost"))),
      field("When", h("input", { name: "at", type: "datetime-local", value: now, required: true }))],
    (d) => ({ outcome: d.get("outcome"), occurredAt: new Date(d.get("at")).toISOString() }), again));
}

export async function leadPage(ctx, id) {
  const { session, root } = ctx;
  const answer = await call("GET", `/v1/leads/${encodeURIComponent(id)}`);
  const lead = answer.lead || {};
  const profile = lead.profile || {};
  const score = lead.score || {};
  const closed = lead.status === "HAND_OFF_STATUS_WON" || lead.status === "HAND_OFF_STATUS_LOST";
  const canWrite = (session.scopes || []).includes("leads:write") && !closed;
  const again = () => leadPage(ctx, id);
  put(root,
    h("p", {}, h("a", { href: "#/queue" }, "← Queue")),
    h("h1", { id: "lead-name" }, profile.displayName || lead.leadId),
    h("p", { class: "sub" }, [profile.company, profile.email, profile.jobTitle, lead.leadId].filter(Boolean).join(" · ")),
    facts(lead, score),
    h("p", {}, lead.stageReason || ""),
    h("h2", {}, "Qualification"), verdicts(score),
    h("h2", {}, "Why this score"), explanation(score, root.clientWidth),
    h("h2", {}, "Activity"), timeline(answer.activities || [], Number(answer.activityCount || 0)),
    h("h2", {}, "Stage history"), history(answer.history || []),
    canWrite ? [h("h2", {}, "Hand-off"), actions(id, session, again)] : null);
}
