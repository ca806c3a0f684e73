# syntax=docker/dockerfile:1
# Build stage: make the wheel (it carries the PWA and static files inside the package).
FROM python:3.11-slim AS build
WORKDIR /src
RUN pip install --no-cache-dir --upgrade pip
COPY pyproject.toml README.md ./
COPY backend ./backend
COPY pwa ./pwa
COPY static ./static
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

# Runtime stage: only the installed wheel and its dependencies, run as an unprivileged user.
FROM python:3.11-slim AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 ANSINH_ENV=prod
RUN useradd --create-home --uid 10001 ansinh
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
USER ansinh
WORKDIR /home/ansinh
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
  CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/health/ready', timeout=2).status == 200 else 1)"
# Migrations are a separate step (`docker run … ansinh migrate`) so replicas never race on them.
ENTRYPOINT ["ansinh"]
CMD ["run", "--host", "0.0.0.0", "--port", "8000", "--workers", "2"]
