# Nightjar roles: one image, the role chosen by the command (`run --roles worker`, `run --roles api`, ...).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json ./
COPY bin ./bin
COPY src ./src
RUN npm ci --no-audit --no-fund && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production NIGHTJAR_API_HOST=0.0.0.0 NIGHTJAR_STATE_DIR=/var/lib/nightjar
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
COPY schemas ./schemas
COPY web ./web
COPY src/annotate/catalogs/bsc5.csv ./src/annotate/catalogs/bsc5.csv
# The state directory (cached catalog indexes) must be writable by the unprivileged user.
RUN mkdir -p /var/lib/nightjar && chown node:node /var/lib/nightjar
USER node
EXPOSE 8080
ENTRYPOINT ["node", "bin/nightjar.js"]
CMD ["run", "--roles", "worker,sink,trainer,api,jobs"]
