CREATE TABLE "rental_bookings" (
	"id" serial PRIMARY KEY NOT NULL,
	"order_id" integer NOT NULL,
	"order_line_id" integer NOT NULL,
	"stock_item_id" integer NOT NULL,
	"starts_at" timestamp with time zone NOT NULL,
	"ends_at" timestamp with time zone NOT NULL,
	"period" "tstzrange" GENERATED ALWAYS AS (tstzrange(starts_at, ends_at, '[)')) STORED NOT NULL,
	"released_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "rental_bookings_period_check" CHECK ("rental_bookings"."ends_at" > "rental_bookings"."starts_at")
);
--> statement-breakpoint
CREATE TABLE "rental_categories" (
	"id" serial PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "rental_order_lines" (
	"id" serial PRIMARY KEY NOT NULL,
	"order_id" integer NOT NULL,
	"product_id" integer NOT NULL,
	"quantity" integer NOT NULL,
	"unit_price" integer NOT NULL,
	"breakdown" jsonb NOT NULL,
	"line_total" integer NOT NULL,
	"unit_deposit" integer NOT NULL,
	CONSTRAINT "rental_order_lines_quantity_check" CHECK ("rental_order_lines"."quantity" >= 1)
);
--> statement-breakpoint
CREATE TABLE "rental_orders" (
	"id" serial PRIMARY KEY NOT NULL,
	"customer_id" integer NOT NULL,
	"status" text DEFAULT 'draft' NOT NULL,
	"rental_start" timestamp with time zone NOT NULL,
	"rental_end" timestamp with time zone NOT NULL,
	"currency" char(3) NOT NULL,
	"discount_kind" text,
	"discount_value" integer DEFAULT 0 NOT NULL,
	"tax_rate_bp" integer DEFAULT 0 NOT NULL,
	"subtotal" integer NOT NULL,
	"discount_total" integer NOT NULL,
	"tax_total" integer NOT NULL,
	"total" integer NOT NULL,
	"deposit_total" integer NOT NULL,
	"notes" text DEFAULT '' NOT NULL,
	"status_changed_at" timestamp with time zone DEFAULT now() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "rental_orders_period_check" CHECK ("rental_orders"."rental_end" > "rental_orders"."rental_start"),
	CONSTRAINT "rental_orders_totals_check" CHECK ("rental_orders"."subtotal" >= 0 and "rental_orders"."discount_total" >= 0 and "rental_orders"."tax_total" >= 0 and "rental_orders"."total" = "rental_orders"."subtotal" - "rental_orders"."discount_total" + "rental_orders"."tax_total" and "rental_orders"."total" >= 0)
);
--> statement-breakpoint
CREATE TABLE "rental_products" (
	"id" serial PRIMARY KEY NOT NULL,
	"category_id" integer,
	"name" text NOT NULL,
	"sku" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"currency" char(3) NOT NULL,
	"hourly_rate" integer,
	"daily_rate" integer,
	"weekly_rate" integer,
	"deposit" integer DEFAULT 0 NOT NULL,
	"buffer_before_minutes" integer DEFAULT 0 NOT NULL,
	"buffer_after_minutes" integer DEFAULT 0 NOT NULL,
	"min_duration_minutes" integer DEFAULT 60 NOT NULL,
	"lead_time_minutes" integer DEFAULT 0 NOT NULL,
	"calendar_id" integer,
	"late_fee_unit" text,
	"late_fee_amount" integer DEFAULT 0 NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "rental_products_money_check" CHECK (coalesce("rental_products"."hourly_rate", 0) >= 0 and coalesce("rental_products"."daily_rate", 0) >= 0 and coalesce("rental_products"."weekly_rate", 0) >= 0 and "rental_products"."deposit" >= 0 and "rental_products"."late_fee_amount" >= 0),
	CONSTRAINT "rental_products_some_rate_check" CHECK ("rental_products"."hourly_rate" is not null or "rental_products"."daily_rate" is not null or "rental_products"."weekly_rate" is not null),
	CONSTRAINT "rental_products_minutes_check" CHECK ("rental_products"."buffer_before_minutes" >= 0 and "rental_products"."buffer_after_minutes" >= 0 and "rental_products"."min_duration_minutes" >= 1 and "rental_products"."lead_time_minutes" >= 0)
);
--> statement-breakpoint
CREATE TABLE "rental_stock_items" (
	"id" serial PRIMARY KEY NOT NULL,
	"product_id" integer NOT NULL,
	"serial_number" text NOT NULL,
	"condition" text DEFAULT 'good' NOT NULL,
	"status" text DEFAULT 'available' NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "rental_stock_items_status_check" CHECK ("rental_stock_items"."status" in ('available', 'maintenance', 'retired'))
);
--> statement-breakpoint
ALTER TABLE "rental_bookings" ADD CONSTRAINT "rental_bookings_order_id_rental_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "public"."rental_orders"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rental_bookings" ADD CONSTRAINT "rental_bookings_order_line_id_rental_order_lines_id_fk" FOREIGN KEY ("order_line_id") REFERENCES "public"."rental_order_lines"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rental_bookings" ADD CONSTRAINT "rental_bookings_stock_item_id_rental_stock_items_id_fk" FOREIGN KEY ("stock_item_id") REFERENCES "public"."rental_stock_items"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rental_order_lines" ADD CONSTRAINT "rental_order_lines_order_id_rental_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "public"."rental_orders"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rental_order_lines" ADD CONSTRAINT "rental_order_lines_product_id_rental_products_id_fk" FOREIGN KEY ("product_id") REFERENCES "public"."rental_products"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rental_products" ADD CONSTRAINT "rental_products_category_id_rental_categories_id_fk" FOREIGN KEY ("category_id") REFERENCES "public"."rental_categories"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rental_stock_items" ADD CONSTRAINT "rental_stock_items_product_id_rental_products_id_fk" FOREIGN KEY ("product_id") REFERENCES "public"."rental_products"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "rental_bookings_order_id_index" ON "rental_bookings" USING btree ("order_id");--> statement-breakpoint
CREATE UNIQUE INDEX "rental_categories_name_key" ON "rental_categories" USING btree (lower("name"));--> statement-breakpoint
CREATE INDEX "rental_order_lines_order_id_index" ON "rental_order_lines" USING btree ("order_id");--> statement-breakpoint
CREATE INDEX "rental_orders_customer_id_index" ON "rental_orders" USING btree ("customer_id");--> statement-breakpoint
CREATE INDEX "rental_orders_status_rental_start_index" ON "rental_orders" USING btree ("status","rental_start");--> statement-breakpoint
CREATE UNIQUE INDEX "rental_products_sku_key" ON "rental_products" USING btree (lower("sku"));--> statement-breakpoint
CREATE INDEX "rental_products_category_id_index" ON "rental_products" USING btree ("category_id");--> statement-breakpoint
CREATE UNIQUE INDEX "rental_stock_items_serial_key" ON "rental_stock_items" USING btree (lower("serial_number"));--> statement-breakpoint
CREATE INDEX "rental_stock_items_product_id_index" ON "rental_stock_items" USING btree ("product_id");--> statement-breakpoint
-- btree_gist lets one GiST index compare the item id (=) and the period (&&); 0006 created it already, this keeps the migration self-contained.
CREATE EXTENSION IF NOT EXISTS btree_gist;--> statement-breakpoint
-- Double booking is impossible, not unlikely: no two active bookings of one stock item
-- may overlap (periods include the product's buffers). Released bookings (cancelled
-- orders) no longer hold the item.
ALTER TABLE "rental_bookings" ADD CONSTRAINT "rental_bookings_no_overlap"
  EXCLUDE USING gist ("stock_item_id" WITH =, "period" WITH &&)
  WHERE ("released_at" IS NULL);
