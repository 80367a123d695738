DROP INDEX "tickets_title_trgm_idx";--> statement-breakpoint
CREATE INDEX "tickets_title_trgm_idx" ON "tickets" USING gist ("title" gist_trgm_ops);