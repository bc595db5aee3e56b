# The sealsync images, for those who build with Docker, Podman or Buildah:
#
#   docker build -t sealsync/operator:0.1.0 .                  # the operator (default target)
#   docker build --target sealctl -t sealsync/sealctl:0.1.0 .  # the CLI, for CD pipelines
#
# Without Docker, scripts/image.sh builds the same content from a local build
# as a reproducible OCI archive (that is what the node tests run). Both use
# `scripts/image.sh rootfs`: the stripped binary, exactly the shared
# libraries ldd lists plus the dynamic loader, /etc/passwd and /etc/group
# with nonroot = 65532, and the CA certificates; no shell, no package manager.

# ---- build: Debian 12 with the build dependencies of scripts/setup.sh
FROM debian:12 AS build
RUN apt-get update -qq && \
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      build-essential cmake ninja-build pkg-config ca-certificates binutils \
      libssl-dev libsodium-dev libyaml-cpp-dev nlohmann-json3-dev \
      libcurl4-openssl-dev libboost-dev libboost-system-dev libspdlog-dev libfmt-dev \
      libcli11-dev libre2-dev && \
    rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cmake -S . -B /build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DSEALSYNC_BUILD_TESTS=OFF -DSEALSYNC_BUILD_BENCH=OFF && \
    ninja -C /build operator/sealsync-operator sealctl/sealctl && \
    bash scripts/image.sh rootfs /build/operator/sealsync-operator /rootfs/operator && \
    bash scripts/image.sh rootfs /build/sealctl/sealctl /rootfs/sealctl

# ---- sealctl: `docker run --rm -i sealsync/sealctl:0.1.0 seal ...`
FROM scratch AS sealctl
COPY --from=build /rootfs/sealctl/ /
ENV PATH=/usr/bin SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
USER 65532:65532
ENTRYPOINT ["/usr/bin/sealctl"]

# ---- operator (default): what charts/sealsync runs
FROM scratch AS operator
COPY --from=build /rootfs/operator/ /
ENV PATH=/usr/bin SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
USER 65532:65532
EXPOSE 8080 8081
ENTRYPOINT ["/usr/bin/sealsync-operator"]
