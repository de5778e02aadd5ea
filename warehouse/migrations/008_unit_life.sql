-- 008: a unit's life span (the 2025 reform ended the district level and merged communes):
-- valid_from and valid_to (YYYY-MM-DD, empty when open) bound the days a unit exists; a dossier is
-- received by a unit only within them, and views may count an ended unit's dossiers under the unit
-- it was merged into (merged_into, merged_from).
ALTER TABLE units ADD COLUMN valid_from String DEFAULT '';

ALTER TABLE units ADD COLUMN valid_to String DEFAULT '';
