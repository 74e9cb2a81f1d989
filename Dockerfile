# Multi-stage build of matchd and matchctl.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/ ./cmd/matchd ./cmd/matchctl

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/matchd /out/matchctl /usr/local/bin/
ENV TALENTMATCH_HTTP_ADDR=0.0.0.0:8090 TALENTMATCH_API_ADDR=0.0.0.0:8091 TALENTMATCH_DATA_DIR=/tmp/talentmatch
# 8090: /metrics and probes (keep it internal); 8091: query API and dashboard (bearer tokens)
EXPOSE 8090 8091
ENTRYPOINT ["/usr/local/bin/matchd"]
