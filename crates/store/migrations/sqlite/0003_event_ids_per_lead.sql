-- leadscore lead store, version 3 (SQLite): an event id is unique per
-- lead, not store-wide, so two sources that number their own leads'
-- events alike do not swallow each other's events. SQLite cannot change
-- a primary key in place: the table is copied whole (every stored event
-- keeps its row), with the key now leading by lead, as every read does.
CREATE TABLE activities_v3 (
    lead_id TEXT NOT NULL,
    event_id TEXT NOT NULL,
    activity_type TEXT NOT NULL,
    occurred_at INTEGER NOT NULL,
    recorded_at INTEGER NOT NULL,
    PRIMARY KEY (lead_id, event_id)
) WITHOUT ROWID;
INSERT INTO activities_v3 (lead_id, event_id, activity_type, occurred_at, recorded_at)
    SELECT lead_id, event_id, activity_type, occurred_at, recorded_at FROM activities;
DROP TABLE activities;
ALTER TABLE activities_v3 RENAME TO activities;
CREATE INDEX activities_by_lead ON activities (lead_id, occurred_at);
