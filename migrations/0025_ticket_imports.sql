CREATE TABLE "ticket_imports" (
	"id" serial PRIMARY KEY NOT NULL,
	"status" text DEFAULT 'queued' NOT NULL,
	"mode" text NOT NULL,
	"format" text NOT NULL,
	"actor_id" integer NOT NULL,
	"actor" jsonb NOT NULL,
	"request_id" text,
	"size_bytes" integer NOT NULL,
	"data" "bytea",
	"rows" integer DEFAULT 0 NOT NULL,
	"created" integer DEFAULT 0 NOT NULL,
	"failed" integer DEFAULT 0 NOT NULL,
	"errors" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"detail" text,
	"finished_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "ticket_imports_status_check" CHECK ("ticket_imports"."status" in ('queued', 'running', 'succeeded', 'failed'))
);
--> statement-breakpoint
DROP INDEX "tickets_title_trgm_idx";--> statement-breakpoint
CREATE INDEX "ticket_imports_actor_idx" ON "ticket_imports" USING btree ("actor_id","id");--> statement-breakpoint
-- Title words for typo correction are collected once per INSERT statement (a transition
-- table) rather than once per row: a 1,000-row import batch runs the trigger once. Updates
-- of a title keep the row trigger (PostgreSQL allows no transition table with a column list).
DROP TRIGGER tickets_collect_search_words ON tickets;
--> statement-breakpoint
CREATE FUNCTION tickets_collect_inserted_search_words() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO ticket_search_words (word)
  SELECT DISTINCT lower(w) FROM inserted, regexp_split_to_table(inserted.title, '[^[:alnum:]]+') AS w
  WHERE length(w) >= 3
  ON CONFLICT DO NOTHING;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER tickets_collect_inserted_search_words AFTER INSERT ON tickets
  REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION tickets_collect_inserted_search_words();
--> statement-breakpoint
CREATE TRIGGER tickets_collect_search_words AFTER UPDATE OF title ON tickets
  FOR EACH ROW EXECUTE FUNCTION tickets_collect_search_words();
