package state

import (
	"context"
	"time"

	"github.com/google/uuid"
)

// Lock implements matcher.Locker.
func (r *Redis) Lock(ctx context.Context, name string, ttl time.Duration) (func(), bool, error) {
	key, token := r.k.in(0, "lock", name), uuid.NewString()
	ok, err := r.rdb.SetNX(ctx, key, token, ttl).Result()
	if err != nil {
		return func() {}, false, unavailable("take lock", err)
	}
	if !ok {
		return func() {}, false, nil
	}
	return func() {
		// Release only our own lock (it may have expired and been retaken).
		_ = unlockScript.Run(context.WithoutCancel(ctx), r.rdb, []string{key}, token).Err()
	}, true, nil
}
