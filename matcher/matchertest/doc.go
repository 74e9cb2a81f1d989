// Package matchertest runs the matching engine without Redis or NATS: Store
// keeps every role of matcher.Store and matcher.Index in memory with the
// semantics of matcher/state's Redis implementation, Publisher records the
// match events the engine publishes (once per event id, as JetStream
// does), and Clock is a clock tests move by hand. Env puts an engine on
// them that a test drives step by step.
//
// Three tables describe the behaviour both stores must show, and each is
// run by matcher's tests on Store and by matcher/state's on Redis, so that
// the in-memory reference and the real store cannot drift apart:
//
//   - Scenarios (run by Run): the engine's behaviour, as steps — events,
//     sweeps, the clock moving, an event interleaved in another's claim, a
//     publish lost — each with the match events it must publish, and after
//     every step a check of the whole ledger against the events;
//   - StoreCases (run by RunStore): the role interfaces' own semantics,
//     including those that surprise;
//   - RunConcurrent: many entities' events at once, ending in the state any
//     order of them gives.
//
// A scenario may record a known engine bug (Scenario.Bug): it must then
// fail with its symptom, and fails the test once the bug is fixed.
//
// Store is the reference for tests, not a production store: it keeps
// everything in one process and expires nothing on its own but locks.
package matchertest
