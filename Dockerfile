# syntax=docker/dockerfile:1
# The gac image: the tool plus this repository's generated/ and grafana.yaml, for scheduled
# drift checks (deploy/k8s/drift-cronjob.yaml) and syncs from CI. It carries no definitions,
# so commands run with GAC_SKIP_BUILD_CHECK=1: generated/ is what `gac check` approved on
# main before the image was built (.github/workflows/image.yml).
#
# Non-root (uid 65532), and nothing is written at run time: works with readOnlyRootFilesystem.
# Built by .github/workflows/image.yml; checked without a container engine by
# tests/test_delivery.py, which runs these RUN steps the same way in a clean virtual environment.

FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY generator ./generator
RUN python -m venv /opt/gac && /opt/gac/bin/pip install --no-cache-dir --disable-pip-version-check .

FROM python:3.11-slim
ENV PATH=/opt/gac/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    GAC_SKIP_BUILD_CHECK=1
COPY --from=build /opt/gac /opt/gac
WORKDIR /repo
COPY grafana.yaml ./grafana.yaml
COPY generated ./generated
USER 65532:65532
ENTRYPOINT ["gac"]
CMD ["drift", "--root", "/repo", "--env", "prod", "--format", "json"]
