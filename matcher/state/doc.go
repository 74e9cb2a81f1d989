// Package state keeps talentmatch's shared state in Redis: job and
// candidate records with their versions, the inverted indexes from (campaign,
// skill) to jobs and candidates, document frequencies for rarity weights,
// campaigns, and the match ledger. Any number of matcher replicas may share
// one keyspace; docs/state.md describes the layout.
//
// Writes that must not be seen half-done (an entity with its index entries
// and counters; a ledger claim with the candidate's revision) run as Lua
// scripts on keys of one hash slot.
package state
