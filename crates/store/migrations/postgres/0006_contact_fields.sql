-- leadscore lead store, version 6: the profile's contact fields (display
-- name, company, e-mail), shown first wherever a lead is shown. Personal
-- data: empty means unknown, as for every profile text. (Version 5 is
-- another branch's; versions apply in order of their number.)
ALTER TABLE leads ADD COLUMN display_name TEXT NOT NULL DEFAULT '';
ALTER TABLE leads ADD COLUMN company TEXT NOT NULL DEFAULT '';
ALTER TABLE leads ADD COLUMN email TEXT NOT NULL DEFAULT '';
