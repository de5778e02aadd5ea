# motcua's image: one static binary on a small Debian, with the time zone data
# that Asia/Ho_Chi_Minh needs.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -o /out/motcua ./cmd/motcua

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates tzdata curl \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /out/motcua /usr/local/bin/motcua
USER nobody
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s CMD curl -fsS http://127.0.0.1:8080/healthz || exit 1
ENTRYPOINT ["motcua"]
CMD ["serve", "--listen", "0.0.0.0:8080"]
