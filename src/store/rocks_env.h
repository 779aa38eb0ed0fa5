#pragma once
// Internal to the store: RocksDB's files reach the disk through the store's Env
// (common/env.h), so that a test Env's faults (full disk, failed fsync, torn write) hit the
// event log too. Only store .cc files include this.

#include <rocksdb/env.h>

#include <memory>

#include "common/env.h"

namespace readside::store {

// A RocksDB Env whose writable files pass through env->Intercept(). nullptr when `env` does
// not intercept (the real filesystem): RocksDB then uses its own Env, with no indirection.
std::unique_ptr<rocksdb::Env> NewRocksEnv(Env* env);

}  // namespace readside::store
