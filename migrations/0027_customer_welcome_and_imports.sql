CREATE TABLE "customer_imports" (
	"id" serial PRIMARY KEY NOT NULL,
	"status" text DEFAULT 'queued' NOT NULL,
	"mode" text NOT NULL,
	"send_welcome" boolean DEFAULT false NOT NULL,
	"actor_id" integer NOT NULL,
	"actor" jsonb NOT NULL,
	"request_id" text,
	"filename" text,
	"size_bytes" integer NOT NULL,
	"data_key" "bytea",
	"data" "bytea",
	"rows" integer DEFAULT 0 NOT NULL,
	"created" integer DEFAULT 0 NOT NULL,
	"failed" integer DEFAULT 0 NOT NULL,
	"duplicates" integer DEFAULT 0 NOT NULL,
	"errors" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"detail" text,
	"finished_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "customer_imports_status_check" CHECK ("customer_imports"."status" in ('queued', 'running', 'succeeded', 'failed'))
);
--> statement-breakpoint
CREATE TABLE "customer_welcome_emails" (
	"customer_id" integer PRIMARY KEY NOT NULL,
	"state" text DEFAULT 'queued' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	"message_id" text,
	"sent_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "customer_welcome_emails_state_check" CHECK ("customer_welcome_emails"."state" in ('queued', 'sending', 'sent', 'skipped', 'failed', 'unknown'))
);
--> statement-breakpoint
ALTER TABLE "customer_welcome_emails" ADD CONSTRAINT "customer_welcome_emails_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "customer_imports_actor_idx" ON "customer_imports" USING btree ("actor_id","id");