# Samtale as a container image: `docker build -t samtale .` (docs/deploy.md). One process per container;
# run several against one PostgreSQL for more capacity or a standby scheduler.
FROM python:3.11-slim-bookworm AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY engines ./engines
COPY insights ./insights
COPY storage ./storage
COPY content ./content
RUN pip wheel --no-cache-dir --wheel-dir /wheels ".[postgres]"

FROM python:3.11-slim-bookworm
# Wheels only: no compiler or build tools in the image that runs. The versions are the ones the build
# stage resolved (--no-index: nothing else can come in here), so there is nothing to pin on this line.
COPY --from=build /wheels /wheels
# hadolint ignore=DL3013
RUN pip install --no-cache-dir --no-index --find-links=/wheels "samtale[postgres]" \
    && rm -rf /wheels \
    && useradd --system --uid 10001 --home-dir /var/lib/samtale --create-home --shell /usr/sbin/nologin samtale
USER 10001
WORKDIR /var/lib/samtale
ENV PYTHONUNBUFFERED=1
# 8443: the Telegram webhook; 9310: /healthz, /readyz, /metrics ([ops] listen = "0.0.0.0:9310").
EXPOSE 8443 9310
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:9310/healthz', timeout=2).status == 200 else 1)"]
# SIGTERM (docker stop): /readyz turns 503, replies in hand are sent for at most 8 s, the rest stays in the outbox.
STOPSIGNAL SIGTERM
ENTRYPOINT ["samtale"]
CMD ["run", "--config", "/etc/samtale/samtale.toml"]
