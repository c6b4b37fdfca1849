# Build a static opsbot binary, then ship it alone on a distroless base
# with CA certificates, as a non-root user.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.Version=${VERSION}" -o /out/opsbot ./cmd/opsbot

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/opsbot /usr/local/bin/opsbot
USER nonroot:nonroot
EXPOSE 9090
ENTRYPOINT ["/usr/local/bin/opsbot", "run"]
CMD ["-config", "/etc/opsbot/config.yaml"]
