package natsauth

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/nats-io/jwt/v2"
	"github.com/nats-io/nkeys"
)

// Files under the accounts directory. The seeds (*.nk) are secrets: the
// operator's and the account's identity keys can be kept offline once the
// account exists; issuing credentials needs only the signing key.
const (
	OperatorSeedFile       = "operator.nk"
	AccountSeedFile        = "talent.nk"
	AccountSigningSeedFile = "talent-signing.nk"
	SystemSeedFile         = "sys.nk"
	AccountJWTFile         = "talent.jwt"
	// ResolverFile is the server configuration to include: the operator,
	// the system account and both accounts preloaded (resolver MEMORY).
	ResolverFile = "resolver.conf"
	// CredsDir holds the issued credentials, "<name>.creds".
	CredsDir = "creds"
)

// AccountName is the name of the talent exchange's account.
const AccountName = "TALENT"

// ErrExists means Init would overwrite an existing operator.
var ErrExists = errors.New("accounts directory already initialised")

// Init creates an operator, the TALENT account (JetStream enabled, users
// signed by a separate signing key), the system account with its user,
// and matchd's credentials, under dir (mode 0700, files 0600), and writes
// ResolverFile for nats-server to include.
func Init(dir string) error {
	if _, err := os.Stat(filepath.Join(dir, OperatorSeedFile)); err == nil {
		return fmt.Errorf("%w: %s", ErrExists, dir)
	}
	if err := os.MkdirAll(filepath.Join(dir, CredsDir), 0o700); err != nil {
		return fmt.Errorf("natsauth: %w", err)
	}
	op, err := nkeys.CreateOperator()
	if err != nil {
		return err
	}
	acc, err := nkeys.CreateAccount()
	if err != nil {
		return err
	}
	signer, err := nkeys.CreateAccount()
	if err != nil {
		return err
	}
	sys, err := nkeys.CreateAccount()
	if err != nil {
		return err
	}
	opPub, _ := op.PublicKey()
	accPub, _ := acc.PublicKey()
	signPub, _ := signer.PublicKey()
	sysPub, _ := sys.PublicKey()

	oc := jwt.NewOperatorClaims(opPub)
	oc.Name = "talentmatch"
	oc.SystemAccount = sysPub
	opJWT, err := oc.Encode(op)
	if err != nil {
		return fmt.Errorf("natsauth: operator: %w", err)
	}
	ac := jwt.NewAccountClaims(accPub)
	ac.Name = AccountName
	ac.SigningKeys.Add(signPub)
	ac.Limits.JetStreamLimits = jwt.JetStreamLimits{MemoryStorage: -1, DiskStorage: -1, Streams: -1, Consumer: -1, MaxAckPending: -1, MemoryMaxStreamBytes: -1, DiskMaxStreamBytes: -1}
	accJWT, err := ac.Encode(op)
	if err != nil {
		return fmt.Errorf("natsauth: account: %w", err)
	}
	sc := jwt.NewAccountClaims(sysPub)
	sc.Name = "SYS"
	sysJWT, err := sc.Encode(op)
	if err != nil {
		return fmt.Errorf("natsauth: system account: %w", err)
	}
	for name, kp := range map[string]nkeys.KeyPair{OperatorSeedFile: op, AccountSeedFile: acc, AccountSigningSeedFile: signer, SystemSeedFile: sys} {
		seed, _ := kp.Seed()
		if err := writeSecret(filepath.Join(dir, name), seed); err != nil {
			return err
		}
	}
	if err := writeSecret(filepath.Join(dir, AccountJWTFile), []byte(accJWT)); err != nil {
		return err
	}
	conf := fmt.Sprintf("# Made by matchctl accounts init: the operator, and the accounts preloaded.\n"+
		"# Users need no entry here: nats-server trusts every user JWT the\n"+
		"# TALENT account's signing key signs (matchctl creds).\n"+
		"operator: %s\nsystem_account: %s\nresolver: MEMORY\nresolver_preload: {\n  %s: %s\n  %s: %s\n}\n",
		opJWT, sysPub, accPub, accJWT, sysPub, sysJWT)
	if err := writeSecret(filepath.Join(dir, ResolverFile), []byte(conf)); err != nil {
		return err
	}
	// The system account's user, for nats-server monitoring tools.
	sysCreds, err := userCreds(sys, sysPub, "sys", jwt.Permissions{}, 0)
	if err != nil {
		return err
	}
	if err := writeSecret(filepath.Join(dir, CredsDir, "sys.creds"), sysCreds); err != nil {
		return err
	}
	a, err := Load(dir)
	if err != nil {
		return err
	}
	_, err = a.WriteCreds(Party{Role: RoleMatchd}, 0)
	return err
}

// Account signs the TALENT account's users.
type Account struct {
	dir    string
	pub    string
	signer nkeys.KeyPair
}

// Load reads the account of an accounts directory made by Init.
func Load(dir string) (*Account, error) {
	seed, err := os.ReadFile(filepath.Join(dir, AccountSigningSeedFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("natsauth: %s has no %s: run matchctl accounts init first", dir, AccountSigningSeedFile)
	}
	if err != nil {
		return nil, fmt.Errorf("natsauth: %w", err)
	}
	signer, err := nkeys.FromSeed([]byte(strings.TrimSpace(string(seed))))
	if err != nil {
		return nil, fmt.Errorf("natsauth: %s: not an account seed", AccountSigningSeedFile)
	}
	b, err := os.ReadFile(filepath.Join(dir, AccountJWTFile))
	if err != nil {
		return nil, fmt.Errorf("natsauth: %w", err)
	}
	ac, err := jwt.DecodeAccountClaims(strings.TrimSpace(string(b)))
	if err != nil {
		return nil, fmt.Errorf("natsauth: %s: %w", AccountJWTFile, err)
	}
	signPub, _ := signer.PublicKey()
	if !ac.SigningKeys.Contains(signPub) {
		return nil, fmt.Errorf("natsauth: %s is not a signing key of the account in %s", AccountSigningSeedFile, AccountJWTFile)
	}
	return &Account{dir: dir, pub: ac.Subject, signer: signer}, nil
}

// Creds returns a credentials file (user JWT and seed) for p, valid for
// ttl (0: until revoked).
func (a *Account) Creds(p Party, ttl time.Duration) ([]byte, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return userCreds(a.signer, a.pub, p.Name(), p.Permissions(), ttl)
}

// WriteCreds writes p's credentials to <dir>/creds/<name>.creds (0600) and
// returns the path.
func (a *Account) WriteCreds(p Party, ttl time.Duration) (string, error) {
	b, err := a.Creds(p, ttl)
	if err != nil {
		return "", err
	}
	path := filepath.Join(a.dir, CredsDir, p.Name()+".creds")
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return "", fmt.Errorf("natsauth: %w", err)
	}
	return path, writeSecret(path, b)
}

func userCreds(signer nkeys.KeyPair, account, name string, perm jwt.Permissions, ttl time.Duration) ([]byte, error) {
	user, err := nkeys.CreateUser()
	if err != nil {
		return nil, err
	}
	pub, _ := user.PublicKey()
	uc := jwt.NewUserClaims(pub)
	uc.Name = name
	if signPub, _ := signer.PublicKey(); signPub != account {
		uc.IssuerAccount = account
	}
	uc.Permissions = perm
	if ttl > 0 {
		uc.Expires = time.Now().Add(ttl).Unix()
	}
	tok, err := uc.Encode(signer)
	if err != nil {
		return nil, fmt.Errorf("natsauth: user %s: %w", name, err)
	}
	seed, _ := user.Seed()
	return jwt.FormatUserConfig(tok, seed)
}

func writeSecret(path string, b []byte) error {
	if err := os.WriteFile(path, b, 0o600); err != nil {
		return fmt.Errorf("natsauth: write %s: %w", filepath.Base(path), err)
	}
	return nil
}
