CREATE TABLE "audit_log" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"request_id" text,
	"run_id" text NOT NULL,
	"action" text NOT NULL,
	"question" text,
	"answer" jsonb,
	"actor" text NOT NULL,
	"channel" text NOT NULL,
	"latency_ms" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "human_requests" (
	"id" text PRIMARY KEY NOT NULL,
	"run_id" text NOT NULL,
	"node_id" text NOT NULL,
	"kind" text NOT NULL,
	"status" text DEFAULT 'open' NOT NULL,
	"question" text NOT NULL,
	"options" jsonb NOT NULL,
	"allow_free_text" integer DEFAULT 0 NOT NULL,
	"details" jsonb,
	"timeout_action" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"answer" jsonb,
	"answered_by" text,
	"answered_via" text,
	"answered_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "human_requests" ADD CONSTRAINT "human_requests_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "audit_log_run_idx" ON "audit_log" USING btree ("run_id","created_at");--> statement-breakpoint
CREATE INDEX "human_requests_status_created_idx" ON "human_requests" USING btree ("status","created_at");--> statement-breakpoint
CREATE INDEX "human_requests_run_idx" ON "human_requests" USING btree ("run_id");