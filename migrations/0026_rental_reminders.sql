CREATE TABLE "rental_reminders" (
	"id" serial PRIMARY KEY NOT NULL,
	"order_id" integer NOT NULL,
	"kind" text NOT NULL,
	"due_at" timestamp with time zone NOT NULL,
	"sent_at" timestamp with time zone DEFAULT now() NOT NULL,
	"customer_email_state" text DEFAULT 'scheduled' NOT NULL,
	"staff_notified" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "rental_reminders_kind_check" CHECK ("rental_reminders"."kind" in ('pickup_upcoming', 'return_due', 'overdue', 'unpaid_balance'))
);
--> statement-breakpoint
ALTER TABLE "rental_orders" ADD COLUMN "created_by" integer;--> statement-breakpoint
ALTER TABLE "rental_orders" ADD COLUMN "reserved_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "rental_reminders" ADD CONSTRAINT "rental_reminders_order_id_rental_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "public"."rental_orders"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "rental_reminders_once_key" ON "rental_reminders" USING btree ("order_id","kind","due_at");--> statement-breakpoint
-- Orders reserved before this migration: their creation is the closest known reservation date.
UPDATE "rental_orders" SET "reserved_at" = "created_at" WHERE "status" NOT IN ('draft', 'cancelled');
