-- leadscore lead store, version 2 (PostgreSQL): the shadow model's score on
-- each lead, and the indexes pipeline health reads windows through.
ALTER TABLE leads ADD COLUMN shadow_score DOUBLE PRECISION;
ALTER TABLE leads ADD COLUMN shadow_model_version TEXT;
CREATE INDEX leads_by_outcome ON leads (outcome_at) WHERE outcome_at IS NOT NULL;
CREATE INDEX stage_changes_by_time ON stage_changes (at);
