// Package matcher is talentmatch's domain: it turns job postings and
// candidate profiles into normalised features, scores the fit of a job and a
// candidate (skill and industry overlap, with an explanation), decides which
// pairs are matched, and drives the match ledger so that each match is
// announced once and retracted when it ends.
//
// The core (normalisation, scoring, eligibility) does no I/O. [Engine]
// orchestrates one inbound event against the small interfaces it declares —
// [Store] for state, [Ranker] for retrieval and [Publisher] for outbound
// match events — which the Redis (matcher/state) and NATS (events) packages
// implement.
package matcher
