-- leadscore lead store, version 1 (PostgreSQL).
CREATE TABLE leads (
    lead_id TEXT COLLATE "C" PRIMARY KEY,
    job_title TEXT NOT NULL,
    seniority TEXT NOT NULL,
    department TEXT NOT NULL,
    industry TEXT NOT NULL,
    country TEXT NOT NULL,
    company_size DOUBLE PRECISION,
    annual_revenue DOUBLE PRECISION,
    email_domain TEXT NOT NULL,
    attributes TEXT NOT NULL,
    bant_budget BIGINT NOT NULL,
    bant_authority BIGINT NOT NULL,
    bant_need BIGINT NOT NULL,
    bant_timeline BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    stage BIGINT NOT NULL,
    score DOUBLE PRECISION NOT NULL,
    grade TEXT NOT NULL,
    stage_reason TEXT NOT NULL,
    scored_at BIGINT NOT NULL,
    model_version TEXT NOT NULL,
    rules_version TEXT NOT NULL,
    hand_off BIGINT NOT NULL,
    owner TEXT,
    follow_up_due BIGINT,
    overdue_notified BIGINT NOT NULL,
    recycled_at BIGINT,
    outcome_at BIGINT,
    rank_stage BIGINT NOT NULL,
    rank_score DOUBLE PRECISION NOT NULL
);
CREATE INDEX leads_priority ON leads (rank_stage, rank_score, lead_id);

CREATE TABLE activities (
    event_id TEXT COLLATE "C" PRIMARY KEY,
    lead_id TEXT COLLATE "C" NOT NULL,
    activity_type TEXT NOT NULL,
    occurred_at BIGINT NOT NULL,
    recorded_at BIGINT NOT NULL
);
CREATE INDEX activities_by_lead ON activities (lead_id, occurred_at);

CREATE TABLE stage_changes (
    seq BIGINT PRIMARY KEY,
    lead_id TEXT COLLATE "C" NOT NULL,
    kind BIGINT NOT NULL,
    stage BIGINT NOT NULL,
    score DOUBLE PRECISION NOT NULL,
    owner TEXT,
    reason TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX stage_changes_by_lead ON stage_changes (lead_id, seq);

CREATE TABLE counters (
    name TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);
