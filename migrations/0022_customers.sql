CREATE TABLE "customer_key_rotations" (
	"id" serial PRIMARY KEY NOT NULL,
	"kek_id" text NOT NULL,
	"last_customer_id" integer DEFAULT 0 NOT NULL,
	"rewrapped" integer DEFAULT 0 NOT NULL,
	"total" integer NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "customer_search_words" (
	"word" text PRIMARY KEY NOT NULL
);
--> statement-breakpoint
CREATE TABLE "customers" (
	"id" serial PRIMARY KEY NOT NULL,
	"kind" text DEFAULT 'person' NOT NULL,
	"first_name" text DEFAULT '' NOT NULL,
	"last_name" text DEFAULT '' NOT NULL,
	"company" text DEFAULT '' NOT NULL,
	"organisation_id" integer,
	"status" text DEFAULT 'lead' NOT NULL,
	"tags" text[] DEFAULT '{}'::text[] NOT NULL,
	"owner_id" integer,
	"marketing_consent" boolean DEFAULT false NOT NULL,
	"marketing_consent_at" timestamp with time zone,
	"marketing_consent_source" text,
	"data_key" "bytea",
	"data_key_kek" text,
	"email" "bytea",
	"phone" "bytea",
	"addresses" "bytea",
	"date_of_birth" "bytea",
	"notes" "bytea",
	"email_index" integer,
	"phone_index" integer,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"search" "tsvector" GENERATED ALWAYS AS (to_tsvector('simple', first_name || ' ' || last_name || ' ' || company)) STORED,
	CONSTRAINT "customers_kind_check" CHECK ("customers"."kind" in ('person', 'organisation')),
	CONSTRAINT "customers_status_check" CHECK ("customers"."status" in ('lead', 'active', 'inactive')),
	CONSTRAINT "customers_contact_is_person_check" CHECK ("customers"."organisation_id" is null or "customers"."kind" = 'person')
);
--> statement-breakpoint
ALTER TABLE "customers" ADD CONSTRAINT "customers_organisation_id_customers_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."customers"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "customer_search_words_trgm_idx" ON "customer_search_words" USING gin ("word" gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "customers_search_idx" ON "customers" USING gin ("search");--> statement-breakpoint
CREATE INDEX "customers_created_idx" ON "customers" USING btree ("created_at","id");--> statement-breakpoint
CREATE INDEX "customers_status_idx" ON "customers" USING btree ("status","created_at");--> statement-breakpoint
CREATE INDEX "customers_owner_idx" ON "customers" USING btree ("owner_id");--> statement-breakpoint
CREATE INDEX "customers_organisation_idx" ON "customers" USING btree ("organisation_id");--> statement-breakpoint
CREATE INDEX "customers_tags_idx" ON "customers" USING gin ("tags");--> statement-breakpoint
CREATE INDEX "customers_email_index_idx" ON "customers" USING btree ("email_index");--> statement-breakpoint
CREATE INDEX "customers_phone_index_idx" ON "customers" USING btree ("phone_index");--> statement-breakpoint
CREATE INDEX "customers_data_key_kek_idx" ON "customers" USING btree ("data_key_kek","id");--> statement-breakpoint
-- The words of customer names and companies, for typo correction (customers.search.ts):
-- kept by a trigger, so every writer (API, import, COPY with triggers on) feeds it.
CREATE FUNCTION customers_collect_search_words() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO customer_search_words (word)
  SELECT DISTINCT lower(w)
    FROM regexp_split_to_table(NEW.first_name || ' ' || NEW.last_name || ' ' || NEW.company, '[^[:alnum:]]+') AS w
   WHERE length(w) >= 3
  ON CONFLICT DO NOTHING;
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER customers_collect_search_words AFTER INSERT OR UPDATE OF first_name, last_name, company ON customers
  FOR EACH ROW EXECUTE FUNCTION customers_collect_search_words();
--> statement-breakpoint
-- Searched words are names: a raised statistics target keeps the planner's view of the tsvector stable.
ALTER TABLE customers ALTER COLUMN search SET STATISTICS 1000;
