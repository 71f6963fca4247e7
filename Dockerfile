# kith on Telegram and/or Discord. Build: docker build -t kith .
# Run:   docker run -d --name kith -e KITH_TELEGRAM_TOKEN=123:abc -v kith-data:/data kith
#        (-e KITH_DISCORD_TOKEN=… instead of, or as well as, the Telegram token)
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PTB_TIMEDELTA=1 \
    KITH_DB=/data/kith.db

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
# The hosted extra (PostgreSQL, webhooks) too: the same image runs `kith serve`
# (docker-compose.yml); `kith run` on SQLite ignores it.
RUN pip install --no-cache-dir '.[postgres]' \
 && useradd --system --uid 10001 --home-dir /data kith \
 && mkdir -p /data && chown kith /data && chmod 0700 /data

USER kith
VOLUME ["/data"]
CMD ["kith", "run"]
