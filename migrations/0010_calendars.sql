CREATE TABLE "business_calendars" (
	"id" serial PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"time_zone" text DEFAULT 'UTC' NOT NULL,
	"weekly" jsonb NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "business_calendars_weekly_check" CHECK (jsonb_typeof("business_calendars"."weekly") = 'object')
);
--> statement-breakpoint
CREATE TABLE "calendar_closures" (
	"id" serial PRIMARY KEY NOT NULL,
	"calendar_id" integer NOT NULL,
	"kind" text NOT NULL,
	"name" text DEFAULT '' NOT NULL,
	"date" date,
	"starts_at" timestamp with time zone,
	"ends_at" timestamp with time zone,
	"source" text DEFAULT 'manual' NOT NULL,
	"uid" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "calendar_closures_kind_check" CHECK ("calendar_closures"."kind" in ('holiday', 'closure')),
	CONSTRAINT "calendar_closures_source_check" CHECK ("calendar_closures"."source" in ('manual', 'ical')),
	CONSTRAINT "calendar_closures_shape_check" CHECK (("calendar_closures"."kind" = 'holiday' and "calendar_closures"."date" is not null and "calendar_closures"."starts_at" is null and "calendar_closures"."ends_at" is null)
        or ("calendar_closures"."kind" = 'closure' and "calendar_closures"."date" is null and "calendar_closures"."starts_at" is not null and "calendar_closures"."ends_at" > "calendar_closures"."starts_at")),
	CONSTRAINT "calendar_closures_uid_check" CHECK (("calendar_closures"."source" = 'ical') = ("calendar_closures"."uid" is not null))
);
--> statement-breakpoint
ALTER TABLE "calendar_closures" ADD CONSTRAINT "calendar_closures_calendar_id_business_calendars_id_fk" FOREIGN KEY ("calendar_id") REFERENCES "public"."business_calendars"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "business_calendars_name_key" ON "business_calendars" USING btree (lower("name"));--> statement-breakpoint
CREATE INDEX "calendar_closures_calendar_id_date_index" ON "calendar_closures" USING btree ("calendar_id","date");--> statement-breakpoint
CREATE INDEX "calendar_closures_calendar_id_uid_index" ON "calendar_closures" USING btree ("calendar_id","uid");--> statement-breakpoint
CREATE UNIQUE INDEX "calendar_closures_manual_holiday_key" ON "calendar_closures" USING btree ("calendar_id","date") WHERE "calendar_closures"."kind" = 'holiday' and "calendar_closures"."source" = 'manual';