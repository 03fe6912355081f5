# Production image: gunicorn serving the app, whitenoise serving static files.
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1

WORKDIR /app
COPY requirements/base.txt requirements/base.txt
RUN pip install -r requirements/base.txt

COPY . .
# collectstatic needs settings but no database or secrets.
RUN DEBUG=false python manage.py collectstatic --noinput --verbosity 0

RUN useradd --create-home --uid 1000 atlas \
    && mkdir -p /app/media /app/var/search-index \
    && chown atlas /app/media /app/var/search-index
USER atlas

EXPOSE 8000
# Migrations are applied on start (unless MIGRATE_ON_START=false: docker-compose.yml runs
# them once, before its replicas), and the search index is built or brought up to the
# journal (docs/operations.md); gunicorn then serves (workers and threads set by env).
CMD ["sh", "-c", "if [ \"${MIGRATE_ON_START:-true}\" = true ]; then python manage.py migrate --noinput; fi && python manage.py search_index sync && exec gunicorn config.wsgi:application --bind 0.0.0.0:8000 --workers ${GUNICORN_WORKERS:-4} --threads ${GUNICORN_THREADS:-4} --access-logfile -"]
