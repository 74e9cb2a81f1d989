package auth

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Development signing key files, under matchd's data directory: matchd
// creates them when no key file is configured, trusts the public key, and
// matchctl signs tokens with the private one (matchctl token, demo,
// dashboard). Production deployments set TALENTMATCH_API_KEYS instead.
const (
	DevPrivateKeyFile = "api-signing.key"
	DevPublicKeyFile  = "api-signing.pub"
)

// DevKey returns the development signing key under dir, creating it (mode
// 0600, its public half beside it) if it does not exist. created says
// whether it was made now.
func DevKey(dir string) (priv ed25519.PrivateKey, created bool, err error) {
	path := filepath.Join(dir, DevPrivateKeyFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, false, fmt.Errorf("auth: %w", err)
		}
		pub, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return nil, false, fmt.Errorf("auth: generate a signing key: %w", err)
		}
		der, _ := x509.MarshalPKCS8PrivateKey(priv)
		if err := writeNew(path, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
			return nil, false, err
		}
		pder, _ := x509.MarshalPKIXPublicKey(pub)
		if err := os.WriteFile(filepath.Join(dir, DevPublicKeyFile), pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pder}), 0o644); err != nil {
			return nil, false, fmt.Errorf("auth: write the public key: %w", err)
		}
		return priv, true, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("auth: read the signing key: %w", err)
	}
	blk, _ := pem.Decode(b)
	if blk == nil || blk.Type != "PRIVATE KEY" {
		return nil, false, fmt.Errorf("auth: %s holds no PEM private key", path)
	}
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		return nil, false, fmt.Errorf("auth: %s: %w", path, err)
	}
	priv, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, false, fmt.Errorf("auth: %s is not an Ed25519 key", path)
	}
	// The public half may be missing (copied data directory): write it again.
	pub := filepath.Join(dir, DevPublicKeyFile)
	if _, err := os.Stat(pub); err != nil {
		pder, _ := x509.MarshalPKIXPublicKey(priv.Public())
		if err := os.WriteFile(pub, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pder}), 0o644); err != nil {
			return nil, false, fmt.Errorf("auth: write the public key: %w", err)
		}
	}
	return priv, false, nil
}

func writeNew(path string, b []byte, mode os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return fmt.Errorf("auth: create %s: %w", path, err)
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return fmt.Errorf("auth: write %s: %w", path, err)
	}
	return f.Close()
}

// Mint signs a token for c with key (EdDSA), valid for ttl from now, with
// the default audience unless c names one. It is for development, tests
// and tools; production tokens come from the park's identity provider.
func Mint(key ed25519.PrivateKey, c Claims, ttl time.Duration) (string, error) {
	now := time.Now()
	if c.IssuedAt == nil {
		c.IssuedAt = jwt.NewNumericDate(now)
	}
	if c.ExpiresAt == nil {
		c.ExpiresAt = jwt.NewNumericDate(now.Add(ttl))
	}
	if len(c.Audience) == 0 {
		c.Audience = jwt.ClaimStrings{DefaultAudience}
	}
	if err := c.Validate(); err != nil {
		return "", err
	}
	return jwt.NewWithClaims(jwt.SigningMethodEdDSA, c).SignedString(key)
}
