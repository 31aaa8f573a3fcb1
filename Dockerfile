# syntax=docker/dockerfile:1
#
# Cohort container image: a static Go binary on distroless.
#
#   docker build --build-arg VERSION=$(git describe --tags --always) -t cohort .
#   docker run -p 8080:8080 -e BASE_URL=… -e DATABASE_URL=postgres://… \
#     -e SECRET_KEY=… -e PAIR_ID_HASH_SECRET=… cohort
#
# fly.toml deploys this file; deploy_test.go checks that the two agree (port,
# entrypoint, user, build flags). Keep them in step when editing either.

# ---- build ------------------------------------------------------------------
# The build stage runs on the builder's own platform and cross-compiles for
# the target one (no QEMU emulation needed for multi-arch images). The Go minor
# is pinned to go.mod's; the official image sets GOTOOLCHAIN=local, so it must
# be at least go.mod's patch release — a fresh pull of the 1.26 tag is.
FROM --platform=$BUILDPLATFORM golang:1.26-bookworm AS build

# Set by BuildKit from --platform (e.g. linux/amd64, linux/arm64).
ARG TARGETOS
ARG TARGETARCH

WORKDIR /src

# Module downloads get their own layer keyed on go.mod/go.sum only, so editing
# source code does not re-download dependencies.
COPY go.mod go.sum ./
RUN go mod download && go mod verify

COPY . .

# Declared late: a new VERSION only invalidates the build step below.
ARG VERSION=dev

# CGO_ENABLED=0: SQLite is modernc.org/sqlite (pure Go), so the binary is fully
# static and runs on distroless/static without libc. -trimpath drops local
# paths from the binary, -s -w strips symbol/debug tables; main.version is what
# `cohort version` and the startup log print. time/tzdata is embedded by
# main.go, so the image needs no zoneinfo.
RUN --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH \
    go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/cohort . \
 && mkdir -p /out/data

# ---- runtime ----------------------------------------------------------------
# distroless/static: CA certificates, /etc/passwd with nonroot (65532), no
# shell, no package manager. Hence no HEALTHCHECK here: there is nothing to run
# it with; fly.toml's http checks probe /readyz instead.
FROM gcr.io/distroless/static-debian12:nonroot

ARG VERSION=dev
LABEL org.opencontainers.image.title="cohort" \
      org.opencontainers.image.description="Cohort web app (Fiber, bun on SQLite/Postgres)" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.base.name="gcr.io/distroless/static-debian12:nonroot"

COPY --from=build /out/cohort /cohort
# DATA_DIR (SQLite file when DATABASE_URL is unset, and uploads) must exist and
# be writable by the unprivileged user. Numeric ids: 65532 is distroless's
# nonroot user and group.
COPY --from=build --chown=65532:65532 /out/data /home/nonroot/data

# Explicit even though the :nonroot tag already defaults to it, so a change of
# base image cannot silently make the app run as root.
USER nonroot:nonroot
WORKDIR /home/nonroot

# Production defaults; fly.toml [env] and secrets (BASE_URL, DATABASE_URL,
# SECRET_KEY, PAIR_ID_HASH_SECRET) supply the rest. The app refuses to start in
# production with any of those missing or weak.
ENV APP_ENV=production \
    PORT=8080 \
    DATA_DIR=/home/nonroot/data

EXPOSE 8080

# Exec form: the binary is PID 1 and receives SIGINT/SIGTERM directly, so it
# can drain in-flight requests within SHUTDOWN_TIMEOUT. CMD is the default
# subcommand; fly's release_command ("migrate up") replaces only CMD.
ENTRYPOINT ["/cohort"]
CMD ["serve"]
