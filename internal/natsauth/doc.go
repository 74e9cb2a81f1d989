// Package natsauth issues NATS credentials in operator/JWT mode, so that a
// park with 1,600 companies never edits a server configuration by hand:
// Init makes an operator, the TALENT account (with JetStream) and the
// system account, and writes the server's resolver configuration; an
// Account then signs a user JWT for each party (a company, a candidate
// app, an organizer, an expert, matchd) with exactly the permissions of
// deploy/nats/nats-server.conf plus read access through JetStream to the
// party's own match subjects: a durable consumer named after the party,
// whose filter the server checks against the permission, so that a party
// offline for an hour catches up and nobody reads another's matches.
//
// Keys are NKeys (github.com/nats-io/nkeys) and the JWTs are made with
// github.com/nats-io/jwt/v2. matchctl accounts and matchctl creds wrap it.
package natsauth
