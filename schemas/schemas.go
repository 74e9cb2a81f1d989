// Package schemas holds the JSON Schemas of every talentmatch message (the
// CloudEvents envelope and one schema per event type), embedded into the
// binary, and validates messages against them. The files are the contract
// clients in other languages code against; examples/ has a valid and an
// invalid example of each.
package schemas

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"sort"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

//go:embed *.schema.json asyncapi.yaml openapi.yaml
var files embed.FS

// AsyncAPI and OpenAPI are the file names of the contract in AsyncAPI 3.0
// (channels, operations and messages; its payloads reference the schema
// files) and of the HTTP query API in OpenAPI 3.1.
const (
	AsyncAPI = "asyncapi.yaml"
	OpenAPI  = "openapi.yaml"
)

// Base is the URL under which the schemas are published; their $id is
// Base + file name.
const Base = "https://schemas.talentmatch.dev/v1/"

// Envelope is the file name of the CloudEvents envelope schema.
const Envelope = "cloudevent.schema.json"

// FS returns the schema files, asyncapi.yaml and openapi.yaml.
func FS() fs.FS { return files }

// Validator validates documents against the embedded schemas. It is safe
// for concurrent use.
type Validator struct {
	envelope *jsonschema.Schema
	types    map[string]*jsonschema.Schema
}

// New compiles the embedded schemas.
func New() (*Validator, error) {
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	names, err := fs.Glob(files, "*.schema.json")
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		b, err := files.ReadFile(n)
		if err != nil {
			return nil, err
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			return nil, fmt.Errorf("schema %s: %w", n, err)
		}
		if err := c.AddResource(Base+n, doc); err != nil {
			return nil, fmt.Errorf("schema %s: %w", n, err)
		}
	}
	v := &Validator{types: map[string]*jsonschema.Schema{}}
	for _, n := range names {
		s, err := c.Compile(Base + n)
		if err != nil {
			return nil, fmt.Errorf("compile schema %s: %w", n, err)
		}
		if n == Envelope {
			v.envelope = s
			continue
		}
		v.types[strings.TrimSuffix(n, ".schema.json")] = s
	}
	return v, nil
}

// Types returns the event types that have a schema, sorted.
func (v *Validator) Types() []string {
	out := make([]string, 0, len(v.types))
	for t := range v.types {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// Known reports whether typ has a schema.
func (v *Validator) Known(typ string) bool { _, ok := v.types[typ]; return ok }

// ErrUnknownType is returned for an event type without a schema.
var ErrUnknownType = errors.New("unknown event type")

// ValidateEnvelope checks a decoded document (see Decode) against the
// CloudEvents envelope schema.
func (v *Validator) ValidateEnvelope(doc any) error {
	return explain(v.envelope.Validate(doc))
}

// Validate checks a decoded document against the schema of event type typ.
func (v *Validator) Validate(typ string, doc any) error {
	s, ok := v.types[typ]
	if !ok {
		return fmt.Errorf("%w %q", ErrUnknownType, typ)
	}
	return explain(s.Validate(doc))
}

// Decode parses JSON the way the validator expects it (numbers kept exact).
func Decode(b []byte) (any, error) {
	return jsonschema.UnmarshalJSON(bytes.NewReader(b))
}

var printer = message.NewPrinter(language.English)

// explain turns a validation error into one readable sentence per failed
// leaf, e.g. "at /data/required_skills: minItems: got 0, want 1".
func explain(err error) error {
	if err == nil {
		return nil
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return err
	}
	var leaves []string
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) == 0 {
			loc := "/" + strings.Join(e.InstanceLocation, "/")
			leaves = append(leaves, fmt.Sprintf("at %s: %s", loc, e.ErrorKind.LocalizedString(printer)))
			return
		}
		for _, c := range e.Causes {
			walk(c)
		}
	}
	walk(ve)
	sort.Strings(leaves)
	leaves = slices.Compact(leaves)
	if len(leaves) > 5 {
		leaves = append(leaves[:5], fmt.Sprintf("and %d more", len(leaves)-5))
	}
	return &Error{Problems: leaves}
}

// Error is a schema violation with one sentence per problem.
type Error struct {
	Problems []string
}

func (e *Error) Error() string { return strings.Join(e.Problems, "; ") }
