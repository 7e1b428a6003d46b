# Tsunagari: gunicorn serving the Django site; the same image runs the Celery worker and beat.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# gettext compiles the translation catalogues at build time.
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .

# Settings refuse to load without their required variables; these placeholders exist only
# for this build step and are not kept in the image.
RUN export DEBUG=false \
        SECRET_KEY=build-time-placeholder-not-used-at-run-time \
        ALLOWED_HOSTS=localhost \
        EMAIL_URL=consolemail:// \
        DATABASE_URL=postgres://build@localhost/build \
        REDIS_URL=redis://localhost:6379/0 \
    && python manage.py collectstatic --noinput \
    && if [ -n "$(find . -name '*.po' -print -quit)" ]; then \
           python manage.py compilemessages --ignore=var; \
       fi

RUN useradd --system --create-home --uid 10001 tsunagari
USER tsunagari

EXPOSE 8000
# The access log and its format (no query strings) come from gunicorn.conf.py.
CMD ["gunicorn", "tsunagari.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
