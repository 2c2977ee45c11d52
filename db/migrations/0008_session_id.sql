-- Each refresh token names its sign-in session (issue #11): existing tokens start a session of their own.
ALTER TABLE "refresh_tokens" ADD COLUMN "session_id" text;--> statement-breakpoint
UPDATE "refresh_tokens" SET "session_id" = "id";--> statement-breakpoint
ALTER TABLE "refresh_tokens" ALTER COLUMN "session_id" SET NOT NULL;--> statement-breakpoint
CREATE INDEX "refresh_tokens_session_idx" ON "refresh_tokens" USING btree ("session_id");
