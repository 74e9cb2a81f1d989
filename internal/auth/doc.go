// Package auth verifies the bearer tokens of the query API: JSON Web Tokens
// (RFC 7519) signed by the park's identity provider, or in development by a
// signing key that matchd keeps in its data directory. A token carries the
// caller's role (organizer, company, candidate app, expert, operator) and
// scope (the campaigns, companies or candidate it acts for); the API
// allows each route to the roles and scopes that should see it.
//
// Verification uses github.com/golang-jwt/jwt/v5; keys come from a file of
// PEM public keys or a JWKS document (parsed with go-jose). Tokens are
// never logged, and no error of this package contains one.
package auth
