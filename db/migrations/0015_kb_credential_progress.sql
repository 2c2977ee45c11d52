ALTER TABLE "kb_sources" ADD COLUMN "total_chunks" integer;--> statement-breakpoint
ALTER TABLE "knowledge_bases" ADD COLUMN "credential_id" text;