# ResearchFlow Governance — production image.
# Build:  docker build --build-arg APP_BUILD=$(git rev-parse --short HEAD) -t researchflow-governance:0.1.0-<build> .
# Run:    docker run -p 8000:8000 -v governance-data:/data --env-file prod.env researchflow-governance:0.1.0-<build>
#         prod.env holds DATABASE_URL (Postgres), or EMBEDDED_DATABASE=true for one single container
#         on the embedded database in the /data volume: with neither, the production start stops
#         ("DATABASE_URL must be set in production"). Never EMBEDDED_DATABASE=true with several
#         instances (Kubernetes): each would have a database of its own. Not set in the image.
#         prod.env holds only the variables you set (docs/operations/DEPLOYMENT.md). Do not pass a
#         copy of .env.example: its development values (APP_ENV, DATA_DIR=./.data) would override
#         the image's APP_ENV=production and DATA_DIR=/data, putting the embedded database in the
#         container's writable layer, lost with the container.
ARG DENO_VERSION=2.9.6

FROM denoland/deno:${DENO_VERSION} AS build
WORKDIR /app
COPY deno.json deno.lock ./
COPY . .
# Download and lock every npm dependency, type-check, then build the island bundles.
RUN deno install --frozen --entrypoint main.ts scripts/migrate.ts scripts/user.ts scripts/restore_prepare.ts \
 && deno check main.ts \
 && deno task build

FROM denoland/deno:${DENO_VERSION}
# The commit this image is built from: /health reports it and the default Sentry release carries
# it, so every build can be told apart (docker build --build-arg APP_BUILD=$(git rev-parse --short HEAD)).
ARG APP_BUILD=
LABEL org.opencontainers.image.revision=${APP_BUILD}
WORKDIR /app
ENV APP_BUILD=${APP_BUILD} \
    APP_ENV=production \
    PORT=8000 \
    DATA_DIR=/data \
    LOG_FORMAT=json \
    DENO_NO_UPDATE_CHECK=1
COPY --from=build --chown=deno:deno /deno-dir /deno-dir
COPY --from=build --chown=deno:deno /app /app
RUN mkdir -p /data && chown deno:deno /data
USER deno
EXPOSE 8000
VOLUME ["/data"]
# Liveness only; orchestrators should use /health/ready for readiness. Asks the port the app
# listens on ($PORT, 8000 when unset) through deno itself: exec form, no shell, writes nothing.
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["deno", "eval", "const port = Deno.env.get('PORT') || '8000'; try { const r = await fetch('http://127.0.0.1:' + port + '/health'); Deno.exit(r.ok ? 0 : 1); } catch { Deno.exit(1); }"]
# deno is PID 1's child through tini in the base image; SIGTERM drains in-flight requests (30 s).
CMD ["run", "--allow-env", "--allow-net", "--allow-read", "--allow-write", "--allow-sys", "--allow-run", "main.ts"]
