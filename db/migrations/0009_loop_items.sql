DROP INDEX "node_executions_run_node_idx";--> statement-breakpoint
ALTER TABLE "node_executions" ADD COLUMN "item" integer DEFAULT -1 NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "node_executions_run_node_item_idx" ON "node_executions" USING btree ("run_id","node_id","item");