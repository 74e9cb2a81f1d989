package daemon

// RedisACLRules are the rights matchd's Redis ACL user needs, on its keys
// under the default prefix "talentmatch" (adjust ~talentmatch:* to another
// TALENTMATCH_PREFIX): reads, writes, scripts, streams, transactions,
// WAIT and INFO, and nothing dangerous (no KEYS, CONFIG, FLUSHALL, DEBUG,
// SHUTDOWN, ACL, MODULE). deploy/redis/users.acl.example grants them; the
// transport test runs matchd as such a user over TLS.
const RedisACLRules = "~talentmatch:* resetchannels -@all +@read +@write +@keyspace +@string +@hash +@set +@sortedset +@list +@stream " +
	"+@scripting +@transaction +@connection +wait -@dangerous +info"
