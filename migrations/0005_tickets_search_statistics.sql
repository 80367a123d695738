-- A larger sample of the searched columns keeps the planner's choice between the
-- full-text, trigram and created_at indexes stable as the table grows.
ALTER TABLE tickets ALTER COLUMN title SET STATISTICS 1000;
--> statement-breakpoint
ALTER TABLE tickets ALTER COLUMN search SET STATISTICS 1000;
