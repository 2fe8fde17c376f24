# syntax=docker/dockerfile:1
# Build stage: resolve and install the locked dependencies with uv into /app/.venv.
FROM ghcr.io/astral-sh/uv:0.9-python3.11-bookworm-slim AS build
ENV UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy UV_PYTHON_DOWNLOADS=never
WORKDIR /app
COPY pyproject.toml uv.lock ./
RUN --mount=type=cache,target=/root/.cache/uv uv sync --frozen --no-dev --no-install-project
COPY README.md alembic.ini ./
COPY src ./src
COPY rasa/data/nlu.yml ./rasa/data/nlu.yml
RUN --mount=type=cache,target=/root/.cache/uv uv sync --frozen --no-dev --no-editable

# Runtime stage: the virtualenv and nothing else; runs as an unprivileged user.
FROM python:3.11-slim-bookworm
RUN useradd --create-home --uid 10001 herald
WORKDIR /app
COPY --from=build --chown=herald:herald /app/.venv /app/.venv
COPY --from=build --chown=herald:herald /app/alembic.ini /app/alembic.ini
ENV PATH="/app/.venv/bin:$PATH" PYTHONUNBUFFERED=1
USER herald
EXPOSE 8000
# The check of the default command, the API. Other commands need their own: compose runs
# the worker and the scheduler with a heartbeat check, and the one-off migrate with none.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health/live', timeout=2)"
CMD ["herald", "serve", "--host", "0.0.0.0", "--port", "8000"]
