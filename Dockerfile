# syntax=docker/dockerfile:1
# Weft's image: the api (serving the built web app) and the runner, from one build.
#   docker build -t weft .
#   api:    docker run weft                                   (node apps/api/dist/main.js, port 8080)
#   runner: docker run weft node apps/runner/dist/main.js     (metrics on 9464)
# docker-compose.yml runs both against MongoDB 7. The same commands work outside Docker after
# `pnpm install && pnpm turbo run build` (e2e/test/deploy-config.test.ts runs them).

# ---- build: install from the lockfile, build api, runner and web with turbo ----
FROM node:20-bookworm-slim AS build
ENV TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1 CI=true
RUN npm install -g pnpm@12.4.2
WORKDIR /app
# Manifests first: the install layer is reused while only sources change.
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml .npmrc turbo.json tsconfig.base.json biome.json ./
COPY apps/api/package.json apps/api/
COPY apps/runner/package.json apps/runner/
COPY apps/web/package.json apps/web/
COPY packages/core/package.json packages/core/
COPY packages/db/package.json packages/db/
COPY packages/devdb/package.json packages/devdb/
COPY packages/cli/package.json packages/cli/
COPY bench/package.json bench/
COPY e2e/package.json e2e/
RUN pnpm install --frozen-lockfile
COPY . .
RUN pnpm turbo run build --filter=@weft/api... --filter=@weft/runner... --filter=@weft/web...
# Only what runs stays: production dependencies of the workspace, the built dist/ folders.
RUN pnpm install --frozen-lockfile --prod --offline

# ---- runtime ----
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    PORT=8080 \
    HOST=0.0.0.0 \
    WEFT_WEB_DIST=/app/apps/web/dist \
    WEFT_RUNNER_METRICS_PORT=9464
WORKDIR /app
COPY --from=build --chown=node:node /app/package.json /app/pnpm-workspace.yaml ./
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/packages/core/package.json packages/core/
COPY --from=build --chown=node:node /app/packages/core/dist packages/core/dist
COPY --from=build --chown=node:node /app/packages/core/node_modules packages/core/node_modules
COPY --from=build --chown=node:node /app/packages/db/package.json packages/db/
COPY --from=build --chown=node:node /app/packages/db/dist packages/db/dist
COPY --from=build --chown=node:node /app/packages/db/node_modules packages/db/node_modules
COPY --from=build --chown=node:node /app/apps/api/package.json apps/api/
COPY --from=build --chown=node:node /app/apps/api/dist apps/api/dist
COPY --from=build --chown=node:node /app/apps/api/node_modules apps/api/node_modules
COPY --from=build --chown=node:node /app/apps/runner/package.json apps/runner/
COPY --from=build --chown=node:node /app/apps/runner/dist apps/runner/dist
COPY --from=build --chown=node:node /app/apps/runner/node_modules apps/runner/node_modules
COPY --from=build --chown=node:node /app/apps/web/dist apps/web/dist
USER node
EXPOSE 8080 9464
# Health: the api's GET /health (the runner's service overrides it with GET :9464/health).
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "apps/api/dist/main.js"]
