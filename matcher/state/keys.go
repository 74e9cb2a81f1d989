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
// keys of a shard share one hash tag, so that a script may touch an
// entity's record, its index entries and the shard's frequency counters
// atomically, also in Redis Cluster. The tags are chosen so that shard n's
// slot lies in the n-th of equal slot ranges: with Redis Cluster's usual
// contiguous slot assignment, shards spread evenly over the masters, and so
// do the index keys of a popular skill.
type keys struct {
	prefix string
	shards int
	tags   []string
}

func newKeys(prefix string, shards int) keys {
	k := keys{prefix: prefix, shards: shards, tags: make([]string, shards)}
	for i := range k.tags {
		k.tags[i] = fmt.Sprintf("%s:{%s}:", prefix, spreadTag(prefix, i, shards))
	}
	return k
}

// slots is the number of Redis Cluster hash slots.
const slots = 16384

// spreadTag returns a hash tag for shard i whose slot falls in the i-th of
// n equal slot ranges.
func spreadTag(prefix string, i, n int) string {
	lo, hi := i*slots/n, (i+1)*slots/n
	for k := 0; k < 1_000_000; k++ {
		tag := fmt.Sprintf("%s.%d.%d", prefix, i, k)
		if s := int(keySlot(tag)); s >= lo && s < hi {
			return tag
		}
	}
	return fmt.Sprintf("%s.%d", prefix, i)
}

// keySlot is Redis Cluster's slot of a hash tag: CRC16 (XMODEM) mod 16384.
func keySlot(tag string) uint16 {
	var crc uint16
	for i := 0; i < len(tag); i++ {
		crc ^= uint16(tag[i]) << 8
		for b := 0; b < 8; b++ {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
	}
	return crc % slots
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
func (k keys) campaigns() string                    { return k.in(0, "campaigns") }
func (k keys) companyJobs(company string) string    { return k.in(k.shard(company), "co", company) }
func (k keys) jobShard(ref string) int              { return k.shard(ref) }

// Fair-share keys: the matches of a campaign held back by caps (in the
// campaign's shard), the held pairs of a candidate (in theirs, so that a
// withdrawal can erase them), and the windows of recent matches per job
// (in the job's shard) and per candidate (in theirs, one for all
// campaigns, so that a withdrawal erases it with one DEL).
func (k keys) held(campaign string) string { return k.in(k.shard(campaign), "hd", campaign) }
func (k keys) heldOf(cand string) string   { return k.in(k.shard(cand), "hc", cand) }
func (k keys) jobWindow(campaign, ref string) string {
	return k.in(k.shard(ref), "qj", campaign, ref)
}
func (k keys) candidateWindow(cand string) string { return k.in(k.shard(cand), "qc", cand) }
func (k keys) candidateShard(id string) int       { return k.shard(id) }

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

// JobSkillKey is the key of shard's set of the open jobs of campaign
// listing skill: for tools, such as the benchmark's ZUNIONSTORE baseline,
// that read the indexes directly.
func (r *Redis) JobSkillKey(shard int, campaign, skill string) string {
	return r.k.skillIndex(shard, "j", campaign, skill)
}

// ShardKey is a key named name in shard's hash tag, beside the shard's
// indexes (in the same slot of a Redis Cluster): for a tool's scratch keys.
func (r *Redis) ShardKey(shard int, name string) string { return r.k.in(shard, name) }
