FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app

COPY pyproject.toml README.md alembic.ini socialdesk.example.yaml ./
COPY bot ./bot
COPY adapters ./adapters
COPY storage ./storage
COPY migrations ./migrations
RUN pip install --no-cache-dir . && useradd --create-home socialdesk && mkdir -p var \
    && chown socialdesk var
USER socialdesk

EXPOSE 3978
HEALTHCHECK CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:3978/healthz')"
CMD ["sh", "-c", "socialdesk migrate && exec socialdesk serve --host 0.0.0.0"]
