CREATE TABLE "rental_card_events" (
	"id" serial PRIMARY KEY NOT NULL,
	"event_id" text NOT NULL,
	"type" text NOT NULL,
	"payment_id" integer,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "rental_ledger_entries" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"order_id" integer NOT NULL,
	"kind" text NOT NULL,
	"amount" integer NOT NULL,
	"balance_delta" integer NOT NULL,
	"deposit_delta" integer DEFAULT 0 NOT NULL,
	"currency" char(3) NOT NULL,
	"payment_id" integer,
	"stock_item_id" integer,
	"description" text DEFAULT '' NOT NULL,
	"actor_id" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "rental_ledger_entries_amount_check" CHECK ("rental_ledger_entries"."amount" >= 0)
);
--> statement-breakpoint
CREATE TABLE "rental_payments" (
	"id" serial PRIMARY KEY NOT NULL,
	"order_id" integer NOT NULL,
	"kind" text NOT NULL,
	"provider" text NOT NULL,
	"method" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"amount" integer NOT NULL,
	"currency" char(3) NOT NULL,
	"parent_id" integer,
	"applied_amount" integer DEFAULT 0 NOT NULL,
	"provider_ref" text,
	"reference" text DEFAULT '' NOT NULL,
	"idempotency_key" text NOT NULL,
	"failure_reason" text,
	"created_by" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"settled_at" timestamp with time zone,
	CONSTRAINT "rental_payments_amount_check" CHECK ("rental_payments"."amount" > 0 and "rental_payments"."applied_amount" >= 0 and "rental_payments"."applied_amount" <= "rental_payments"."amount")
);
--> statement-breakpoint
CREATE TABLE "rental_handovers" (
	"id" serial PRIMARY KEY NOT NULL,
	"order_id" integer NOT NULL,
	"booking_id" integer NOT NULL,
	"stock_item_id" integer NOT NULL,
	"kind" text NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"condition" text DEFAULT '' NOT NULL,
	"notes" text DEFAULT '' NOT NULL,
	"late_minutes" integer DEFAULT 0 NOT NULL,
	"late_fee" integer DEFAULT 0 NOT NULL,
	"damage_amount" integer DEFAULT 0 NOT NULL,
	"actor_id" integer,
	CONSTRAINT "rental_handovers_money_check" CHECK ("rental_handovers"."late_minutes" >= 0 and "rental_handovers"."late_fee" >= 0 and "rental_handovers"."damage_amount" >= 0)
);
--> statement-breakpoint
CREATE TABLE "rental_photos" (
	"id" serial PRIMARY KEY NOT NULL,
	"order_id" integer NOT NULL,
	"handover_id" integer,
	"filename" text NOT NULL,
	"content_type" text NOT NULL,
	"size" integer NOT NULL,
	"sha256" text NOT NULL,
	"storage_key" text NOT NULL,
	"uploader_id" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "rental_products" DROP CONSTRAINT "rental_products_minutes_check";--> statement-breakpoint
ALTER TABLE "rental_products" ADD COLUMN "late_fee_grace_minutes" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "rental_card_events" ADD CONSTRAINT "rental_card_events_payment_id_rental_payments_id_fk" FOREIGN KEY ("payment_id") REFERENCES "public"."rental_payments"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rental_ledger_entries" ADD CONSTRAINT "rental_ledger_entries_order_id_rental_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "public"."rental_orders"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rental_ledger_entries" ADD CONSTRAINT "rental_ledger_entries_payment_id_rental_payments_id_fk" FOREIGN KEY ("payment_id") REFERENCES "public"."rental_payments"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rental_ledger_entries" ADD CONSTRAINT "rental_ledger_entries_stock_item_id_rental_stock_items_id_fk" FOREIGN KEY ("stock_item_id") REFERENCES "public"."rental_stock_items"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rental_payments" ADD CONSTRAINT "rental_payments_order_id_rental_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "public"."rental_orders"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rental_payments" ADD CONSTRAINT "rental_payments_parent_id_rental_payments_id_fk" FOREIGN KEY ("parent_id") REFERENCES "public"."rental_payments"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rental_handovers" ADD CONSTRAINT "rental_handovers_order_id_rental_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "public"."rental_orders"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rental_handovers" ADD CONSTRAINT "rental_handovers_booking_id_rental_bookings_id_fk" FOREIGN KEY ("booking_id") REFERENCES "public"."rental_bookings"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rental_handovers" ADD CONSTRAINT "rental_handovers_stock_item_id_rental_stock_items_id_fk" FOREIGN KEY ("stock_item_id") REFERENCES "public"."rental_stock_items"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rental_photos" ADD CONSTRAINT "rental_photos_order_id_rental_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "public"."rental_orders"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rental_photos" ADD CONSTRAINT "rental_photos_handover_id_rental_handovers_id_fk" FOREIGN KEY ("handover_id") REFERENCES "public"."rental_handovers"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "rental_card_events_event_id_key" ON "rental_card_events" USING btree ("event_id");--> statement-breakpoint
CREATE INDEX "rental_ledger_entries_order_id_id_index" ON "rental_ledger_entries" USING btree ("order_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "rental_payments_idempotency_key" ON "rental_payments" USING btree ("order_id","kind","idempotency_key");--> statement-breakpoint
CREATE UNIQUE INDEX "rental_payments_provider_ref_key" ON "rental_payments" USING btree ("provider","provider_ref") WHERE "rental_payments"."provider_ref" is not null;--> statement-breakpoint
CREATE INDEX "rental_payments_parent_id_index" ON "rental_payments" USING btree ("parent_id");--> statement-breakpoint
CREATE UNIQUE INDEX "rental_handovers_booking_kind_key" ON "rental_handovers" USING btree ("booking_id","kind");--> statement-breakpoint
CREATE INDEX "rental_handovers_order_id_index" ON "rental_handovers" USING btree ("order_id");--> statement-breakpoint
CREATE UNIQUE INDEX "rental_photos_storage_key" ON "rental_photos" USING btree ("storage_key");--> statement-breakpoint
CREATE INDEX "rental_photos_order_id_index" ON "rental_photos" USING btree ("order_id");--> statement-breakpoint
CREATE INDEX "rental_photos_handover_id_index" ON "rental_photos" USING btree ("handover_id");--> statement-breakpoint
ALTER TABLE "rental_products" ADD CONSTRAINT "rental_products_minutes_check" CHECK ("rental_products"."buffer_before_minutes" >= 0 and "rental_products"."buffer_after_minutes" >= 0 and "rental_products"."min_duration_minutes" >= 1 and "rental_products"."lead_time_minutes" >= 0 and "rental_products"."late_fee_grace_minutes" >= 0);--> statement-breakpoint
-- The payment ledger is append-only: a correction is a new entry, never an edit.
CREATE FUNCTION rental_ledger_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'rental_ledger_entries is append-only' USING ERRCODE = 'insufficient_privilege';
END;
$$;
--> statement-breakpoint
CREATE TRIGGER rental_ledger_entries_append_only
  BEFORE UPDATE OR DELETE ON rental_ledger_entries
  FOR EACH STATEMENT EXECUTE FUNCTION rental_ledger_is_append_only();
