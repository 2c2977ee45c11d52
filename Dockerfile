# syntax=docker/dockerfile:1.7
# Loom's one image: the gateway (default command) and the worker (`node --import tsx apps/worker/main.ts`).
# Three stages: dependencies installed and native modules (isolated-vm, argon2, libpg-query) built with a compiler
# that never reaches the final image; the workflow bundle built once; a slim runtime as a non-root user under tini.

FROM node:20.19.5-bookworm-slim AS deps
WORKDIR /app
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ ca-certificates \
  && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
# Exactly the lockfile; dev tools (vitest, eslint, drizzle-kit) stay out of the image.
RUN npm ci --omit=dev --no-audit --no-fund

FROM deps AS bundle
COPY . .
# The worker's workflow bundle, built at image build time (LOOM_WORKFLOW_BUNDLE below), not on every start.
RUN node --import tsx -e "import('./apps/worker/bundle.ts').then(async (b) => { const p = await b.ensureWorkflowBundle('/app/.cache', console.log); require('node:fs').copyFileSync(p, '/app/workflow-bundle.js'); })"

FROM node:20.19.5-bookworm-slim AS runtime
RUN apt-get update \
  && apt-get install -y --no-install-recommends tini ca-certificates \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    LOOM_DATA_DIR=/data \
    LOOM_WORKFLOW_BUNDLE=/app/workflow-bundle.js
COPY --from=deps --chown=root:root /app/node_modules ./node_modules
COPY --from=bundle --chown=root:root /app/workflow-bundle.js ./workflow-bundle.js
COPY --chown=root:root package.json tsconfig.json ./
COPY --chown=root:root activities ./activities
COPY --chown=root:root apps ./apps
COPY --chown=root:root compiler ./compiler
COPY --chown=root:root db ./db
COPY --chown=root:root identity ./identity
COPY --chown=root:root nodes ./nodes
COPY --chown=root:root orchestrator ./orchestrator
COPY --chown=root:root platform ./platform
COPY --chown=root:root workflows ./workflows
# The code belongs to root and is read-only to the service; only the data folder (uploaded files) is writable.
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 3000 9464
# Liveness: the gateway answers on PORT, the worker on its ops listener (LOOM_METRICS_PORT).
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.LOOM_METRICS_PORT || process.env.PORT || 3000}/healthz`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# tini reaps zombies and forwards SIGTERM, so the worker drains its activities and the gateway closes its streams.
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "--import", "tsx", "apps/gateway/main.ts"]
