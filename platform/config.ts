// Loom's configuration: every environment variable is read and validated here, once, at start.
// Everything downstream receives a typed LoomConfig; nothing else reads process.env.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { isLocalUrl } from './local-host.js';

const port = z.coerce.number().int().min(0).max(65535);
const optionalString = z.string().trim().min(1).optional().catch(undefined);
/** Unset or empty: absent. Set: must be a URL, or start-up fails with the variable's name. */
const optionalUrl = z.preprocess((v) => (v === '' ? undefined : v), z.string().url().optional());
/** A master key: base64 of 32 bytes. Checked here so a mistyped key fails start-up naming its variable. */
const masterKey = z
  .string()
  .trim()
  .refine((s) => Buffer.from(s, 'base64').length === 32, 'must be base64 of 32 bytes');

export const EnvSchema = z.object({
  LOOM_DATA_DIR: z.string().default('.data'),
  DATABASE_URL: optionalString,
  HOST: z.string().default('127.0.0.1'),
  PORT: port.default(3000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  TEMPORAL_ADDRESS: optionalString,
  TEMPORAL_NAMESPACE: z.string().default('default'),
  TEMPORAL_TASK_QUEUE: z.string().default('loom'),
  TEMPORAL_CLI_PATH: optionalString,
  /** TLS to the cluster (Temporal Cloud, a self-hosted cluster behind TLS): files in PEM, read once at start. */
  TEMPORAL_TLS: z.enum(['true', 'false']).optional().catch(undefined),
  TEMPORAL_TLS_CERT: optionalString,
  TEMPORAL_TLS_KEY: optionalString,
  TEMPORAL_TLS_CA: optionalString,
  TEMPORAL_TLS_SERVER_NAME: optionalString,
  /** A Temporal Cloud API key (sent as a bearer token; implies TLS). */
  TEMPORAL_API_KEY: optionalString,
  TEMPORAL_PORT: port.default(7233),
  TEMPORAL_UI_PORT: port.default(8233),
  /** History events a run's execution may grow to before it continues as new (Temporal's hard limit: 51,200). */
  LOOM_RUN_HISTORY_EVENTS: z.coerce.number().int().min(100).max(50_000).default(10_000),
  /** The shortest time between two ticks of a schedule trigger: one tenant's schedule must not flood the cluster. */
  LOOM_SCHEDULE_MIN_INTERVAL_SECONDS: z.coerce.number().int().min(1).max(86_400).default(60),
  LOOM_TEMPORAL_UI_ORIGINS: z.string().optional(),
  LOOM_HTTP_ALLOWED_HOSTS: z.string().default(''),
  LOOM_WORKFLOW_BUNDLE: optionalString,
  LOOM_MASTER_KEY: z.preprocess((v) => (v === '' ? undefined : v), masterKey.optional()),
  /** A file holding the master key (a container secret, /run/secrets/...): read when LOOM_MASTER_KEY is unset. */
  LOOM_MASTER_KEY_FILE: optionalString,
  LOOM_MASTER_KEY_PREVIOUS: z
    .string()
    .default('')
    .transform((s) =>
      s
        .split(',')
        .map((k) => k.trim())
        .filter(Boolean),
    )
    .pipe(z.array(masterKey)),
  LOOM_NOTIFY_WEBHOOK_URL: optionalUrl,
  LOOM_PUBLIC_URL: optionalUrl,
  LOOM_SMTP_URL: optionalUrl,
  LOOM_NOTIFY_EMAIL_TO: optionalString,
  LOOM_NOTIFY_EMAIL_FROM: z.string().default('Loom <loom@localhost>'),
  REDIS_URL: optionalUrl,
  LOOM_CORS_ORIGINS: z.string().default(''),
  LOOM_ADMIN_EMAIL: optionalString,
  LOOM_ADMIN_PASSWORD: optionalString,
  /** The model that writes workflows: an OpenAI-compatible endpoint, or Ollama. Unset: no AI routes. */
  LOOM_AI_PROVIDER: z.enum(['openai', 'ollama']).optional().catch(undefined),
  OPENAI_BASE_URL: optionalUrl,
  OPENAI_API_KEY: optionalString,
  OLLAMA_URL: optionalUrl,
  LOOM_AI_MODEL: optionalString,
  LOOM_AI_MAX_REPAIRS: z.coerce.number().int().min(0).max(10).default(3),
  LOOM_AI_TIMEOUT_MS: z.coerce.number().int().min(1_000).max(600_000).default(60_000),
  /** The local model that maps credentials (it sees their names): Ollama on this machine or its private network only. */
  LOOM_LOCAL_LLM_URL: optionalUrl.refine((u) => u === undefined || isLocalUrl(u), {
    message: 'must be a local Ollama (loopback, a private address or a local host name): credential names never go to a cloud',
  }),
  LOOM_LOCAL_LLM_MODEL: optionalString,
  /** File limits of the enterprise tier, in bytes; unset: identity/tiers.ts ENTERPRISE_FILE_DEFAULTS. */
  /** A listener of its own for /metrics, /healthz and /readyz (the worker's only one); unset: none on the worker. */
  LOOM_METRICS_PORT: port.optional(),
  LOOM_METRICS_HOST: optionalString,
  /** Set: /metrics requires `Authorization: Bearer <token>`; on a gateway without LOOM_METRICS_PORT, /metrics is then on the API port. */
  LOOM_METRICS_TOKEN: z.preprocess((v) => (v === '' ? undefined : v), z.string().trim().min(16, 'at least 16 characters').optional()),
  /** host:port where the Temporal SDK's Prometheus exporter listens; the worker's /metrics includes what it serves. */
  LOOM_TEMPORAL_METRICS_ADDRESS: optionalString,
  LOOM_ENTERPRISE_FILE_BYTES: z.coerce.number().int().min(1).optional(),
  LOOM_ENTERPRISE_STORED_BYTES: z.coerce.number().int().min(1).optional(),
});

export interface LoomConfig {
  dataDir: string;
  databaseUrl: string | undefined;
  http: { host: string; port: number };
  logLevel: z.infer<typeof EnvSchema>['LOG_LEVEL'];
  /** Private hosts, IPs or CIDR ranges that HTTP nodes may call despite the SSRF guard. */
  httpAllowedHosts: string[];
  /** A prebuilt workflow bundle (built once in CI or an image); unset: built and cached under the data folder. */
  workflowBundlePath: string | undefined;
  /** Base64 of 32 bytes that seal credentials; unset: the embedded stack generates one under the data folder. */
  masterKey: string | undefined;
  /** Keys being rotated out (base64): credentials sealed under them still open until `loom rotate-key` re-sealed them. */
  previousMasterKeys: string[];
  /** Where request notifications go, and the base URL their answer links use. */
  notify: { webhookUrl: string | undefined; publicUrl: string; emailTo: string | undefined };
  /** SMTP for email notifications; unset: no email. */
  email: { smtpUrl: string; from: string } | undefined;
  /** Shared rate-limit and stream counters (several gateways); unset: in memory. */
  redisUrl: string | undefined;
  /** Browser origins allowed to call the API (the editor's), exactly as the browser sends them. */
  corsOrigins: string[];
  /** The first admin, created when the database has no user yet; unset: generated and printed once by `loom dev`. */
  bootstrapAdmin: { email: string | undefined; password: string | undefined };
  /** Undefined: the AI routes answer AI_NOT_CONFIGURED. */
  ai: AiConfig | undefined;
  /**
   * Metrics and health: `port` a listener of their own (host: `host`, default HOST); `token` guards /metrics; neither
   * set: a gateway serves no /metrics. `temporalAddress`: the SDK's Prometheus exporter, whose families /metrics adds.
   */
  metrics: { port: number | undefined; host: string; token: string | undefined; temporalAddress: string | undefined };
  /** Uploaded files: their folder (`<dataDir>/files`) and the enterprise tier's limits when set. */
  files: { dir: string; enterpriseFileBytes: number | undefined; enterpriseStoredBytes: number | undefined };
  temporal: {
    /** Set: connect to this cluster and start no server (production). Unset: run the embedded dev server. */
    address: string | undefined;
    namespace: string;
    taskQueue: string;
    cliPath: string | undefined;
    devServerPort: number;
    devServerUiPort: number;
    /** How gateway and worker reach a secured cluster: TLS (mTLS with a client certificate) and/or an API key. */
    security: TemporalSecurity;
    /** Browser origins of the Temporal Web UI, allowed to call the gateway's codec endpoint. */
    uiOrigins: string[];
    /**
     * A run continues as new (workflows/carry-over.ts) once its history holds this many events, or earlier when
     * Temporal suggests it: a run of any length stays under Temporal's limits (51,200 events, 50 MB).
     */
    runHistoryEvents: number;
    /** Schedules (orchestrator/schedules.ts) fire at most this often; activation refuses a trigger that fires faster. */
    scheduleMinIntervalSeconds: number;
  };
}

/** What both Temporal clients (`Connection`, the worker's `NativeConnection`) take to reach a secured cluster. */
export interface TemporalSecurity {
  /** undefined: plain gRPC (a local cluster); true: TLS with the system's roots; else the certificates given. */
  tls:
    | true
    | {
        clientCertPair?: { crt: Buffer; key: Buffer };
        serverRootCACertificate?: Buffer;
        serverNameOverride?: string;
      }
    | undefined;
  apiKey: string | undefined;
}

/** TEMPORAL_TLS_* and TEMPORAL_API_KEY: files read here, so a wrong path fails start-up naming its variable. */
function temporalSecurityOf(e: z.infer<typeof EnvSchema>): TemporalSecurity {
  const file = (name: 'TEMPORAL_TLS_CERT' | 'TEMPORAL_TLS_KEY' | 'TEMPORAL_TLS_CA') => {
    const at = e[name];
    if (!at) return undefined;
    try {
      return readFileSync(at);
    } catch (err) {
      throw new ConfigError(`Invalid configuration:\n  ${name}: cannot read ${at} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  };
  const [crt, key, ca] = [file('TEMPORAL_TLS_CERT'), file('TEMPORAL_TLS_KEY'), file('TEMPORAL_TLS_CA')];
  if (!crt !== !key) throw new ConfigError('Invalid configuration:\n  TEMPORAL_TLS_CERT, TEMPORAL_TLS_KEY: mTLS needs both, or neither');
  const details = {
    ...(crt && key ? { clientCertPair: { crt, key } } : {}),
    ...(ca ? { serverRootCACertificate: ca } : {}),
    ...(e.TEMPORAL_TLS_SERVER_NAME ? { serverNameOverride: e.TEMPORAL_TLS_SERVER_NAME } : {}),
  };
  // An API key travels only over TLS (Temporal Cloud requires it); TEMPORAL_TLS=false is the explicit exception.
  const wanted = e.TEMPORAL_TLS ? e.TEMPORAL_TLS === 'true' : Object.keys(details).length > 0 || e.TEMPORAL_API_KEY !== undefined;
  return { tls: !wanted ? undefined : Object.keys(details).length > 0 ? details : true, apiKey: e.TEMPORAL_API_KEY };
}

export interface AiConfig {
  generator:
    { provider: 'openai'; baseUrl: string; apiKey: string | undefined; model: string } | { provider: 'ollama'; url: string; model: string };
  /** The credential mapper; undefined: several candidate credentials are offered to the person to choose. */
  local: { url: string; model: string } | undefined;
  maxRepairs: number;
  timeoutMs: number;
}

/** Which model writes workflows: the provider named, or the one whose endpoint is set. */
function aiConfigOf(e: z.infer<typeof EnvSchema>): AiConfig | undefined {
  const provider = e.LOOM_AI_PROVIDER ?? (e.OPENAI_BASE_URL || e.OPENAI_API_KEY ? 'openai' : e.OLLAMA_URL ? 'ollama' : undefined);
  if (!provider) return undefined;
  const generator: AiConfig['generator'] =
    provider === 'openai'
      ? {
          provider,
          baseUrl: e.OPENAI_BASE_URL ?? 'https://api.openai.com/v1',
          apiKey: e.OPENAI_API_KEY,
          model: e.LOOM_AI_MODEL ?? 'gpt-4o-mini',
        }
      : { provider, url: e.OLLAMA_URL ?? 'http://127.0.0.1:11434', model: e.LOOM_AI_MODEL ?? 'llama3.1' };
  const local = e.LOOM_LOCAL_LLM_URL ? { url: e.LOOM_LOCAL_LLM_URL, model: e.LOOM_LOCAL_LLM_MODEL ?? 'llama3.1' } : undefined;
  return { generator, local, maxRepairs: e.LOOM_AI_MAX_REPAIRS, timeoutMs: e.LOOM_AI_TIMEOUT_MS };
}

/** LOOM_MASTER_KEY from LOOM_MASTER_KEY_FILE when only the file is given; its absence fails start-up by name. */
function withKeyFile(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const file = env.LOOM_MASTER_KEY_FILE?.trim();
  if (!file || env.LOOM_MASTER_KEY) return env;
  try {
    return { ...env, LOOM_MASTER_KEY: readFileSync(file, 'utf8').trim() };
  } catch (err) {
    throw new ConfigError(
      `Invalid configuration:\n  LOOM_MASTER_KEY_FILE: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
}

export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): LoomConfig {
  const parsed = EnvSchema.safeParse(withKeyFile(env));
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  return {
    dataDir: path.resolve(cwd, e.LOOM_DATA_DIR),
    databaseUrl: e.DATABASE_URL,
    http: { host: e.HOST, port: e.PORT },
    logLevel: e.LOG_LEVEL,
    httpAllowedHosts: e.LOOM_HTTP_ALLOWED_HOSTS.split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    workflowBundlePath: e.LOOM_WORKFLOW_BUNDLE ? path.resolve(cwd, e.LOOM_WORKFLOW_BUNDLE) : undefined,
    masterKey: e.LOOM_MASTER_KEY,
    previousMasterKeys: e.LOOM_MASTER_KEY_PREVIOUS,
    email: e.LOOM_SMTP_URL ? { smtpUrl: e.LOOM_SMTP_URL, from: e.LOOM_NOTIFY_EMAIL_FROM } : undefined,
    notify: {
      webhookUrl: e.LOOM_NOTIFY_WEBHOOK_URL,
      emailTo: e.LOOM_SMTP_URL ? e.LOOM_NOTIFY_EMAIL_TO : undefined,
      publicUrl: (e.LOOM_PUBLIC_URL ?? `http://${e.HOST}:${e.PORT}`).replace(/\/$/, ''),
    },
    redisUrl: e.REDIS_URL,
    corsOrigins: e.LOOM_CORS_ORIGINS.split(',')
      .map((s) => s.trim().replace(/\/$/, ''))
      .filter(Boolean),
    bootstrapAdmin: { email: e.LOOM_ADMIN_EMAIL, password: e.LOOM_ADMIN_PASSWORD },
    ai: aiConfigOf(e),
    metrics: {
      port: e.LOOM_METRICS_PORT,
      host: e.LOOM_METRICS_HOST ?? e.HOST,
      token: e.LOOM_METRICS_TOKEN,
      temporalAddress: e.LOOM_TEMPORAL_METRICS_ADDRESS,
    },
    files: {
      dir: path.join(path.resolve(cwd, e.LOOM_DATA_DIR), 'files'),
      enterpriseFileBytes: e.LOOM_ENTERPRISE_FILE_BYTES,
      enterpriseStoredBytes: e.LOOM_ENTERPRISE_STORED_BYTES,
    },
    temporal: {
      address: e.TEMPORAL_ADDRESS,
      namespace: e.TEMPORAL_NAMESPACE,
      taskQueue: e.TEMPORAL_TASK_QUEUE,
      cliPath: e.TEMPORAL_CLI_PATH,
      security: temporalSecurityOf(e),
      devServerPort: e.TEMPORAL_PORT,
      devServerUiPort: e.TEMPORAL_UI_PORT,
      runHistoryEvents: e.LOOM_RUN_HISTORY_EVENTS,
      scheduleMinIntervalSeconds: e.LOOM_SCHEDULE_MIN_INTERVAL_SECONDS,
      // Unset: the embedded dev server's UI (a cluster's UI has an origin only its operator knows).
      uiOrigins: (
        e.LOOM_TEMPORAL_UI_ORIGINS ??
        (e.TEMPORAL_ADDRESS ? '' : `http://127.0.0.1:${e.TEMPORAL_UI_PORT},http://localhost:${e.TEMPORAL_UI_PORT}`)
      )
        .split(',')
        .map((s) => s.trim().replace(/\/$/, ''))
        .filter(Boolean),
    },
  };
}
