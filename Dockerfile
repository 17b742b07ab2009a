# The keeper as a container: one Node process (PID 1 gets SIGTERM from `docker stop` and shuts down gracefully).
#   docker build -t tokenfutures-keeper .
#   docker run --rm -v /srv/keeper:/keeper -p 9464:9464 tokenfutures-keeper run --config /keeper/keeper.json
# /keeper holds keeper.json, .env, the keystores, the password file and dataDir (the journal): keep it on a volume.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.keeper.json ./
COPY keeper ./keeper
COPY sdk ./sdk
# npm ci runs `prepare` (tsc -p tsconfig.keeper.json -> dist/); the project's own Node binary is a dev dependency.
RUN npm ci --no-audit --no-fund && npm prune --omit=dev --no-audit --no-fund

FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY config/indices ./config/indices
COPY data ./data
USER node
EXPOSE 9464
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s CMD node -e "fetch('http://127.0.0.1:9464/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["node", "/app/dist/keeper/cli.js"]
CMD ["--help"]
