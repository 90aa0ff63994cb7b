-- leadscore lead store, version 4 (PostgreSQL): each lead's feature state and
-- the time the sweep must next re-score it.
-- feature_state: the lead's LeadFeatureState as JSON, which names the decay
-- (half-life, dedupe window) it was built for; derived from the lead's
-- events (written in the same transaction), rebuilt from them when the
-- model's decay changes; NULL until first built.
-- due_at: when the sweep must next re-score the lead (NULL: not before a
-- new event, hand-off, or model or rules change), indexed so that a sweep
-- reads only the due leads.
ALTER TABLE leads ADD COLUMN feature_state TEXT;
ALTER TABLE leads ADD COLUMN due_at BIGINT;
CREATE INDEX leads_due ON leads (due_at, lead_id) WHERE due_at IS NOT NULL;
-- What the whole store was last re-scored with (model, rules, shadow): a
-- sweep under another scorer re-scores every lead first.
CREATE TABLE live_marks (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
