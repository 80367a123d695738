CREATE TABLE "assignee_profiles" (
	"user_id" integer PRIMARY KEY NOT NULL,
	"capacity" integer,
	"calendar_id" integer,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "assignee_profiles_capacity_check" CHECK ("assignee_profiles"."capacity" is null or "assignee_profiles"."capacity" >= 0)
);
--> statement-breakpoint
CREATE TABLE "assignment_pointers" (
	"role_id" integer PRIMARY KEY NOT NULL,
	"last_user_id" integer,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "assignment_queue" (
	"ticket_id" integer PRIMARY KEY NOT NULL,
	"role_id" integer NOT NULL,
	"step_key" text,
	"requires_availability" boolean DEFAULT false NOT NULL,
	"reason" text NOT NULL,
	"queued_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "assignment_role_members" (
	"role_id" integer NOT NULL,
	"user_id" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "assignment_role_members_role_id_user_id_pk" PRIMARY KEY("role_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "assignment_roles" (
	"id" serial PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "ticket_assignments" (
	"id" serial PRIMARY KEY NOT NULL,
	"ticket_id" integer NOT NULL,
	"user_id" integer,
	"role_id" integer,
	"step_key" text,
	"method" text NOT NULL,
	"reason" text NOT NULL,
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"actor_id" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "ticket_assignments_method_check" CHECK ("ticket_assignments"."method" in ('auto', 'manual', 'escalation', 'queued', 'released'))
);
--> statement-breakpoint
CREATE TABLE "ticket_workflows" (
	"ticket_id" integer PRIMARY KEY NOT NULL,
	"workflow_id" integer NOT NULL,
	"version_id" integer NOT NULL,
	"step_key" text,
	"step_entered_at" timestamp with time zone NOT NULL,
	"finished_at" timestamp with time zone,
	"trace" jsonb NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "workflow_versions" (
	"id" serial PRIMARY KEY NOT NULL,
	"workflow_id" integer NOT NULL,
	"number" integer NOT NULL,
	"status" text DEFAULT 'draft' NOT NULL,
	"definition" jsonb NOT NULL,
	"created_by" integer,
	"published_by" integer,
	"published_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "workflow_versions_status_check" CHECK ("workflow_versions"."status" in ('draft', 'published', 'retired'))
);
--> statement-breakpoint
CREATE TABLE "workflows" (
	"id" serial PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"kind" text NOT NULL,
	"category_id" integer,
	"subcategory_id" integer,
	"department_id" integer,
	"priority" text,
	"is_default" boolean DEFAULT false NOT NULL,
	"is_active" boolean DEFAULT true NOT NULL,
	"published_version_id" integer,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "workflows_kind_check" CHECK ("workflows"."kind" in ('incident', 'service')),
	CONSTRAINT "workflows_priority_check" CHECK ("workflows"."priority" is null or "workflows"."priority" in ('low', 'medium', 'high', 'critical'))
);
--> statement-breakpoint
CREATE TABLE "sla_escalations" (
	"ticket_id" integer NOT NULL,
	"metric" text NOT NULL,
	"stage" text NOT NULL,
	"fired_at" timestamp with time zone DEFAULT now() NOT NULL,
	"actions" jsonb DEFAULT '{}'::jsonb NOT NULL,
	CONSTRAINT "sla_escalations_ticket_id_metric_stage_pk" PRIMARY KEY("ticket_id","metric","stage")
);
--> statement-breakpoint
CREATE TABLE "sla_ledger" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"ticket_id" integer NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"kind" text NOT NULL,
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"actor_id" integer
);
--> statement-breakpoint
CREATE TABLE "sla_policies" (
	"id" serial PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"priority" text NOT NULL,
	"category_id" integer,
	"calendar_id" integer,
	"first_response_minutes" integer,
	"resolution_minutes" integer NOT NULL,
	"at_risk_percent" smallint DEFAULT 75 NOT NULL,
	"escalation_levels" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"is_active" boolean DEFAULT true NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "sla_policies_priority_check" CHECK ("sla_policies"."priority" in ('low', 'medium', 'high', 'critical')),
	CONSTRAINT "sla_policies_at_risk_check" CHECK ("sla_policies"."at_risk_percent" between 1 and 99),
	CONSTRAINT "sla_policies_targets_check" CHECK ("sla_policies"."resolution_minutes" > 0 and ("sla_policies"."first_response_minutes" is null or "sla_policies"."first_response_minutes" > 0))
);
--> statement-breakpoint
CREATE TABLE "ticket_slas" (
	"ticket_id" integer PRIMARY KEY NOT NULL,
	"policy_id" integer,
	"calendar_id" integer,
	"kind" text NOT NULL,
	"priority" text NOT NULL,
	"department_id" integer,
	"category_id" integer,
	"assignee_id" integer,
	"started_at" timestamp with time zone NOT NULL,
	"first_response_target_ms" bigint,
	"resolution_target_ms" bigint,
	"at_risk_percent" smallint DEFAULT 75 NOT NULL,
	"first_responded_at" timestamp with time zone,
	"resolved_at" timestamp with time zone,
	"paused_since" timestamp with time zone,
	"first_response_due_at" timestamp with time zone,
	"resolution_due_at" timestamp with time zone,
	"first_response_breached" boolean DEFAULT false NOT NULL,
	"resolution_breached" boolean DEFAULT false NOT NULL,
	"status" text DEFAULT 'on_track' NOT NULL,
	"step_key" text,
	"step_name" text,
	"step_entered_at" timestamp with time zone,
	"step_budget_ms" bigint,
	"step_due_at" timestamp with time zone,
	"next_check_at" timestamp with time zone,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "ticket_slas_status_check" CHECK ("ticket_slas"."status" in ('on_track', 'at_risk', 'breached', 'paused', 'met', 'missed'))
);
--> statement-breakpoint
CREATE TABLE "notifications" (
	"id" serial PRIMARY KEY NOT NULL,
	"user_id" integer NOT NULL,
	"kind" text NOT NULL,
	"title" text NOT NULL,
	"body" text DEFAULT '' NOT NULL,
	"ticket_id" integer,
	"data" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"read_at" timestamp with time zone,
	"email_state" text DEFAULT 'none' NOT NULL,
	"email_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "assignment_pointers" ADD CONSTRAINT "assignment_pointers_role_id_assignment_roles_id_fk" FOREIGN KEY ("role_id") REFERENCES "public"."assignment_roles"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "assignment_queue" ADD CONSTRAINT "assignment_queue_role_id_assignment_roles_id_fk" FOREIGN KEY ("role_id") REFERENCES "public"."assignment_roles"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "assignment_role_members" ADD CONSTRAINT "assignment_role_members_role_id_assignment_roles_id_fk" FOREIGN KEY ("role_id") REFERENCES "public"."assignment_roles"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ticket_workflows" ADD CONSTRAINT "ticket_workflows_workflow_id_workflows_id_fk" FOREIGN KEY ("workflow_id") REFERENCES "public"."workflows"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ticket_workflows" ADD CONSTRAINT "ticket_workflows_version_id_workflow_versions_id_fk" FOREIGN KEY ("version_id") REFERENCES "public"."workflow_versions"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workflow_versions" ADD CONSTRAINT "workflow_versions_workflow_id_workflows_id_fk" FOREIGN KEY ("workflow_id") REFERENCES "public"."workflows"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ticket_slas" ADD CONSTRAINT "ticket_slas_policy_id_sla_policies_id_fk" FOREIGN KEY ("policy_id") REFERENCES "public"."sla_policies"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "assignment_queue_role_idx" ON "assignment_queue" USING btree ("role_id","queued_at");--> statement-breakpoint
CREATE INDEX "assignment_role_members_user_idx" ON "assignment_role_members" USING btree ("user_id");--> statement-breakpoint
CREATE UNIQUE INDEX "assignment_roles_name_key" ON "assignment_roles" USING btree (lower("name"));--> statement-breakpoint
CREATE INDEX "ticket_assignments_ticket_idx" ON "ticket_assignments" USING btree ("ticket_id","id");--> statement-breakpoint
CREATE INDEX "ticket_assignments_user_idx" ON "ticket_assignments" USING btree ("user_id","created_at");--> statement-breakpoint
CREATE INDEX "ticket_workflows_version_idx" ON "ticket_workflows" USING btree ("version_id");--> statement-breakpoint
CREATE INDEX "ticket_workflows_workflow_idx" ON "ticket_workflows" USING btree ("workflow_id");--> statement-breakpoint
CREATE UNIQUE INDEX "workflow_versions_number_key" ON "workflow_versions" USING btree ("workflow_id","number");--> statement-breakpoint
CREATE UNIQUE INDEX "workflow_versions_one_draft" ON "workflow_versions" USING btree ("workflow_id") WHERE "workflow_versions"."status" = 'draft';--> statement-breakpoint
CREATE UNIQUE INDEX "workflows_name_key" ON "workflows" USING btree (lower("name"));--> statement-breakpoint
CREATE UNIQUE INDEX "workflows_one_default_per_kind" ON "workflows" USING btree ("kind") WHERE "workflows"."is_default";--> statement-breakpoint
CREATE INDEX "workflows_match_idx" ON "workflows" USING btree ("category_id","department_id");--> statement-breakpoint
CREATE INDEX "sla_ledger_ticket_idx" ON "sla_ledger" USING btree ("ticket_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "sla_policies_scope_key" ON "sla_policies" USING btree ("priority",coalesce("category_id", 0)) WHERE "sla_policies"."is_active";--> statement-breakpoint
CREATE INDEX "sla_policies_calendar_idx" ON "sla_policies" USING btree ("calendar_id");--> statement-breakpoint
CREATE INDEX "ticket_slas_next_check_idx" ON "ticket_slas" USING btree ("next_check_at") WHERE "ticket_slas"."next_check_at" is not null;--> statement-breakpoint
CREATE INDEX "ticket_slas_policy_idx" ON "ticket_slas" USING btree ("policy_id");--> statement-breakpoint
CREATE INDEX "ticket_slas_calendar_idx" ON "ticket_slas" USING btree ("calendar_id");--> statement-breakpoint
CREATE INDEX "ticket_slas_started_idx" ON "ticket_slas" USING btree ("started_at");--> statement-breakpoint
CREATE INDEX "ticket_slas_resolved_idx" ON "ticket_slas" USING btree ("resolved_at");--> statement-breakpoint
CREATE INDEX "ticket_slas_open_idx" ON "ticket_slas" USING btree ("started_at") WHERE "ticket_slas"."resolved_at" is null;--> statement-breakpoint
CREATE INDEX "notifications_user_idx" ON "notifications" USING btree ("user_id","id");--> statement-breakpoint
CREATE INDEX "notifications_unread_idx" ON "notifications" USING btree ("user_id") WHERE "notifications"."read_at" is null;