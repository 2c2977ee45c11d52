// Loom's relational schema. Row types are inferred from here (`typeof runs.$inferSelect`), never written twice.
// Migrations are generated from this file by `npm run db:generate` and committed in db/migrations.
import { sql } from 'drizzle-orm';
import {
  bigserial,
  bigint,
  customType,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  real,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
// Types only: the plan's shape is the compiler's; the column stores it as the compiler produced it.
import type { StoredPlan } from '../compiler/plan.js';
import type { Declaration } from '../nodes/custom/declaration.js';

const createdAt = () => timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow();
const at = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });
/** The user a row belongs to. Every query of an owned table filters on it: another user's row is simply not there. */
const ownerId = () => text('owner_id').notNull();

export const ROLES = ['user', 'admin'] as const;
export type Role = (typeof ROLES)[number];
export const TIERS = ['free', 'pro', 'enterprise'] as const;
export type Tier = (typeof TIERS)[number];

/** People (and service accounts) who sign in. Passwords are argon2id hashes; nothing reversible is stored. */
export const users = pgTable('users', {
  id: text('id').primaryKey(),
  email: text('email').notNull().unique(),
  name: text('name').notNull(),
  passwordHash: text('password_hash').notNull(),
  role: text('role').$type<Role>().notNull().default('user'),
  tier: text('tier').$type<Tier>().notNull().default('free'),
  /** Named groups the user belongs to, for approvals that need N people of a group. */
  groups: jsonb('groups').$type<string[]>().notNull().default([]),
  disabledAt: at('disabled_at'),
  createdAt: createdAt(),
});

/**
 * Refresh tokens: stored as SHA-256 of a 256-bit random token (a slow hash buys nothing at that entropy).
 * Each use replaces the token; presenting a replaced one again revokes every session of that user (theft signal).
 */
export const refreshTokens = pgTable(
  'refresh_tokens',
  {
    id: text('id').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    tokenHash: text('token_hash').notNull().unique(),
    /** The sign-in this token descends from (the first token's id), carried by every access token issued from it. */
    sessionId: text('session_id').notNull(),
    expiresAt: at('expires_at').notNull(),
    revokedAt: at('revoked_at'),
    replacedBy: text('replaced_by'),
    createdAt: createdAt(),
  },
  (t) => [index('refresh_tokens_user_idx').on(t.userId), index('refresh_tokens_session_idx').on(t.sessionId)],
);

/**
 * API keys: `loom_<prefix>_<secret>`. The prefix is stored in clear to find the row and to show the user which key
 * is which; the whole key only as SHA-256. A rotated key keeps working until `expiresAt` (its grace period).
 */
export const apiKeys = pgTable(
  'api_keys',
  {
    id: text('id').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    prefix: text('prefix').notNull().unique(),
    keyHash: text('key_hash').notNull(),
    /** Empty: everything the user may do. Otherwise only these scopes. */
    scopes: jsonb('scopes').$type<string[]>().notNull().default([]),
    expiresAt: at('expires_at'),
    revokedAt: at('revoked_at'),
    rotatedTo: text('rotated_to'),
    lastUsedAt: at('last_used_at'),
    createdAt: createdAt(),
  },
  (t) => [index('api_keys_user_idx').on(t.userId)],
);

/** What each user used per UTC day: the basis of `GET /v1/usage` and of billing. Incremented, never rewritten. */
export const usageDaily = pgTable(
  'usage_daily',
  {
    userId: text('user_id').notNull(),
    day: text('day').notNull(),
    compiles: bigint('compiles', { mode: 'number' }).notNull().default(0),
    runs: bigint('runs', { mode: 'number' }).notNull().default(0),
    nodeExecutions: bigint('node_executions', { mode: 'number' }).notNull().default(0),
    llmTokens: bigint('llm_tokens', { mode: 'number' }).notNull().default(0),
    /** Workflow generations and edits asked of a model (limited per day by tier). */
    aiCalls: bigint('ai_calls', { mode: 'number' }).notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.userId, t.day] })],
);

/** A workflow as the editor saved it: the document is kept verbatim, the plan is derived per run. */
export const workflows = pgTable(
  'workflows',
  {
    id: text('id').primaryKey(),
    ownerId: ownerId(),
    name: text('name').notNull(),
    document: jsonb('document').notNull(),
    version: integer('version').notNull().default(1),
    /** The version triggers (webhooks, schedules) run; null while the workflow is inactive. Saving never moves it. */
    activeVersion: integer('active_version'),
    activatedAt: at('activated_at'),
    /** Deleted workflows keep their row, so their runs keep pointing at it; every read of the owner skips them. */
    deletedAt: at('deleted_at'),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [index('workflows_owner_created_idx').on(t.ownerId, t.createdAt)],
);

/**
 * Every saved version of a workflow, kept as it was saved: the history an editor shows and restores from. The
 * workflow row holds the latest (its `version`); a version is never changed once written.
 */
export const workflowVersions = pgTable(
  'workflow_versions',
  {
    workflowId: text('workflow_id')
      .notNull()
      .references(() => workflows.id, { onDelete: 'cascade' }),
    version: integer('version').notNull(),
    name: text('name').notNull(),
    document: jsonb('document').notNull(),
    /** Who saved it (the owner today; a collaborator once workflows are shared). */
    savedBy: text('saved_by').notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.workflowId, t.version] })],
);
export type WorkflowVersionRow = typeof workflowVersions.$inferSelect;

export const RUN_STATUSES = ['queued', 'running', 'paused', 'completed', 'failed', 'cancelled', 'terminated', 'timed_out'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** One execution of a workflow: the exact plan it ran is stored with it, so later edits never change it. */
export const runs = pgTable(
  'runs',
  {
    id: text('id').primaryKey(),
    workflowId: text('workflow_id')
      .notNull()
      .references(() => workflows.id),
    ownerId: ownerId(),
    status: text('status').$type<RunStatus>().notNull(),
    temporalWorkflowId: text('temporal_workflow_id').notNull(),
    plan: jsonb('plan').$type<StoredPlan>().notNull(),
    planHash: text('plan_hash').notNull(),
    trigger: text('trigger').notNull(),
    /** Who started the run: a user id once accounts exist, `local` before. */
    startedBy: text('started_by').notNull().default('local'),
    input: jsonb('input'),
    output: jsonb('output'),
    error: jsonb('error'),
    createdAt: createdAt(),
    startedAt: timestamp('started_at', { withTimezone: true, mode: 'date' }),
    finishedAt: timestamp('finished_at', { withTimezone: true, mode: 'date' }),
    /** Last sequence number handed to this run's events; the row lock on it orders concurrent writers. */
    eventSeq: integer('event_seq').notNull().default(0),
  },
  (t) => [
    index('runs_workflow_id_created_at_idx').on(t.workflowId, t.createdAt),
    index('runs_status_created_at_idx').on(t.status, t.createdAt),
    index('runs_owner_created_idx').on(t.ownerId, t.createdAt),
  ],
);

export const REQUEST_KINDS = ['approval', 'question', 'recovery'] as const;
export type RequestKind = (typeof REQUEST_KINDS)[number];
export const REQUEST_STATUSES = ['open', 'answered', 'expired', 'cancelled'] as const;
export type RequestStatus = (typeof REQUEST_STATUSES)[number];

/** A question a run asks a person (approve this, which option, what now after a failure), open until answered or expired. */
export const humanRequests = pgTable(
  'human_requests',
  {
    id: text('id').primaryKey(),
    runId: text('run_id')
      .notNull()
      .references(() => runs.id, { onDelete: 'cascade' }),
    /** The run's owner, copied when the request opens: the inbox is one indexed query. */
    ownerId: ownerId(),
    nodeId: text('node_id').notNull(),
    kind: text('kind').$type<RequestKind>().notNull(),
    /** Who may answer besides the owner: user ids and `group:<name>` entries. Empty: the owner alone. */
    assignees: jsonb('assignees').$type<string[]>().notNull().default([]),
    /** Approvals needed before an `approve` takes effect (N of the assignees). */
    requiredApprovals: integer('required_approvals').notNull().default(1),
    /** Approvals given so far: `{ userId, at }`, while the request is still open. */
    approvals: jsonb('approvals').$type<{ userId: string; at: string }[]>().notNull().default([]),
    /** The user who started the run may not approve it. */
    forbidSelfApproval: integer('forbid_self_approval').notNull().default(0),
    status: text('status').$type<RequestStatus>().notNull().default('open'),
    question: text('question').notNull(),
    options: jsonb('options').notNull(),
    allowFreeText: integer('allow_free_text').notNull().default(0),
    details: jsonb('details'),
    timeoutAction: text('timeout_action').notNull(),
    createdAt: createdAt(),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
    answer: jsonb('answer'),
    answeredBy: text('answered_by'),
    answeredVia: text('answered_via'),
    answeredAt: timestamp('answered_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [
    index('human_requests_status_created_idx').on(t.status, t.createdAt),
    index('human_requests_run_idx').on(t.runId),
    index('human_requests_owner_status_idx').on(t.ownerId, t.status),
  ],
);

/**
 * Notifications waiting to go out (a Slack-compatible webhook today). Written in the same activity that opens the
 * request, delivered by the worker's dispatcher with retries: a channel that is down delays a message, never a run.
 */
export const notificationOutbox = pgTable(
  'notification_outbox',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    requestId: text('request_id').notNull(),
    channel: text('channel').notNull(),
    target: text('target').notNull(),
    payload: jsonb('payload').notNull(),
    status: text('status').$type<'pending' | 'sent' | 'failed'>().notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    lastError: text('last_error'),
    createdAt: createdAt(),
    sentAt: timestamp('sent_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [
    uniqueIndex('notification_outbox_request_channel_idx').on(t.requestId, t.channel, t.target),
    index('notification_outbox_due_idx').on(t.status, t.nextAttemptAt),
  ],
);

/** Append-only record of every decision: what was asked, what was answered, by whom, through which channel, when. */
export const auditLog = pgTable(
  'audit_log',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    requestId: text('request_id'),
    runId: text('run_id').notNull(),
    action: text('action').notNull(),
    question: text('question'),
    answer: jsonb('answer'),
    actor: text('actor').notNull(),
    channel: text('channel').notNull(),
    latencyMs: integer('latency_ms'),
    at: createdAt(),
  },
  (t) => [index('audit_log_run_idx').on(t.runId, t.at)],
);

/** The types of run events; what each one's data holds is its schema in the catalogue, activities/events.ts, which is checked against this list. */
export const RUN_EVENT_TYPES = [
  'run_started',
  'node_started',
  'node_completed',
  'node_failed',
  'node_skipped',
  'node_retrying',
  'node_overdue',
  'run_paused',
  'run_resumed',
  'run_completed',
  'run_failed',
  'run_cancelled',
  'node_cancelled',
  'approval_requested',
  'question_asked',
  'recovery_requested',
  'request_answered',
  'request_expired',
  'progress',
  'items_progress',
] as const;
export type RunEventType = (typeof RUN_EVENT_TYPES)[number];

/**
 * Every event of a run, stored with a per-run sequence number before it is published, so a client that
 * reconnects with Last-Event-ID (or a gateway that restarts) loses nothing. `key` makes a retried write a no-op.
 */
export const runEvents = pgTable(
  'run_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    runId: text('run_id')
      .notNull()
      .references(() => runs.id, { onDelete: 'cascade' }),
    seq: integer('seq').notNull(),
    key: text('key').notNull(),
    type: text('type').$type<RunEventType>().notNull(),
    nodeId: text('node_id'),
    data: jsonb('data'),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('run_events_run_seq_idx').on(t.runId, t.seq), uniqueIndex('run_events_run_key_idx').on(t.runId, t.key)],
);

export const NODE_STATUSES = ['running', 'completed', 'failed', 'skipped', 'cancelled'] as const;
export type NodeStatus = (typeof NODE_STATUSES)[number];

/** What happened to one node in one run. Written by activities, so a replayed workflow never writes twice. */
export const nodeExecutions = pgTable(
  'node_executions',
  {
    id: text('id').primaryKey(),
    runId: text('run_id')
      .notNull()
      .references(() => runs.id, { onDelete: 'cascade' }),
    nodeId: text('node_id').notNull(),
    nodeType: text('node_type').notNull(),
    /** -1 for the node itself; 0.. for one item of a loop's body, which runs once per item (a sentinel, not null, so the key stays unique). */
    item: integer('item').notNull().default(-1),
    status: text('status').$type<NodeStatus>().notNull(),
    attempt: integer('attempt').notNull().default(1),
    /**
     * How many times the node's side effect was started (counted before each attempt of a node that writes, so a
     * worker lost mid-call still counts it); 0 for reads and pure nodes. Above 1: the other side may have seen repeats.
     */
    effectAttempts: integer('effect_attempts').notNull().default(0),
    input: jsonb('input'),
    output: jsonb('output'),
    error: jsonb('error'),
    /**
     * The output handles a completed node fired (the branch an IF or Switch took), for the nodes the workflow settles
     * itself; null for activity nodes, which fire `out` when they complete, and for rows from before it was kept.
     */
    fired: text('fired').array(),
    startedAt: timestamp('started_at', { withTimezone: true, mode: 'date' }),
    finishedAt: timestamp('finished_at', { withTimezone: true, mode: 'date' }),
    durationMs: integer('duration_ms'),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' })
      .notNull()
      .default(sql`now()`),
  },
  (t) => [uniqueIndex('node_executions_run_node_item_idx').on(t.runId, t.nodeId, t.item)],
);

/**
 * Node outputs and run inputs too large for Temporal history: stored here and passed through the workflow as
 * a small reference, so history stays far below Temporal's limits however large the data.
 */
export const payloads = pgTable(
  'payloads',
  {
    id: text('id').primaryKey(),
    runId: text('run_id')
      .notNull()
      .references(() => runs.id, { onDelete: 'cascade' }),
    nodeId: text('node_id'),
    size: integer('size').notNull(),
    data: jsonb('data').notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('payloads_run_id_idx').on(t.runId)],
);

/**
 * A user's secret values, encrypted at rest (AES-256-GCM). `keyId` names the master key that sealed them, so a key
 * rotation can find and re-encrypt every row. Plaintext never touches this table, a log, an event or Temporal.
 */
export const credentials = pgTable(
  'credentials',
  {
    id: text('id').primaryKey(),
    ownerId: ownerId(),
    type: text('type').notNull(),
    name: text('name').notNull(),
    keyId: text('key_id').notNull(),
    iv: text('iv').notNull(),
    tag: text('tag').notNull(),
    ciphertext: text('ciphertext').notNull(),
    /** Non-secret fields, readable without decrypting (host names, user names). */
    visible: jsonb('visible').notNull(),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [index('credentials_owner_idx').on(t.ownerId)],
);

/** Every decryption: which credential, for which run and node, when. */
export const credentialAccess = pgTable(
  'credential_access',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    credentialId: text('credential_id').notNull(),
    runId: text('run_id'),
    nodeId: text('node_id'),
    purpose: text('purpose').notNull(),
    at: createdAt(),
  },
  (t) => [index('credential_access_credential_idx').on(t.credentialId, t.at)],
);

export type UserRow = typeof users.$inferSelect;
export type ApiKeyRow = typeof apiKeys.$inferSelect;
export type UsageRow = typeof usageDaily.$inferSelect;
export type WorkflowRow = typeof workflows.$inferSelect;
export type CredentialRow = typeof credentials.$inferSelect;
export type RunRow = typeof runs.$inferSelect;
export type NodeExecutionRow = typeof nodeExecutions.$inferSelect;
export type RunEventRow = typeof runEvents.$inferSelect;
export type HumanRequestRow = typeof humanRequests.$inferSelect;
export type AuditRow = typeof auditLog.$inferSelect;

/**
 * A webhook trigger's address: one unguessable id per (workflow, trigger node), made when a save first contains the
 * node and kept across versions, so a URL handed to an external system stays valid. Method, authentication and
 * response mode are the node's config in the version that runs; `testUntil` arms the test URL for the editor.
 */
export const webhooks = pgTable(
  'webhooks',
  {
    id: text('id').primaryKey(),
    workflowId: text('workflow_id')
      .notNull()
      .references(() => workflows.id, { onDelete: 'cascade' }),
    ownerId: ownerId(),
    nodeId: text('node_id').notNull(),
    testUntil: at('test_until'),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('webhooks_workflow_node_idx').on(t.workflowId, t.nodeId)],
);
export type WebhookRow = typeof webhooks.$inferSelect;

/**
 * A webhook's signing or token secrets (`whsec_...`), sealed under the master key like credentials. Several are valid
 * at once: adding one gives the ones before it `expiresAt` (a grace period for the sender to switch).
 */
export const webhookSecrets = pgTable(
  'webhook_secrets',
  {
    id: text('id').primaryKey(),
    hookId: text('hook_id')
      .notNull()
      .references(() => webhooks.id, { onDelete: 'cascade' }),
    keyId: text('key_id').notNull(),
    iv: text('iv').notNull(),
    tag: text('tag').notNull(),
    ciphertext: text('ciphertext').notNull(),
    expiresAt: at('expires_at'),
    createdAt: createdAt(),
  },
  (t) => [index('webhook_secrets_hook_idx').on(t.hookId)],
);
export type WebhookSecretRow = typeof webhookSecrets.$inferSelect;

/** One row per accepted delivery: a repeated `webhook-id` (or Idempotency-Key) answers with the run it started. */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    hookId: text('hook_id')
      .notNull()
      .references(() => webhooks.id, { onDelete: 'cascade' }),
    deliveryId: text('delivery_id').notNull(),
    runId: text('run_id').notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.hookId, t.deliveryId] })],
);

export const AI_DRAFT_KINDS = ['generate', 'edit'] as const;
export type AiDraftKind = (typeof AI_DRAFT_KINDS)[number];
/** What an AI call was for: a workflow draft (generate, edit) or the source of a custom node (never stored as a draft). */
export const AI_CALL_KINDS = [...AI_DRAFT_KINDS, 'custom_node'] as const;
export type AiCallKind = (typeof AI_CALL_KINDS)[number];
export const AI_DRAFT_STATUSES = ['ready', 'invalid', 'applied'] as const;
export type AiDraftStatus = (typeof AI_DRAFT_STATUSES)[number];

/**
 * What a generation or an edit produced, kept until it is applied or expires (24 h): nothing about a workflow
 * changes until its owner applies a draft. `body` is the draft as the API shows it (document, diagnostics, slots...).
 */
export const aiDrafts = pgTable(
  'ai_drafts',
  {
    id: text('id').primaryKey(),
    ownerId: ownerId(),
    kind: text('kind').$type<AiDraftKind>().notNull(),
    /** Edits: the workflow and the version the edit was made from (apply is a 409 once the workflow moved on). */
    workflowId: text('workflow_id'),
    baseVersion: integer('base_version'),
    status: text('status').$type<AiDraftStatus>().notNull(),
    prompt: text('prompt').notNull(),
    body: jsonb('body').notNull(),
    appliedWorkflowId: text('applied_workflow_id'),
    appliedVersion: integer('applied_version'),
    expiresAt: at('expires_at').notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('ai_drafts_owner_created_idx').on(t.ownerId, t.createdAt)],
);
export type AiDraftRow = typeof aiDrafts.$inferSelect;

/** Every generation and edit asked of a model: who, what, which model, how many rounds and tokens, and how it ended. */
export const aiCalls = pgTable(
  'ai_calls',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    ownerId: ownerId(),
    kind: text('kind').$type<AiCallKind>().notNull(),
    prompt: text('prompt').notNull(),
    model: text('model').notNull(),
    rounds: integer('rounds').notNull(),
    promptTokens: integer('prompt_tokens').notNull(),
    completionTokens: integer('completion_tokens').notNull(),
    /** ready (a draft that compiles), invalid (the draft still has errors), failed (no draft: the model failed). */
    outcome: text('outcome').notNull(),
    draftId: text('draft_id'),
    error: text('error'),
    createdAt: createdAt(),
  },
  (t) => [index('ai_calls_owner_created_idx').on(t.ownerId, t.createdAt)],
);

/**
 * Files a user uploaded or a node wrote. The bytes live in a FileStore (platform/file-store.ts) under `storageKey`;
 * the content type is sniffed from the bytes; identical content is stored once per owner (`sha256`).
 */
export const files = pgTable(
  'files',
  {
    id: text('id').primaryKey(),
    ownerId: ownerId(),
    name: text('name').notNull(),
    contentType: text('content_type').notNull(),
    size: bigint('size', { mode: 'number' }).notNull(),
    sha256: text('sha256').notNull(),
    storageKey: text('storage_key').notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('files_owner_created_idx').on(t.ownerId, t.createdAt), uniqueIndex('files_owner_sha256_idx').on(t.ownerId, t.sha256)],
);
export type FileRow = typeof files.$inferSelect;

/** A searchable collection of chunks, all embedded by one model at one dimension (never mixed). */
export const knowledgeBases = pgTable(
  'knowledge_bases',
  {
    id: text('id').primaryKey(),
    ownerId: ownerId(),
    name: text('name').notNull(),
    embeddingProvider: text('embedding_provider').notNull(),
    embeddingModel: text('embedding_model').notNull(),
    dimensions: integer('dimensions').notNull(),
    /** The owner's credential the openai and ollama providers embed with; null for the offline embedder. */
    credentialId: text('credential_id'),
    createdAt: createdAt(),
  },
  (t) => [index('knowledge_bases_owner_idx').on(t.ownerId, t.createdAt)],
);
export type KnowledgeBaseRow = typeof knowledgeBases.$inferSelect;

export const KB_SOURCE_STATUSES = ['pending', 'ingesting', 'ready', 'failed', 'cancelled'] as const;
export type KbSourceStatus = (typeof KB_SOURCE_STATUSES)[number];

/** One file or text added to a knowledge base, and its ingestion (a Temporal workflow) as far as it got. */
export const kbSources = pgTable(
  'kb_sources',
  {
    id: text('id').primaryKey(),
    kbId: text('kb_id')
      .notNull()
      .references(() => knowledgeBases.id, { onDelete: 'cascade' }),
    ownerId: ownerId(),
    kind: text('kind').$type<'file' | 'text'>().notNull(),
    fileId: text('file_id'),
    title: text('title').notNull(),
    /** Raw text sources keep their text here; file sources read the file. */
    text: text('text'),
    status: text('status').$type<KbSourceStatus>().notNull(),
    chunks: integer('chunks').notNull().default(0),
    /** How many chunks the source makes, known once ingestion has read and chunked it (progress: chunks / total). */
    totalChunks: integer('total_chunks'),
    error: jsonb('error'),
    temporalWorkflowId: text('temporal_workflow_id'),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [index('kb_sources_kb_idx').on(t.kbId)],
);
export type KbSourceRow = typeof kbSources.$inferSelect;

/** PostgreSQL's tsvector, which drizzle has no column type for (written by the database: a generated column). */
const tsvector = customType<{ data: string }>({ dataType: () => 'tsvector' });

/**
 * A chunk of a source with its embedding and where it came from (file, page or rows, heading), for citations.
 * Embeddings are float4 arrays, which every PostgreSQL stores; with pgvector each knowledge base gets an HNSW index
 * over them cast to vector(dimensions) (created with the knowledge base), without it search is exact.
 */
export const kbChunks = pgTable(
  'kb_chunks',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    kbId: text('kb_id')
      .notNull()
      .references(() => knowledgeBases.id, { onDelete: 'cascade' }),
    sourceId: text('source_id')
      .notNull()
      .references(() => kbSources.id, { onDelete: 'cascade' }),
    ownerId: ownerId(),
    seq: integer('seq').notNull(),
    text: text('text').notNull(),
    embedding: real('embedding').array().notNull(),
    citation: jsonb('citation').notNull(),
    tsv: tsvector('tsv').generatedAlwaysAs(sql`to_tsvector('simple', text)`),
  },
  (t) => [
    uniqueIndex('kb_chunks_source_seq_idx').on(t.sourceId, t.seq),
    index('kb_chunks_kb_idx').on(t.kbId),
    index('kb_chunks_tsv_idx').using('gin', t.tsv),
  ],
);

/**
 * Node types users uploaded (nodes/custom): `custom.<namespace>.<name>`, the namespace the owner's. Disabling stops new
 * plans from using the type; deleting hides it too. Runs already started keep their exact version either way.
 */
export const customNodeTypes = pgTable(
  'custom_node_types',
  {
    type: text('type').primaryKey(),
    ownerId: ownerId(),
    disabledAt: at('disabled_at'),
    deletedAt: at('deleted_at'),
    createdAt: createdAt(),
  },
  (t) => [index('custom_node_types_owner_idx').on(t.ownerId)],
);
export type CustomNodeTypeRow = typeof customNodeTypes.$inferSelect;

export const CUSTOM_SOURCE_LANGUAGES = ['typescript', 'javascript', 'python'] as const;
export type CustomSourceLanguage = (typeof CUSTOM_SOURCE_LANGUAGES)[number];

/**
 * Immutable versions: the source as uploaded, the code the sandbox runs (JavaScript as transpiled) and its SHA-256,
 * and the declaration extracted in the sandbox, namespaced. An administrator may publish a version to everyone.
 */
export const customNodeVersions = pgTable(
  'custom_node_versions',
  {
    type: text('type')
      .notNull()
      .references(() => customNodeTypes.type),
    version: integer('version').notNull(),
    sourceLanguage: text('source_language').$type<CustomSourceLanguage>().notNull(),
    source: text('source').notNull(),
    code: text('code').notNull(),
    codeHash: text('code_hash').notNull(),
    declaration: jsonb('declaration').$type<Declaration>().notNull(),
    publishedAt: at('published_at'),
    publishedBy: text('published_by'),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.type, t.version] }),
    uniqueIndex('custom_node_versions_hash_idx').on(t.type, t.codeHash),
    index('custom_node_versions_published_idx').on(t.publishedAt),
  ],
);
export type CustomNodeVersionRow = typeof customNodeVersions.$inferSelect;
