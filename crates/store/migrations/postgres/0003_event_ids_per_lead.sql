-- leadscore lead store, version 3 (PostgreSQL): an event id is unique per
-- lead, not store-wide, so two sources that number their own leads'
-- events alike do not swallow each other's events.
ALTER TABLE activities DROP CONSTRAINT activities_pkey;
ALTER TABLE activities ADD PRIMARY KEY (lead_id, event_id);
