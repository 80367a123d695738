CREATE TABLE "scheduled_event_assignees" (
	"event_id" integer NOT NULL,
	"user_id" integer NOT NULL,
	CONSTRAINT "scheduled_event_assignees_event_id_user_id_pk" PRIMARY KEY("event_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "scheduled_event_exceptions" (
	"event_id" integer NOT NULL,
	"occurrence_start" timestamp with time zone NOT NULL,
	"cancelled" boolean DEFAULT false NOT NULL,
	"starts_at" timestamp with time zone,
	"ends_at" timestamp with time zone,
	"title" text,
	CONSTRAINT "scheduled_event_exceptions_event_id_occurrence_start_pk" PRIMARY KEY("event_id","occurrence_start")
);
--> statement-breakpoint
CREATE TABLE "scheduled_events" (
	"id" serial PRIMARY KEY NOT NULL,
	"title" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"event_type" text DEFAULT 'other' NOT NULL,
	"starts_at" timestamp with time zone NOT NULL,
	"ends_at" timestamp with time zone NOT NULL,
	"time_zone" text DEFAULT 'UTC' NOT NULL,
	"rrule" text,
	"location_id" integer,
	"facility_id" integer,
	"status" text DEFAULT 'scheduled' NOT NULL,
	"created_by" integer,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "scheduled_events_period_check" CHECK ("scheduled_events"."ends_at" > "scheduled_events"."starts_at"),
	CONSTRAINT "scheduled_events_type_check" CHECK ("scheduled_events"."event_type" in ('shift', 'overtime', 'meeting', 'training', 'maintenance', 'broadcast', 'other')),
	CONSTRAINT "scheduled_events_status_check" CHECK ("scheduled_events"."status" in ('scheduled', 'in_progress', 'completed', 'cancelled'))
);
--> statement-breakpoint
CREATE TABLE "time_entries" (
	"id" serial PRIMARY KEY NOT NULL,
	"user_id" integer NOT NULL,
	"date" date NOT NULL,
	"clock_in" timestamp with time zone NOT NULL,
	"clock_out" timestamp with time zone,
	"time_zone" text DEFAULT 'UTC' NOT NULL,
	"worked_minutes" integer,
	"location_id" integer,
	"shift_id" integer,
	"notes" text DEFAULT '' NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"approved_by" integer,
	"approved_at" timestamp with time zone,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "time_entries_period_check" CHECK ("time_entries"."clock_out" is null or "time_entries"."clock_out" > "time_entries"."clock_in"),
	CONSTRAINT "time_entries_status_check" CHECK ("time_entries"."status" in ('pending', 'approved', 'rejected'))
);
--> statement-breakpoint
CREATE TABLE "time_entry_breaks" (
	"id" serial PRIMARY KEY NOT NULL,
	"entry_id" integer NOT NULL,
	"starts_at" timestamp with time zone NOT NULL,
	"ends_at" timestamp with time zone,
	CONSTRAINT "time_entry_breaks_period_check" CHECK ("time_entry_breaks"."ends_at" is null or "time_entry_breaks"."ends_at" > "time_entry_breaks"."starts_at")
);
--> statement-breakpoint
CREATE TABLE "time_off_ledger" (
	"id" serial PRIMARY KEY NOT NULL,
	"user_id" integer NOT NULL,
	"request_type" text NOT NULL,
	"year" integer NOT NULL,
	"kind" text NOT NULL,
	"days" numeric(6, 2) NOT NULL,
	"note" text DEFAULT '' NOT NULL,
	"created_by" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "time_off_policies" (
	"id" serial PRIMARY KEY NOT NULL,
	"request_type" text NOT NULL,
	"annual_days" numeric(6, 2) DEFAULT 0 NOT NULL,
	"carry_forward_max_days" numeric(6, 2) DEFAULT 0 NOT NULL,
	"calendar_id" integer,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "time_off_policies_requestType_unique" UNIQUE("request_type")
);
--> statement-breakpoint
CREATE TABLE "time_off_requests" (
	"id" serial PRIMARY KEY NOT NULL,
	"user_id" integer NOT NULL,
	"request_type" text NOT NULL,
	"start_date" date NOT NULL,
	"end_date" date NOT NULL,
	"reason" text DEFAULT '' NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"approved_by" integer,
	"approved_at" timestamp with time zone,
	"decision_note" text DEFAULT '' NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "time_off_requests_period_check" CHECK ("time_off_requests"."end_date" >= "time_off_requests"."start_date"),
	CONSTRAINT "time_off_requests_status_check" CHECK ("time_off_requests"."status" in ('pending', 'approved', 'rejected', 'cancelled'))
);
--> statement-breakpoint
CREATE TABLE "timesheet_weeks" (
	"user_id" integer NOT NULL,
	"week_start" date NOT NULL,
	"approved_by" integer NOT NULL,
	"approved_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "timesheet_weeks_user_id_week_start_pk" PRIMARY KEY("user_id","week_start")
);
--> statement-breakpoint
ALTER TABLE "scheduled_event_assignees" ADD CONSTRAINT "scheduled_event_assignees_event_id_scheduled_events_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."scheduled_events"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "scheduled_event_exceptions" ADD CONSTRAINT "scheduled_event_exceptions_event_id_scheduled_events_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."scheduled_events"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "time_entry_breaks" ADD CONSTRAINT "time_entry_breaks_entry_id_time_entries_id_fk" FOREIGN KEY ("entry_id") REFERENCES "public"."time_entries"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "scheduled_event_assignees_user_idx" ON "scheduled_event_assignees" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "scheduled_events_starts_idx" ON "scheduled_events" USING btree ("starts_at");--> statement-breakpoint
CREATE UNIQUE INDEX "time_entries_one_open_per_user" ON "time_entries" USING btree ("user_id") WHERE "time_entries"."clock_out" is null;--> statement-breakpoint
CREATE INDEX "time_entries_user_date_idx" ON "time_entries" USING btree ("user_id","date");--> statement-breakpoint
CREATE INDEX "time_entry_breaks_entry_idx" ON "time_entry_breaks" USING btree ("entry_id");--> statement-breakpoint
CREATE UNIQUE INDEX "time_entry_breaks_one_open" ON "time_entry_breaks" USING btree ("entry_id") WHERE "time_entry_breaks"."ends_at" is null;--> statement-breakpoint
CREATE INDEX "time_off_ledger_user_idx" ON "time_off_ledger" USING btree ("user_id","request_type","year");--> statement-breakpoint
CREATE INDEX "time_off_requests_user_idx" ON "time_off_requests" USING btree ("user_id","start_date");