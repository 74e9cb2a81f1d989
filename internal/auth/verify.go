package auth

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/golang-jwt/jwt/v5"
)

// DefaultAudience is the audience a token must name unless configured
// otherwise.
const DefaultAudience = "talentmatch"

// Config configures a Verifier.
type Config struct {
	// KeyFile holds the public keys that sign tokens: PEM blocks ("PUBLIC
	// KEY", or "CERTIFICATE") or a JWKS document ({"keys": [...]}).
	// Ed25519, RSA and ECDSA keys are accepted. Required.
	KeyFile string
	// Issuer, when set, is the iss every token must carry.
	Issuer string
	// Audience every token must name in aud. Default DefaultAudience.
	Audience string
	// Leeway tolerates clock skew on exp and nbf. Default 30s.
	Leeway time.Duration
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

// Verifier checks bearer tokens. It is safe for concurrent use.
type Verifier struct {
	byKID  map[string]crypto.PublicKey
	all    []crypto.PublicKey
	parser *jwt.Parser
}

// Errors of Verify, matched with errors.Is: a missing token, and any token
// that is not valid (forged, expired, for another audience, badly scoped).
var (
	ErrNoToken      = errors.New("no bearer token")
	ErrInvalidToken = errors.New("invalid token")
)

// methods are the signing algorithms accepted; "none" and HMAC never are,
// so that a public key cannot be used as a shared secret.
var methods = []string{"EdDSA", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"}

// NewVerifier loads the keys of cfg.KeyFile.
func NewVerifier(cfg Config) (*Verifier, error) {
	if cfg.KeyFile == "" {
		return nil, errors.New("auth: a key file is required")
	}
	b, err := os.ReadFile(cfg.KeyFile)
	if err != nil {
		return nil, fmt.Errorf("auth: read key file: %w", err)
	}
	v, err := newVerifier(b, cfg)
	if err != nil {
		return nil, fmt.Errorf("auth: key file %s: %w", cfg.KeyFile, err)
	}
	return v, nil
}

func newVerifier(b []byte, cfg Config) (*Verifier, error) {
	if cfg.Audience == "" {
		cfg.Audience = DefaultAudience
	}
	if cfg.Leeway == 0 {
		cfg.Leeway = 30 * time.Second
	}
	v := &Verifier{byKID: map[string]crypto.PublicKey{}}
	var err error
	if t := bytes.TrimSpace(b); len(t) > 0 && t[0] == '{' {
		err = v.loadJWKS(t)
	} else {
		err = v.loadPEM(b)
	}
	if err != nil {
		return nil, err
	}
	if len(v.all) == 0 {
		return nil, errors.New("no public key found")
	}
	opts := []jwt.ParserOption{jwt.WithValidMethods(methods), jwt.WithExpirationRequired(), jwt.WithAudience(cfg.Audience),
		jwt.WithLeeway(cfg.Leeway), jwt.WithIssuedAt()}
	if cfg.Issuer != "" {
		opts = append(opts, jwt.WithIssuer(cfg.Issuer))
	}
	if cfg.Now != nil {
		opts = append(opts, jwt.WithTimeFunc(cfg.Now))
	}
	v.parser = jwt.NewParser(opts...)
	return v, nil
}

func (v *Verifier) add(kid string, k crypto.PublicKey) error {
	switch k.(type) {
	case ed25519.PublicKey, *rsa.PublicKey, *ecdsa.PublicKey:
	default:
		return fmt.Errorf("key %q: %T is not an Ed25519, RSA or ECDSA public key", kid, k)
	}
	if kid != "" {
		v.byKID[kid] = k
	}
	v.all = append(v.all, k)
	return nil
}

func (v *Verifier) loadJWKS(b []byte) error {
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(b, &set); err != nil {
		return fmt.Errorf("JWKS: %w", err)
	}
	for _, k := range set.Keys {
		if k.Use != "" && k.Use != "sig" {
			continue
		}
		if !k.IsPublic() {
			return fmt.Errorf("JWKS key %q is private: publish public keys only", k.KeyID)
		}
		if err := v.add(k.KeyID, k.Key); err != nil {
			return err
		}
	}
	return nil
}

func (v *Verifier) loadPEM(b []byte) error {
	for {
		var blk *pem.Block
		blk, b = pem.Decode(b)
		if blk == nil {
			return nil
		}
		var k any
		var err error
		switch blk.Type {
		case "PUBLIC KEY":
			k, err = x509.ParsePKIXPublicKey(blk.Bytes)
		case "CERTIFICATE":
			var c *x509.Certificate
			if c, err = x509.ParseCertificate(blk.Bytes); err == nil {
				k = c.PublicKey
			}
		default:
			return fmt.Errorf("PEM block %q: want PUBLIC KEY or CERTIFICATE (never a private key)", blk.Type)
		}
		if err != nil {
			return fmt.Errorf("PEM block %q: %w", blk.Type, err)
		}
		if err := v.add("", k); err != nil {
			return err
		}
	}
}

// Verify checks a token's signature, expiry, audience, issuer and scope,
// and returns its claims. Every failure wraps ErrInvalidToken (ErrNoToken
// for an empty one); the token itself is never part of the error.
func (v *Verifier) Verify(token string) (*Claims, error) {
	if token == "" {
		return nil, ErrNoToken
	}
	var c Claims
	_, err := v.parser.ParseWithClaims(token, &c, func(t *jwt.Token) (any, error) {
		if kid, _ := t.Header["kid"].(string); kid != "" {
			if k, ok := v.byKID[kid]; ok {
				return k, nil
			}
		}
		keys := make([]jwt.VerificationKey, len(v.all))
		for i, k := range v.all {
			keys[i] = k
		}
		return jwt.VerificationKeySet{Keys: keys}, nil
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %s", ErrInvalidToken, reason(err))
	}
	return &c, nil
}

// reason names why a token failed, without its content.
func reason(err error) string {
	for _, r := range []struct {
		err  error
		text string
	}{
		{jwt.ErrTokenExpired, "expired"},
		{jwt.ErrTokenNotValidYet, "not valid yet"},
		{jwt.ErrTokenUsedBeforeIssued, "issued in the future"},
		{jwt.ErrTokenInvalidAudience, "wrong audience"},
		{jwt.ErrTokenInvalidIssuer, "wrong issuer"},
		{jwt.ErrTokenRequiredClaimMissing, "a required claim is missing"},
		{jwt.ErrTokenSignatureInvalid, "bad signature"},
		{jwt.ErrTokenUnverifiable, "unverifiable (algorithm or key)"},
		{jwt.ErrTokenMalformed, "malformed"},
		{ErrScope, ""},
	} {
		if errors.Is(err, r.err) {
			if r.text == "" {
				return scopeReason(err)
			}
			return r.text
		}
	}
	return "rejected"
}

func scopeReason(err error) string {
	msg := err.Error()
	if i := strings.Index(msg, ErrScope.Error()); i >= 0 {
		return msg[i:]
	}
	return ErrScope.Error()
}

// BearerToken returns the token of an "Authorization: Bearer <token>"
// header value, or "".
func BearerToken(header string) string {
	scheme, tok, ok := strings.Cut(strings.TrimSpace(header), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(tok)
}
