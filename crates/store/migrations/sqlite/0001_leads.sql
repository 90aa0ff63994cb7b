-- leadscore lead store, version 1 (SQLite).
CREATE TABLE leads (
    lead_id TEXT PRIMARY KEY,
    job_title TEXT NOT NULL,
    seniority TEXT NOT NULL,
    department TEXT NOT NULL,
    industry TEXT NOT NULL,
    country TEXT NOT NULL,
    company_size REAL,
    annual_revenue REAL,
    email_domain TEXT NOT NULL,
    attributes TEXT NOT NULL,
    bant_budget INTEGER NOT NULL,
    bant_authority INTEGER NOT NULL,
    bant_need INTEGER NOT NULL,
    bant_timeline INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    stage INTEGER NOT NULL,
    score REAL NOT NULL,
    grade TEXT NOT NULL,
    stage_reason TEXT NOT NULL,
    scored_at INTEGER NOT NULL,
    model_version TEXT NOT NULL,
    rules_version TEXT NOT NULL,
    hand_off INTEGER NOT NULL,
    owner TEXT,
    follow_up_due INTEGER,
    overdue_notified INTEGER NOT NULL,
    recycled_at INTEGER,
    outcome_at INTEGER,
    rank_stage INTEGER NOT NULL,
    rank_score REAL NOT NULL
);
CREATE INDEX leads_priority ON leads (rank_stage, rank_score, lead_id);

CREATE TABLE activities (
    event_id TEXT PRIMARY KEY,
    lead_id TEXT NOT NULL,
    activity_type TEXT NOT NULL,
    occurred_at INTEGER NOT NULL,
    recorded_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX activities_by_lead ON activities (lead_id, occurred_at);

CREATE TABLE stage_changes (
    seq INTEGER PRIMARY KEY,
    lead_id TEXT NOT NULL,
    kind INTEGER NOT NULL,
    stage INTEGER NOT NULL,
    score REAL NOT NULL,
    owner TEXT,
    reason TEXT NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX stage_changes_by_lead ON stage_changes (lead_id, seq);

CREATE TABLE counters (
    name TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
