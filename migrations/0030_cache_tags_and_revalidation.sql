CREATE TABLE "revalidation_deliveries" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"target_id" integer NOT NULL,
	"first_event_id" bigint NOT NULL,
	"last_event_id" bigint NOT NULL,
	"tags" text[] NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_status_code" integer,
	"last_error" text,
	"delivered_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "revalidation_deliveries_status_check" CHECK ("revalidation_deliveries"."status" in ('pending', 'retrying', 'succeeded', 'dead'))
);
--> statement-breakpoint
CREATE TABLE "revalidation_targets" (
	"id" serial PRIMARY KEY NOT NULL,
	"url" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"secret" text NOT NULL,
	"cursor" bigint DEFAULT 0 NOT NULL,
	"created_by" integer,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "events" ADD COLUMN "tags" text[] DEFAULT '{}'::text[] NOT NULL;--> statement-breakpoint
ALTER TABLE "revalidation_deliveries" ADD CONSTRAINT "revalidation_deliveries_target_id_revalidation_targets_id_fk" FOREIGN KEY ("target_id") REFERENCES "public"."revalidation_targets"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "revalidation_deliveries_target_id_id_index" ON "revalidation_deliveries" USING btree ("target_id","id");--> statement-breakpoint
CREATE INDEX "revalidation_deliveries_created_at_index" ON "revalidation_deliveries" USING btree ("created_at");--> statement-breakpoint
-- Cache tags: at commit, each of an event's tags gets the event's final id as its
-- generation (`tag:<tag>`). Ids follow commit order, so a cached value computed after
-- seeing event N stays valid exactly while its tags' generations are at most N
-- (src/platform/cache/tagged-cache.ts). The rows are written under the numbering lock:
-- no wait beyond the one commits of events already take, and no deadlock with writers
-- of other generations (only this trigger writes `tag:` rows).
CREATE OR REPLACE FUNCTION events_number_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  final_id bigint;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtextextended('opsdesk.events.commit_order', 0));
  final_id := nextval('events_id_seq');
  UPDATE events SET id = final_id WHERE id = NEW.id;
  IF cardinality(NEW.tags) > 0 THEN
    INSERT INTO cache_generations (name, generation)
      SELECT DISTINCT 'tag:' || tag, final_id FROM unnest(NEW.tags) AS tag
      ON CONFLICT (name) DO UPDATE SET generation = GREATEST(cache_generations.generation, EXCLUDED.generation);
  END IF;
  PERFORM pg_notify('opsdesk_events', final_id::text);
  RETURN NULL;
END;
$$;
