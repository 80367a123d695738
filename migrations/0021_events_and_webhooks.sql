CREATE TABLE "events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"type" text NOT NULL,
	"version" smallint DEFAULT 1 NOT NULL,
	"occurred_at" timestamp with time zone DEFAULT now() NOT NULL,
	"actor_id" integer,
	"actor_label" text,
	"subject_type" text NOT NULL,
	"subject_id" text NOT NULL,
	"department_id" integer,
	"location_id" integer,
	"user_ids" integer[] DEFAULT '{}'::integer[] NOT NULL,
	"audience" text DEFAULT 'all' NOT NULL,
	"payload" jsonb NOT NULL,
	"request_id" text
);
--> statement-breakpoint
CREATE INDEX "events_occurred_at_index" ON "events" USING btree ("occurred_at");--> statement-breakpoint
CREATE INDEX "events_subject_type_subject_id_id_index" ON "events" USING btree ("subject_type","subject_id","id");--> statement-breakpoint
-- Event ids follow commit order. A row gets a provisional id at insert; at commit this
-- deferred trigger takes a transaction lock (so committing writers of events go one at
-- a time, as NOTIFY makes them anyway), gives the row the next id and announces it. A
-- reader that has seen id N therefore never later finds a committed event below N:
-- `id > cursor` is a complete resume point (webhook cursors, Last-Event-ID).
CREATE FUNCTION events_number_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  final_id bigint;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtextextended('opsdesk.events.commit_order', 0));
  final_id := nextval('events_id_seq');
  UPDATE events SET id = final_id WHERE id = NEW.id;
  PERFORM pg_notify('opsdesk_events', final_id::text);
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER events_number_at_commit
  AFTER INSERT ON events
  DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION events_number_at_commit();
