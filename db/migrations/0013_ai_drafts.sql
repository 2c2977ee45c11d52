CREATE TABLE "ai_calls" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"owner_id" text NOT NULL,
	"kind" text NOT NULL,
	"prompt" text NOT NULL,
	"model" text NOT NULL,
	"rounds" integer NOT NULL,
	"prompt_tokens" integer NOT NULL,
	"completion_tokens" integer NOT NULL,
	"outcome" text NOT NULL,
	"draft_id" text,
	"error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "ai_drafts" (
	"id" text PRIMARY KEY NOT NULL,
	"owner_id" text NOT NULL,
	"kind" text NOT NULL,
	"workflow_id" text,
	"base_version" integer,
	"status" text NOT NULL,
	"prompt" text NOT NULL,
	"body" jsonb NOT NULL,
	"applied_workflow_id" text,
	"applied_version" integer,
	"expires_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "usage_daily" ADD COLUMN "ai_calls" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX "ai_calls_owner_created_idx" ON "ai_calls" USING btree ("owner_id","created_at");--> statement-breakpoint
CREATE INDEX "ai_drafts_owner_created_idx" ON "ai_drafts" USING btree ("owner_id","created_at");