//===- CompileCache.h - Compiled steps kept between runs --------*- C++ -*-===//
//
// A persistent cache of compiled steps, as ccache keeps object files: the
// object code of a step is stored under a key that hashes everything that
// decides it (the step's IR, the compiler options, the compiler itself and
// the CPU it targets), so that the next run of the same model loads it
// instead of compiling it.
//
// An entry is one file, `<key>.mptobj`, written to a temporary file and
// renamed into place, so that a reader never sees a partial entry and
// concurrent writers of one key leave one whole entry. Its payload carries a
// BLAKE3 checksum: a damaged entry is discarded with a warning and rebuilt,
// never loaded. The directory is kept under a size limit by removing the
// least recently used entries (a hit refreshes an entry's time).
//
//===----------------------------------------------------------------------===//

#ifndef MPT_TOOLS_MPT_RUN_COMPILECACHE_H
#define MPT_TOOLS_MPT_RUN_COMPILECACHE_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/BLAKE3.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mlir {
namespace mpt {

/// Where the cache is and how large it may grow.
struct CompileCacheConfig {
  /// Default size limit: 1 GiB.
  static constexpr uint64_t kDefaultMaxBytes = uint64_t(1) << 30;

  std::string directory;
  uint64_t maxBytes = kDefaultMaxBytes;
};

/// The configuration from the environment: `MPT_CACHE_DIR` (default
/// `$XDG_CACHE_HOME/mpt`, else `~/.cache/mpt`) and `MPT_CACHE_MAX_SIZE`
/// (bytes, with an optional K, M or G suffix, powers of 1024). An invalid
/// size is an error.
llvm::Expected<CompileCacheConfig> compileCacheConfigFromEnvironment();

/// What an entry holds: the object files of a step and the bytes of static
/// memory its code keeps.
struct CachedStep {
  std::vector<std::string> objects;
  uint64_t staticBytes = 0;
};

/// A cache key: the hash of named fields, in the order they are added.
class CacheKey {
public:
  CacheKey() = default;
  void add(llvm::StringRef name, llvm::StringRef value);
  /// The key as 64 hexadecimal digits.
  std::string hex();

private:
  llvm::BLAKE3 hasher;
};

class CompileCache {
public:
  /// `log`: report hits, misses and stores on stderr.
  CompileCache(CompileCacheConfig config, bool log)
      : config(std::move(config)), log(log) {}

  /// The entry of `key`; nothing when there is none, or when it is damaged
  /// (then removed, with a warning).
  std::optional<CachedStep> lookup(llvm::StringRef key);
  /// Stores `step` as the entry of `key`, then removes the least recently
  /// used entries beyond the size limit. A failure to write is a warning:
  /// the run goes on without the cache.
  void store(llvm::StringRef key, const CachedStep &step);

  /// The file of the entry of `key`.
  std::string entryPath(llvm::StringRef key) const;

private:
  void evict(llvm::StringRef keep);

  CompileCacheConfig config;
  bool log;
};

} // namespace mpt
} // namespace mlir

#endif // MPT_TOOLS_MPT_RUN_COMPILECACHE_H
