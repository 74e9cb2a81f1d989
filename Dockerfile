# Multi-stage build of matchd and matchctl.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/ ./cmd/matchd ./cmd/matchctl

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/matchd /out/matchctl /usr/local/bin/
ENV TALENTMATCH_HTTP_ADDR=0.0.0.0:8090 TALENTMATCH_DATA_DIR=/tmp/talentmatch
EXPOSE 8090
ENTRYPOINT ["/usr/local/bin/matchd"]
