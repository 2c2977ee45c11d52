CREATE TABLE "custom_node_types" (
	"type" text PRIMARY KEY NOT NULL,
	"owner_id" text NOT NULL,
	"disabled_at" timestamp with time zone,
	"deleted_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "custom_node_versions" (
	"type" text NOT NULL,
	"version" integer NOT NULL,
	"source_language" text NOT NULL,
	"source" text NOT NULL,
	"code" text NOT NULL,
	"code_hash" text NOT NULL,
	"declaration" jsonb NOT NULL,
	"published_at" timestamp with time zone,
	"published_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "custom_node_versions_type_version_pk" PRIMARY KEY("type","version")
);
--> statement-breakpoint
ALTER TABLE "custom_node_versions" ADD CONSTRAINT "custom_node_versions_type_custom_node_types_type_fk" FOREIGN KEY ("type") REFERENCES "public"."custom_node_types"("type") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "custom_node_types_owner_idx" ON "custom_node_types" USING btree ("owner_id");--> statement-breakpoint
CREATE UNIQUE INDEX "custom_node_versions_hash_idx" ON "custom_node_versions" USING btree ("type","code_hash");--> statement-breakpoint
CREATE INDEX "custom_node_versions_published_idx" ON "custom_node_versions" USING btree ("published_at");