CREATE SEQUENCE "public"."ticket_numbers_incident" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1;--> statement-breakpoint
CREATE SEQUENCE "public"."ticket_numbers_service" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1;--> statement-breakpoint
-- Continue from the numbers already given.
SELECT setval('ticket_numbers_incident', coalesce((SELECT max(number) FROM tickets WHERE kind = 'incident'), 0) + 1, false);--> statement-breakpoint
SELECT setval('ticket_numbers_service', coalesce((SELECT max(number) FROM tickets WHERE kind = 'service'), 0) + 1, false);--> statement-breakpoint
DROP TABLE "ticket_counters" CASCADE;