// Drives the web console in headless Chromium (/usr/bin/chromium, through
// playwright-core, which downloads nothing) against a real `leadscore
// serve`: a temporary SQLite store, HTTP on 127.0.0.1:0, a tokens file
// with an all-scopes token and a read-only one, leads seeded through the
// HTTP API. Every wait is on the DOM or the process's log, never a sleep.
//
//   node tests/console/console_test.mjs target/release/leadscore

import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { chromium } from "playwright-core";

const ROOT = resolve(new URL("../..", import.meta.url).pathname);
const BINARY = resolve(process.argv[2] || join(ROOT, "target/release/leadscore"));
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
// Bounds every wait: a console that never shows what it should fails the test.
const WAIT_MS = 15_000;
const OLDER = "20261101T000000Z-00000001";

let failures = 0;
function check(ok, what) {
  console.log(`${ok ? "ok  " : "FAIL"} ${what}`);
  if (!ok) failures += 1;
}

function tokensFile(dir) {
  const admin = randomBytes(24).toString("hex");
  const reader = randomBytes(24).toString("hex");
  const entry = (name, token, scopes) =>
    `[[tokens]]\nname = "${name}"\nsha256 = "${createHash("sha256").update(token).digest("hex")}"\nscopes = [${scopes.map((s) => `"${s}"`).join(", ")}]\n`;
  const path = join(dir, "tokens.toml");
  writeFileSync(path, entry("ava", admin, ["score", "leads:read", "leads:write", "models:admin"]) + entry("viewer", reader, ["leads:read"]));
  return { path, admin, reader };
}

// Starts the server and resolves with its HTTP base URL once it logs it.
function serve(dir, tokens) {
  const models = join(dir, "models");
  cpSync(join(ROOT, "models"), models, { recursive: true });
  // A second, older model: to roll back to and to name as the shadow.
  const shipped = readdirSync(models).find((f) => f.endsWith(".json"));
  const model = JSON.parse(readFileSync(join(models, shipped), "utf8"));
  model.version = OLDER;
  writeFileSync(join(models, `${OLDER}.json`), JSON.stringify(model));
  const child = spawn(BINARY, [
    "serve", "--listen", "127.0.0.1:0", "--http-listen", "127.0.0.1:0", "--log-format", "json",
    "--db", `sqlite://${dir}/leads.db`, "--models", models, "--rules", join(ROOT, "config/rules.toml"),
    "--tokens", tokens.path,
  ], { stdio: ["ignore", "ignore", "pipe"] });
  return new Promise((done, fail) => {
    const lines = createInterface({ input: child.stderr });
    lines.on("line", (line) => {
      const fields = JSON.parse(line).fields || {};
      if (fields.message === "serving HTTP/JSON") done({ child, base: `http://${fields.addr}` });
    });
    child.on("exit", (code) => fail(new Error(`leadscore serve exited (${code}) before serving`)));
  });
}

function api(base, token) {
  return async (method, path, body) => {
    const r = await fetch(base + path, {
      method, body: body && JSON.stringify(body),
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
    });
    const json = await r.json();
    if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(json)}`);
    return json;
  };
}

// Six leads of differing heat and countries: some reach SQL, some MQL.
async function seed(call) {
  const yes = { status: "BANT_STATUS_YES" };
  const leads = [
    ["c-ana", "Ana Silva", "Acme GmbH", "ana@acme.example", "US", ["demo_request", "pricing_page_view", "pricing_page_view", "webinar_attended"]],
    ["c-ben", "Ben Okafor", "Globex", "ben@globex.example", "CA", ["contact_sales", "pricing_page_view", "case_study_download"]],
    ["c-cai", "Cai Wen", "Initech", "cai@initech.example", "DE", ["demo_request", "webinar_attended"]],
    ["c-dee", "Dee Park", "Umbrella", "dee@umbrella.example", "US", ["pricing_page_view", "webinar_attended", "blog_read"]],
    ["c-eli", "Eli Moreau", "Hooli", "eli@hooli.example", "FR", ["blog_read", "blog_read"]],
    ["c-fay", "Fay Ito", "Stark", "fay@stark.example", "US", ["blog_read"]],
  ];
  await call("POST", "/v1/leads:batchUpsert", {
    leads: leads.map(([leadId, displayName, company, email, country]) => ({
      leadId,
      profile: { displayName, company, email, country, jobTitle: "VP Marketing", department: "Marketing", industry: "Software", companySize: 500, emailDomain: email.split("@")[1] },
      bant: { budget: yes, authority: yes, need: yes },
    })),
  });
  const now = Date.now();
  await call("POST", "/v1/activities:batchRecord", {
    events: leads.flatMap(([leadId, , , , , types]) => types.map((type, i) => ({
      eventId: `${leadId}-${i}`, leadId, type, occurredAt: new Date(now - (i + 1) * 3_600_000).toISOString(),
    }))),
  });
  return leads.map((l) => l[0]);
}

const rowsOf = (page) => page.$$eval("#queue tbody tr[data-lead-id]", (rows) =>
  rows.map((r) => ({ id: r.dataset.leadId, score: Number(r.dataset.score), stage: r.dataset.stage, status: r.dataset.status })));

async function signIn(page, base, token) {
  await page.goto(`${base}/`);
  check(new URL(page.url()).pathname === "/console/", "/ redirects to /console/");
  await page.fill("#token", token);
  await page.click("#sign-in button[type=submit]");
  await page.waitForSelector("#queue tbody tr[data-lead-id]", { timeout: WAIT_MS });
}

async function queue(page, call) {
  const listed = (await call("GET", "/v1/leads?pageSize=100")).leads;
  const rows = await rowsOf(page);
  check(rows.map((r) => r.id).join() === listed.map((l) => l.leadId).join(), "the queue lists the API's prioritized order");
  const rank = { STAGE_SQL: 3, STAGE_MQL: 2, STAGE_NURTURING: 1 };
  const ordered = rows.every((r, i) => i === 0 || rank[rows[i - 1].stage] > rank[r.stage]
    || (rank[rows[i - 1].stage] === rank[r.stage] && rows[i - 1].score >= r.score));
  check(ordered && rows.length === 6, "highest stage, then highest score, first (6 leads)");
  check(await page.textContent("#queue tbody tr:first-child .name") === listed[0].displayName, "a row shows the lead's name first");

  const sqls = (await call("GET", "/v1/leads?stages=STAGE_SQL")).leads.length;
  await page.check("input[name=stages][value=STAGE_SQL]");
  await page.waitForFunction((n) => {
    const rows = [...document.querySelectorAll("#queue tbody tr[data-lead-id]")];
    return rows.length === n && rows.every((r) => r.dataset.stage === "STAGE_SQL");
  }, sqls, { timeout: WAIT_MS });
  check(sqls > 0, `the stage filter shows only the ${sqls} SQLs`);
  await page.uncheck("input[name=stages][value=STAGE_SQL]");
  await page.fill("input[name=country]", "US");
  await page.waitForFunction(() => document.querySelectorAll("#queue tbody tr[data-lead-id]").length === 3, null, { timeout: WAIT_MS });
  check(true, "the country filter shows the 3 US leads");
  await page.fill("input[name=country]", "");
  const min = Math.floor(listed[2].score);
  const above = listed.filter((l) => (l.score || 0) >= min).length;
  await page.fill("input[name=minScore]", String(min));
  await page.waitForFunction((n) => document.querySelectorAll("#queue tbody tr[data-lead-id]").length === n, above, { timeout: WAIT_MS });
  check(true, `the minimum-score filter (${min}) shows the ${above} leads at or above it`);
  await page.fill("input[name=minScore]", "");
  await page.waitForFunction(() => document.querySelectorAll("#queue tbody tr[data-lead-id]").length === 6, null, { timeout: WAIT_MS });

  // A change made elsewhere shows up without a reload.
  const sql = (await call("GET", "/v1/leads?stages=STAGE_SQL")).leads[0].leadId;
  await call("POST", `/v1/leads/${sql}:accept`, {});
  await page.waitForSelector(`#queue tr[data-lead-id="${sql}"][data-status="HAND_OFF_STATUS_ACCEPTED"]`, { timeout: WAIT_MS });
  check(true, "an accept made through the API appears in the queue without reload");
  // A new SQL from an event recorded through the API shows up live too.
  await call("POST", "/v1/activities:batchRecord", {
    events: ["demo_request", "pricing_page_view", "pricing_page_view"].map((type, i) => ({
      eventId: `c-fay-live-${i}`, leadId: "c-fay", type, occurredAt: new Date(Date.now() - (i + 1) * 60_000).toISOString(),
    })),
  });
  await page.waitForSelector('#queue tr[data-lead-id="c-fay"][data-stage="STAGE_SQL"]', { timeout: WAIT_MS });
  check(true, "a lead that becomes SQL from a recorded event appears as SQL in the queue without reload");

  await page.click("#page h1"); // out of the filters: keys typed there are text
  await page.keyboard.press("j");
  await page.keyboard.press("j");
  await page.keyboard.press("k");
  await page.keyboard.press("ArrowDown");
  const second = (await rowsOf(page))[1].id;
  const selected = await page.getAttribute("#queue tr[aria-selected=true]", "data-lead-id");
  check(selected === second, "j, j, k, ↓ selects the second row");
  await page.keyboard.press("Enter");
  await page.waitForSelector("#lead-name", { timeout: WAIT_MS });
  check(decodeURIComponent(new URL(page.url()).hash) === `#/lead/${second}`, "Enter opens the selected lead");
}

async function waterfallAddsUp(page, call, id) {
  const answer = await call("GET", `/v1/leads/${id}`);
  const chart = await page.$eval("svg.waterfall", (svg) => ({
    start: Number(svg.dataset.start), logit: Number(svg.dataset.logit),
    steps: [...svg.querySelectorAll("rect.step")].map((r) => Number(r.dataset.value)),
    total: Number(svg.querySelector("rect.total").dataset.value),
  }));
  const sum = chart.start + chart.steps.reduce((a, b) => a + b, 0);
  check(chart.steps.length > 0 && Math.abs(sum - chart.logit) < 1e-9 && chart.total === chart.logit,
    `the waterfall's ${chart.steps.length} bars and its start sum to the logit (${chart.logit})`);
  check(chart.logit === answer.lead.score.logit && chart.steps.length === answer.lead.score.contributions.length,
    "the waterfall shows the API's logit and every contribution");
  check(chart.start === answer.lead.score.baselineLogit,
    `the waterfall starts from the API's baseline logit (${answer.lead.score.baselineLogit})`);
  check((await page.$$("#timeline li")).length > 0, "the activity timeline lists the activities");
  check((await page.$$("#verdicts tbody tr")).length > 0, "each qualification verdict is shown");
}

async function actions(page, base, call) {
  const open = (await call("GET", "/v1/leads?stages=STAGE_SQL")).leads.find((l) => l.status !== "HAND_OFF_STATUS_ACCEPTED");
  const id = open.leadId;
  await page.goto(`${base}/console/#/lead/${id}`);
  await page.waitForSelector("#actions", { timeout: WAIT_MS });
  await page.fill("form[data-action=assign] input[name=owner]", "ben");
  await page.click("form[data-action=assign] button");
  await page.waitForFunction(() => document.querySelector("#lead-owner b")?.textContent === "ben", null, { timeout: WAIT_MS });
  check(true, "Assign sets the owner");
  await page.click("form[data-action=accept] button");
  await page.waitForSelector('#lead-status[data-status="HAND_OFF_STATUS_ACCEPTED"]', { timeout: WAIT_MS });
  check(true, "Accept shows the lead accepted");
  const reason = await page.$eval("form[data-action=reject] select option", (o) => o.value);
  await page.selectOption("form[data-action=reject] select", reason);
  await page.click("form[data-action=reject] button");
  await page.waitForSelector('#lead-stage[data-stage="STAGE_NURTURING"]', { timeout: WAIT_MS });
  const history = await call("GET", `/v1/leads/${id}`);
  check(history.history.some((c) => c.kind === "STAGE_CHANGE_KIND_RECYCLED" && c.reason.includes(reason)), `Hand back with "${reason}" recycles the lead to nurturing`);
  await page.goto(`${base}/console/#/queue`);
  await page.check("input[name=stages][value=STAGE_SQL]");
  await page.waitForFunction((gone) => {
    const rows = [...document.querySelectorAll("#queue tbody tr[data-lead-id]")];
    return rows.length > 0 && rows.every((r) => r.dataset.stage === "STAGE_SQL") && !rows.some((r) => r.dataset.leadId === gone);
  }, id, { timeout: WAIT_MS });
  check(true, "the handed-back lead has left the SQL queue");
  await page.goto(`${base}/console/#/lead/${id}`);
  await page.waitForSelector("#actions", { timeout: WAIT_MS });
  await page.selectOption("form[data-action=recordOutcome] select", "OUTCOME_WON");
  await page.click("form[data-action=recordOutcome] button");
  await page.waitForSelector('#lead-status[data-status="HAND_OFF_STATUS_WON"]', { timeout: WAIT_MS });
  check(true, "Record outcome shows the lead won");
}

async function readOnly(browser, base, token, id) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await signIn(page, base, token);
  await page.goto(`${base}/console/#/lead/${id}`);
  await page.waitForSelector("#lead-name", { timeout: WAIT_MS });
  check((await page.$$("#actions, #actions button")).length === 0, "a read-only token sees no hand-off actions");
  await page.goto(`${base}/console/#/models`);
  await page.waitForSelector("#models tbody tr", { timeout: WAIT_MS });
  check((await page.$$("#models button, .actions button")).length === 0, "a read-only token sees no model actions");
  const refused = await fetch(`${base}/v1/leads/${encodeURIComponent(id)}:accept`, {
    method: "POST", body: "{}", headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
  });
  check(refused.status === 403, `a read-only token calling accept anyway is refused (HTTP ${refused.status})`);
  await page.close();
}

// Pages rendered, no horizontal overflow, and every control labelled.
async function pages(page, base, id) {
  for (const [hash, ready] of [["#/queue", "#queue tbody tr"], [`#/lead/${id}`, "svg.waterfall"], ["#/pipeline", "#calibration svg"], ["#/models", "#points tbody tr"]]) {
    await page.goto(`${base}/console/${hash}`);
    await page.waitForSelector(ready, { timeout: WAIT_MS });
    const unlabelled = await page.$$eval("input, select, textarea", (els) =>
      els.filter((e) => e.type !== "hidden" && e.labels.length === 0 && !e.getAttribute("aria-label")).map((e) => e.name || e.id));
    check(unlabelled.length === 0, `${hash}: every input has a label ${unlabelled.join(" ")}`);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    check(overflow <= 0, `${hash}: no horizontal overflow at ${page.viewportSize().width} px (${overflow})`);
    if (process.env.SCREENSHOTS) {
      const name = `${hash.split("/")[1]}-${page.viewportSize().width}.png`;
      await page.screenshot({ path: join(process.env.SCREENSHOTS, name), fullPage: true });
    }
  }
}

// Shadow, side by side, roll back and unpin, through the buttons.
async function models(page, base) {
  await page.goto(`${base}/console/#/models`);
  const older = `#models tr[data-version="${OLDER}"]`;
  await page.click(`${older} button:text("Shadow")`);
  await page.waitForFunction((sel) => document.querySelector(sel)?.textContent.includes("shadow"), older, { timeout: WAIT_MS });
  await page.waitForSelector("#side-by-side", { timeout: WAIT_MS });
  check(true, "Shadow names the shadow model and the page sets it beside the active one");
  await page.click(`button:text("Roll back to ${OLDER}")`);
  await page.waitForFunction((sel) => /active, pinned/.test(document.querySelector(sel)?.textContent), older, { timeout: WAIT_MS });
  check(true, "Roll back pins the previous model");
  await page.click('button:text("Unpin")');
  await page.waitForFunction((sel) => !/active/.test(document.querySelector(sel)?.textContent), older, { timeout: WAIT_MS });
  check(true, "Unpin follows the newest model again");
}

async function assets(base) {
  const r = await fetch(`${base}/console/app.js`);
  check(r.headers.get("content-type").startsWith("text/javascript") && r.headers.get("content-security-policy").includes("script-src 'self'"),
    "scripts are served as JavaScript under the content security policy");
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), "leadscore-console-"));
  const tokens = tokensFile(dir);
  const { child, base } = await serve(dir, tokens);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"], timeout: WAIT_MS });
  const errors = [];
  try {
    const call = api(base, tokens.admin);
    await seed(call);
    await assets(base);
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    // The first visit asks for a session without a token (a server without
    // tokens answers it); with tokens that is the one expected 401.
    page.on("console", (m) => m.type() === "error" && !m.text().includes("status of 401") && errors.push(m.text()));
    page.on("pageerror", (e) => errors.push(e.message));
    await signIn(page, base, tokens.admin);
    await queue(page, call);
    const opened = decodeURIComponent(new URL(page.url()).hash).split("/")[2];
    await waterfallAddsUp(page, call, opened);
    // Pages (and their screenshots) before the actions close the lead.
    await pages(page, base, opened);
    await actions(page, base, call);
    await models(page, base);
    await readOnly(browser, base, tokens.reader, opened);
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 } });
    phone.on("pageerror", (e) => errors.push(e.message));
    await signIn(phone, base, tokens.admin);
    await pages(phone, base, opened);
    check(errors.length === 0, `no script errors or policy violations ${errors.join(" | ")}`);
  } finally {
    await browser.close();
    child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  }
  if (failures) {
    console.log(`${failures} console check(s) failed`);
    process.exit(1);
  }
  console.log("all console checks passed");
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
