ALTER TABLE "time_off_policies" ADD COLUMN "allow_negative_balance" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "ticket_slas" ADD COLUMN "cancelled" boolean DEFAULT false NOT NULL;--> statement-breakpoint
-- Clocks stopped by a cancellation before this column existed: the ledger says why each stopped.
UPDATE "ticket_slas" SET "cancelled" = true WHERE "ticket_id" IN (SELECT "ticket_id" FROM "sla_ledger" WHERE "kind" = 'resolved' AND "details"->>'status' = 'cancelled') AND "resolved_at" IS NOT NULL;
