# syntax=docker/dockerfile:1
# One image with every eddy program (the list CMake writes to
# build/eddy-programs.txt). The build stage runs the same
# scripts/install-deps.sh and scripts/build.sh that CI and scripts/test.sh
# run; the runtime stage has only the shared libraries the programs load
# (and Chart.js, which eddy-metrics serves to its status page).
#
#   docker build -t eddy:local .
#   docker run --rm eddy:local eddy-learn --list-models

FROM debian:bookworm AS build
WORKDIR /src
COPY scripts/install-deps.sh scripts/install-deps.sh
RUN scripts/install-deps.sh && rm -rf /var/lib/apt/lists/*
COPY . .
RUN rm -rf build && EDDY_BUILD_DIR=/src/build scripts/build.sh \
 && mkdir -p /out \
 && sed 's|^|build/|' build/eddy-programs.txt | xargs cp -t /out/ \
 && strip /out/* \
 && /out/eddy-learn --list-models

FROM debian:bookworm-slim AS runtime
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      librdkafka1 libavro23 libmicrohttpd12 libjansson4 libcurl4 libcsv3 curl ca-certificates \
      libjs-chart.js \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --gid 10001 eddy \
 && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin eddy
COPY --from=build /out/ /usr/local/bin/
# every program starts in the runtime stage (its shared libraries are there)
RUN for p in /usr/local/bin/eddy-*; do "$p" --help >/dev/null || exit 1; done
COPY data/ /usr/share/eddy/data/
COPY schemas/ /usr/share/eddy/schemas/
COPY deploy/docker/healthcheck.sh /usr/local/bin/eddy-healthcheck
COPY deploy/docker/register-schemas.sh /usr/local/bin/eddy-register-schemas
USER 10001:10001
WORKDIR /usr/share/eddy
# Every stage serves /metrics, /healthz and /readyz (features 9101, learn 9102, evaluate 9103, metrics 9100).
EXPOSE 9100 9101 9102 9103
# /healthz of the stage running as PID 1 (its --http address, or the default
# port its --describe gives).
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 CMD ["eddy-healthcheck"]
STOPSIGNAL SIGTERM
CMD ["eddy-metrics"]
