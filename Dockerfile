# Image of the Bolt IA API and worker (docker-compose.yml runs both from it): compiled in a build stage,
# run with production dependencies only, as the unprivileged `node` user, under tini.
# Build stage: every dependency, then `npm run build` (dist/ with the pre-bundled workflow code).
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

# Production dependencies only (no tsx, no TypeScript, no test tools).
FROM node:24-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM node:24-bookworm-slim
# tini reaps zombies and passes SIGTERM on, so a worker's graceful stop (BOLT_SHUTDOWN_GRACE) runs;
# espeak-ng gives the built-in TTS simulator real speech when no Google key is configured.
RUN apt-get update && apt-get install -y --no-install-recommends tini espeak-ng && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production BOLT_DATA_DIR=/data PORT=3000
WORKDIR /app
COPY package.json package-lock.json ./
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 3000
# The API's liveness route; compose gives the worker its own check.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=4 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "dist/api/main.js"]
