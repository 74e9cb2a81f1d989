package auth

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/golang-jwt/jwt/v5"
)

func pemPublic(t *testing.T, pub any) []byte {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

func writeFile(t *testing.T, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "keys")
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func claims(ttl time.Duration) Claims {
	return Claims{Role: RoleCompany, Companies: []string{"acme"}, RegisteredClaims: jwt.RegisteredClaims{
		Subject: "hr@acme", Issuer: "idp", Audience: jwt.ClaimStrings{DefaultAudience}, ExpiresAt: jwt.NewNumericDate(time.Now().Add(ttl))}}
}

func sign(t *testing.T, m jwt.SigningMethod, key any, kid string, c Claims) string {
	t.Helper()
	tok := jwt.NewWithClaims(m, c)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestKeyFiles: PEM (Ed25519, RSA, ECDSA, a certificate) and JWKS files
// verify tokens of their keys and refuse others'; private keys, HMAC and
// empty files are refused when loaded.
func TestKeyFiles(t *testing.T) {
	edPub, edKey, _ := ed25519.GenerateKey(rand.Reader)
	_, otherEd, _ := ed25519.GenerateKey(rand.Reader)
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	jwks, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{
		{Key: edPub, KeyID: "ed-1", Algorithm: "EdDSA", Use: "sig"},
		{Key: &rsaKey.PublicKey, KeyID: "rsa-1", Algorithm: "RS256", Use: "sig"},
	}})
	privJWKS, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: edKey, KeyID: "x"}}})
	tmpl := &x509.Certificate{SerialNumber: newSerial(), NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	certDER, _ := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &ecKey.PublicKey, ecKey)
	privDER, _ := x509.MarshalPKCS8PrivateKey(edKey)

	good := claims(time.Hour)
	for _, tc := range []struct {
		name    string
		file    []byte
		loadErr bool
		token   string
		wantErr error
	}{
		{"Ed25519 PEM", pemPublic(t, edPub), false, sign(t, jwt.SigningMethodEdDSA, edKey, "", good), nil},
		{"Ed25519 PEM, another key", pemPublic(t, edPub), false, sign(t, jwt.SigningMethodEdDSA, otherEd, "", good), ErrInvalidToken},
		{"RSA PEM", pemPublic(t, &rsaKey.PublicKey), false, sign(t, jwt.SigningMethodRS256, rsaKey, "", good), nil},
		{"ECDSA certificate", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: certDER}), false, sign(t, jwt.SigningMethodES256, ecKey, "", good), nil},
		{"JWKS by kid", jwks, false, sign(t, jwt.SigningMethodRS256, rsaKey, "rsa-1", good), nil},
		{"JWKS, unknown kid tries every key", jwks, false, sign(t, jwt.SigningMethodEdDSA, edKey, "nope", good), nil},
		{"JWKS, kid of another key", jwks, false, sign(t, jwt.SigningMethodEdDSA, edKey, "rsa-1", good), ErrInvalidToken},
		{"HMAC with the public key as secret", pemPublic(t, edPub), false, sign(t, jwt.SigningMethodHS256, []byte(pemPublic(t, edPub)), "", good), ErrInvalidToken},
		{"expired", pemPublic(t, edPub), false, sign(t, jwt.SigningMethodEdDSA, edKey, "", claims(-time.Hour)), ErrInvalidToken},
		{"empty token", pemPublic(t, edPub), false, "", ErrNoToken},
		{"private key PEM", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: privDER}), true, "", nil},
		{"private JWKS", privJWKS, true, "", nil},
		{"empty file", []byte("\n"), true, "", nil},
		{"not JSON", []byte("{nope"), true, "", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, err := NewVerifier(Config{KeyFile: writeFile(t, tc.file), Issuer: "idp"})
			if tc.loadErr {
				if err == nil {
					t.Fatal("the key file was accepted")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			c, err := v.Verify(tc.token)
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil && err != nil) {
				t.Fatalf("got %v, want %v", err, tc.wantErr)
			}
			if tc.wantErr == nil && (c.Role != RoleCompany || !c.Company("acme") || c.Company("globex")) {
				t.Errorf("claims %+v", c)
			}
			if err != nil && tc.token != "" && strings.Contains(err.Error(), tc.token) {
				t.Error("the error holds the token")
			}
		})
	}
}

// TestIssuerAndAudience: a token from another issuer or for another
// audience is refused.
func TestIssuerAndAudience(t *testing.T) {
	pub, key, _ := ed25519.GenerateKey(rand.Reader)
	v, err := NewVerifier(Config{KeyFile: writeFile(t, pemPublic(t, pub)), Issuer: "idp"})
	if err != nil {
		t.Fatal(err)
	}
	c := claims(time.Hour)
	c.Issuer = "elsewhere"
	if _, err := v.Verify(sign(t, jwt.SigningMethodEdDSA, key, "", c)); !errors.Is(err, ErrInvalidToken) {
		t.Errorf("another issuer: %v", err)
	}
	c = claims(time.Hour)
	c.Audience = jwt.ClaimStrings{"other"}
	if _, err := v.Verify(sign(t, jwt.SigningMethodEdDSA, key, "", c)); !errors.Is(err, ErrInvalidToken) {
		t.Errorf("another audience: %v", err)
	}
}

func TestClaimsValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		c    Claims
		ok   bool
	}{
		{"organizer", Claims{Role: RoleOrganizer, Campaigns: []string{"a", "b"}}, true},
		{"organizer without campaigns", Claims{Role: RoleOrganizer}, false},
		{"expert", Claims{Role: RoleExpert, Campaigns: []string{"a"}}, true},
		{"company", Claims{Role: RoleCompany, Companies: []string{"acme"}}, true},
		{"company with a candidate", Claims{Role: RoleCompany, Companies: []string{"acme"}, Candidate: "c1"}, false},
		{"candidate app", Claims{Role: RoleCandidateApp, Candidate: "c1"}, true},
		{"candidate app without candidate", Claims{Role: RoleCandidateApp}, false},
		{"candidate app with campaigns", Claims{Role: RoleCandidateApp, Candidate: "c1", Campaigns: []string{"a"}}, false},
		{"operator", Claims{Role: RoleOperator}, true},
		{"operator with scope", Claims{Role: RoleOperator, Companies: []string{"acme"}}, false},
		{"bad id", Claims{Role: RoleCompany, Companies: []string{"acme.*"}}, false},
		{"unknown role", Claims{Role: "admin"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.c.Validate()
			if (err == nil) != tc.ok || (err != nil && !errors.Is(err, ErrScope)) {
				t.Errorf("Validate() = %v, want ok %v", err, tc.ok)
			}
		})
	}
}

// TestDevKey: the development key is created once, mode 0600, and its
// tokens verify with its public half.
func TestDevKey(t *testing.T) {
	dir := t.TempDir()
	k1, created, err := DevKey(dir)
	if err != nil || !created {
		t.Fatalf("first DevKey: created %v, %v", created, err)
	}
	k2, created, err := DevKey(dir)
	if err != nil || created || !k1.Equal(k2) {
		t.Fatalf("second DevKey: created %v, same %v, %v", created, k1.Equal(k2), err)
	}
	if fi, _ := os.Stat(filepath.Join(dir, DevPrivateKeyFile)); fi.Mode().Perm() != 0o600 {
		t.Errorf("private key mode %v, want 0600", fi.Mode().Perm())
	}
	v, err := NewVerifier(Config{KeyFile: filepath.Join(dir, DevPublicKeyFile)})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := Mint(k1, Claims{Role: RoleOperator}, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(tok); err != nil {
		t.Fatal(err)
	}
	if _, err := Mint(k1, Claims{Role: RoleCompany}, time.Minute); !errors.Is(err, ErrScope) {
		t.Errorf("minting a company token without company: %v", err)
	}
}

// FuzzVerify: no input crashes the verifier or is accepted unsigned.
func FuzzVerify(f *testing.F) {
	pub, key, _ := ed25519.GenerateKey(rand.Reader)
	der, _ := x509.MarshalPKIXPublicKey(pub)
	v, err := newVerifier(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), Config{})
	if err != nil {
		f.Fatal(err)
	}
	good, _ := Mint(key, Claims{Role: RoleOperator}, time.Hour)
	f.Add(good)
	f.Add("eyJhbGciOiJub25lIn0.e30.")
	f.Add("Bearer x")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := v.Verify(s)
		if err == nil && s != good {
			// Another encoding of the same signed token would be fine;
			// anything else verifying means a forgery.
			if c.Role != RoleOperator {
				t.Fatalf("accepted %q as %+v", s, c)
			}
		}
		_ = BearerToken(s)
	})
}

func newSerial() *big.Int { return big.NewInt(time.Now().UnixNano()) }
