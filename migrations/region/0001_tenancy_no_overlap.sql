-- Tenant periods of one unit never overlap (R-T1). Services check first and answer with a clear
-- error; these triggers make the rule hold for every writer, including the integrator API and ops.
-- The row itself is excluded, so an idempotent re-insert (ON CONFLICT DO NOTHING) is not refused.
-- `ends_on` is the last day (inclusive); NULL means open-ended. ISO dates compare as text.
CREATE TRIGGER tenancies_no_overlap_insert
BEFORE INSERT ON tenancies
WHEN NEW.type = 'tenant' AND EXISTS (
  SELECT 1 FROM tenancies t
  WHERE t.id <> NEW.id AND t.unit_id = NEW.unit_id AND t.type = 'tenant'
    AND t.starts_on <= COALESCE(NEW.ends_on, '9999-12-31')
    AND NEW.starts_on <= COALESCE(t.ends_on, '9999-12-31')
)
BEGIN
  SELECT RAISE(ABORT, 'TENANCY_OVERLAP');
END;
--> statement-breakpoint
CREATE TRIGGER tenancies_no_overlap_update
BEFORE UPDATE OF unit_id, type, starts_on, ends_on ON tenancies
WHEN NEW.type = 'tenant' AND EXISTS (
  SELECT 1 FROM tenancies t
  WHERE t.id <> NEW.id AND t.unit_id = NEW.unit_id AND t.type = 'tenant'
    AND t.starts_on <= COALESCE(NEW.ends_on, '9999-12-31')
    AND NEW.starts_on <= COALESCE(t.ends_on, '9999-12-31')
)
BEGIN
  SELECT RAISE(ABORT, 'TENANCY_OVERLAP');
END;
--> statement-breakpoint
CREATE TRIGGER tenancies_dates_ordered
BEFORE INSERT ON tenancies
WHEN NEW.ends_on IS NOT NULL AND NEW.ends_on < NEW.starts_on
BEGIN
  SELECT RAISE(ABORT, 'TENANCY_DATES');
END;
