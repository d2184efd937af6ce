# Image for the API and worker processes (docker-compose.yml); Temporal and PostgreSQL run as their own services.
FROM node:20-bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends espeak-ng && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
# The page (web/dist), served by the API at /.
RUN npm run build:web
ENV NODE_ENV=production
CMD ["npm", "run", "api"]
