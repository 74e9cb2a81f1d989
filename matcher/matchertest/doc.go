// Package matchertest runs the matching engine without Redis or NATS: Store
// keeps every role of matcher.Store and matcher.Index in memory with the
// semantics of matcher/state's Redis implementation, Publisher records the
// match events the engine publishes, and Clock is a clock tests move by
// hand. Together they make an engine that a test drives step by step.
//
// Scenarios and Run hold the engine's behavioural table: matcher's own tests
// run it against Store, and matcher/state's run the same table against
// Redis, so that the two stores cannot drift apart.
//
// Store is the reference for engine tests, not a production store: it keeps
// everything in one process and never expires anything on its own.
package matchertest
