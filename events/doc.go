// Package events is talentmatch's side of NATS JetStream: the subjects and
// streams of the contract, the CloudEvents envelope, decoding and validation
// of inbound messages, the durable consumer that feeds them to the matcher,
// the publisher of match events, and the dead-letter stream.
package events
