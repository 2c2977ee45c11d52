// The codec server of the Temporal Web UI and CLI (`--codec-endpoint <gateway>/v1/admin/codec`): POST .../decode and
// .../encode take and return `{payloads: [...]}` in protobuf JSON (metadata values and data in base64). Payloads are
// encrypted in history (platform/temporal/codec.ts); this is how an administrator reads them, and encode lets the UI
// send signals and updates with payloads. Administrators only: decoding shows every user's data.
import type { Payload, PayloadCodec } from '@temporalio/common';
import type { FastifyCorsOptions } from '@fastify/cors';
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { SecretError } from '../../../platform/secrets.js';
import type { GatewayDeps } from '../deps.js';
import { ApiError, errorResponses } from '../errors.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** @fastify/cors reads a route's own CORS options from here (they override the gateway-wide ones). */
    cors?: Omit<FastifyCorsOptions, 'delegator' | 'hook'>;
  }
}

export interface CodecRouteOptions extends GatewayDeps {
  /** Browser origins of the Temporal Web UI; the API's own CORS allowlist does not apply to these routes. */
  uiOrigins: readonly string[];
}

const Base64 = z.base64();
const PayloadJson = z.object({ metadata: z.record(z.string(), Base64).nullish(), data: Base64.nullish() });
const PayloadsJson = z.object({ payloads: z.array(PayloadJson).max(10_000) });
type PayloadJson = z.infer<typeof PayloadJson>;

const fromJson = (p: PayloadJson): Payload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
  data: Buffer.from(p.data ?? '', 'base64'),
});
const toJson = (p: Payload): PayloadJson => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
});

export const codecRoutes: FastifyPluginAsync<CodecRouteOptions> = async (app, deps) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  // The codec the gateway's own client uses: what this endpoint decodes is exactly what Loom encodes.
  const codecs: readonly PayloadCodec[] = deps.temporal.client.options.loadedDataConverter.payloadCodecs;
  if (codecs.length === 0) throw new Error('The Temporal client has no payload codec: the codec endpoint would have nothing to decode');
  const allowed = new Set(deps.uiOrigins);
  const cors = {
    origin: (origin: string | undefined, cb: (err: Error | null, allow: boolean) => void) =>
      cb(null, origin !== undefined && allowed.has(origin)),
    credentials: true,
    methods: ['POST'],
    // What the Web UI sends: X-Namespace always, Authorization when it passes its access token.
    allowedHeaders: ['authorization', 'content-type', 'x-namespace', 'x-api-key'],
    exposedHeaders: [],
    maxAge: 600,
  };
  const errors = errorResponses(400, 401, 403);

  const apply = async (payloads: PayloadJson[], direction: 'encode' | 'decode') => {
    let out = payloads.map(fromJson);
    try {
      // Codecs apply in order on encode and in reverse on decode (the SDK's convention).
      for (const codec of direction === 'encode' ? codecs : [...codecs].reverse()) out = await codec[direction](out);
    } catch (err) {
      // The protocol's answer to a payload it cannot convert: 400, and the UI shows the payload as it was.
      if (err instanceof SecretError) throw new ApiError('BAD_REQUEST', err.message, { code: err.code });
      throw err;
    }
    return { payloads: out.map(toJson) };
  };

  for (const direction of ['decode', 'encode'] as const) {
    const url = `/v1/admin/codec/${direction}`;
    r.post(
      url,
      { config: { access: 'admin', scope: 'admin', cors }, schema: { body: PayloadsJson, response: { 200: PayloadsJson, ...errors } } },
      async (req) => apply(req.body.payloads, direction),
    );
    // The preflight (no credentials, by the CORS standard) must see these routes' CORS options, not the API's.
    r.options(url, { config: { access: 'public', cors } }, async (_req, reply) => reply.status(204).send());
  }
};
