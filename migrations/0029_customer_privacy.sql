CREATE TABLE "customer_merges" (
	"duplicate_id" integer PRIMARY KEY NOT NULL,
	"survivor_id" integer NOT NULL,
	"merged_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "tickets" ADD COLUMN "requester_customer_id" integer;--> statement-breakpoint
ALTER TABLE "customers" ADD COLUMN "erased_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "customer_merges" ADD CONSTRAINT "customer_merges_survivor_id_customers_id_fk" FOREIGN KEY ("survivor_id") REFERENCES "public"."customers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "customer_merges_survivor_idx" ON "customer_merges" USING btree ("survivor_id");--> statement-breakpoint
CREATE INDEX "tickets_requester_customer_idx" ON "tickets" USING btree ("requester_customer_id");--> statement-breakpoint
CREATE INDEX "customers_name_trgm_idx" ON "customers" USING gin ((lower(case when "kind" = 'organisation' then "company" else "first_name" || ' ' || "last_name" end)) gin_trgm_ops);--> statement-breakpoint
-- A ticket's requester customer: another module's table, so the schema files never import it
-- (a module reaches another only through its index.ts); the database still keeps the
-- reference honest, and deleting a customer leaves their tickets without a requester.
ALTER TABLE "tickets" ADD CONSTRAINT "tickets_requester_customer_id_customers_id_fk" FOREIGN KEY ("requester_customer_id") REFERENCES "public"."customers"("id") ON DELETE set null ON UPDATE no action;
