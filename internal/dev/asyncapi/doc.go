// Package asyncapi checks schemas/asyncapi.yaml, the contract in AsyncAPI
// 3.0: its test parses the document with the AsyncAPI project's own parser
// (@asyncapi/parser, pinned by package-lock.json in this folder and
// installed into node_modules by internal/dev/setup.sh), and compares the
// channels, messages and payloads the parser reports with the subjects and
// types of the code (events, internal/api, schemas), so that the document
// and the code cannot drift apart.
package asyncapi
