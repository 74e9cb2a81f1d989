package state

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash/fnv"
	"strings"
)

// keys builds the key names of one deployment. docs/state.md describes the
// layout. Every entity lives in one shard, chosen by a hash of its id; all
// keys of a shard share the hash tag "{<prefix>.<n>}", so that a script may
// touch an entity's record, its index entries and the shard's frequency
// counters atomically, also in Redis Cluster.
type keys struct {
	prefix string
	shards int
	tags   []string
}

func newKeys(prefix string, shards int) keys {
	k := keys{prefix: prefix, shards: shards, tags: make([]string, shards)}
	for i := range k.tags {
		k.tags[i] = fmt.Sprintf("%s:{%s.%d}:", prefix, prefix, i)
	}
	return k
}

// shard returns the shard of an entity id.
func (k keys) shard(id string) int {
	h := fnv.New32a()
	h.Write([]byte(id))
	return int(h.Sum32() % uint32(k.shards))
}

func (k keys) in(shard int, parts ...string) string {
	return k.tags[shard] + strings.Join(parts, ":")
}

// Entity records.
func (k keys) job(ref string) string                { return k.in(k.shard(ref), "j", ref) }
func (k keys) candidate(id string) string           { return k.in(k.shard(id), "c", id) }
func (k keys) campaign(id string) string            { return k.in(k.shard(id), "cp", id) }
func (k keys) tombstone(id string) string           { return k.in(k.shard(id), "w", pseudonym(id)) }
func (k keys) ledger(cand string) string            { return k.in(k.shard(cand), "m", cand) }
func (k keys) jobPairs(ref string) string           { return k.in(k.shard(ref), "mj", ref) }
func (k keys) df(shard int) string                  { return k.in(shard, "df") }
func (k keys) counts(shard int) string              { return k.in(shard, "n") }
func (k keys) meta() string                         { return k.prefix + ":meta" }
func (k keys) expiry(shard int, kind string) string { return k.in(shard, "x"+kind) }
func (k keys) log(shard int) string                 { return k.in(shard, "log") }
func (k keys) jobShard(ref string) int              { return k.shard(ref) }
func (k keys) candidateShard(id string) int         { return k.shard(id) }

// Index keys: kind is "j" (jobs) or "c" (candidates).
func (k keys) skillIndex(shard int, kind, campaign, tok string) string {
	return k.in(shard, "i"+kind, campaign, tok)
}
func (k keys) industryIndex(shard int, kind, campaign, tok string) string {
	return k.in(shard, "n"+kind, campaign, tok)
}
func (k keys) campaignMembers(shard int, kind, campaign string) string {
	return k.in(shard, "c"+kind, campaign)
}

// pseudonym names a withdrawn candidate's tombstone without their id.
func pseudonym(id string) string {
	s := sha256.Sum256([]byte("talentmatch-tombstone:" + id))
	return hex.EncodeToString(s[:16])
}
