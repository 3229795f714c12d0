//===- CompileCache.cpp - Compiled steps kept between runs ----------------===//
//
// Entry format (integers little-endian):
//
//   offset  size  field
//        0     8  magic "MPT-STEP"
//        8     4  format version
//       12    64  key, hexadecimal
//       76     8  payload bytes
//       84    32  BLAKE3 of the payload
//      116        payload: static memory bytes (8), object count (4), then
//                 per object its size (8) and its bytes
//
//===----------------------------------------------------------------------===//

#include "CompileCache.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Chrono.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>

using namespace mlir;
using namespace mlir::mpt;
namespace endian = llvm::support::endian;

namespace {

constexpr llvm::StringLiteral kMagic("MPT-STEP");
constexpr uint32_t kFormatVersion = 1;
constexpr size_t kKeyDigits = 64;
constexpr size_t kChecksumBytes = 32;
constexpr size_t kHeaderBytes = 8 + 4 + kKeyDigits + 8 + kChecksumBytes;
constexpr llvm::StringLiteral kEntrySuffix(".mptobj");
constexpr llvm::StringLiteral kTemporaryMarker(".tmp-");
/// A temporary file this old was left by a writer that died.
constexpr std::chrono::hours kStaleTemporaryAge(1);

void warn(const llvm::Twine &message) {
  llvm::errs() << "mpt-run: warning: compile cache: " << message << "\n";
}

template <typename T> void append(std::string &out, T value) {
  char bytes[sizeof(T)];
  endian::write<T, llvm::endianness::little>(bytes, value);
  out.append(bytes, sizeof(T));
}

std::string checksumOf(llvm::StringRef payload) {
  llvm::BLAKE3Result<kChecksumBytes> digest =
      llvm::BLAKE3::hash<kChecksumBytes>(llvm::arrayRefFromStringRef(payload));
  return std::string(digest.begin(), digest.end());
}

std::string encodeEntry(llvm::StringRef key, const CachedStep &step) {
  std::string payload;
  append<uint64_t>(payload, step.staticBytes);
  append<uint32_t>(payload, step.objects.size());
  for (const std::string &object : step.objects) {
    append<uint64_t>(payload, object.size());
    payload += object;
  }
  std::string entry(kMagic);
  append<uint32_t>(entry, kFormatVersion);
  entry += key;
  append<uint64_t>(entry, payload.size());
  entry += checksumOf(payload);
  return entry + payload;
}

/// Reads fields from a byte range, failing instead of reading past it.
class Reader {
public:
  explicit Reader(llvm::StringRef bytes) : bytes(bytes) {}
  template <typename T> std::optional<T> read() {
    if (bytes.size() < sizeof(T))
      return std::nullopt;
    T value = endian::read<T, llvm::endianness::little>(bytes.data());
    bytes = bytes.drop_front(sizeof(T));
    return value;
  }
  std::optional<llvm::StringRef> take(uint64_t size) {
    if (bytes.size() < size)
      return std::nullopt;
    llvm::StringRef taken = bytes.take_front(size);
    bytes = bytes.drop_front(size);
    return taken;
  }
  bool atEnd() const { return bytes.empty(); }

private:
  llvm::StringRef bytes;
};

/// The step in `entry`, or why the entry cannot be trusted.
llvm::Expected<CachedStep> decodeEntry(llvm::StringRef entry,
                                       llvm::StringRef key) {
  auto damaged = [](const llvm::Twine &why) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(), why);
  };
  Reader header(entry);
  if (header.take(kMagic.size()) != std::optional(llvm::StringRef(kMagic)))
    return damaged("not a compile cache entry");
  if (header.read<uint32_t>() != kFormatVersion)
    return damaged("an entry of another format version");
  if (header.take(kKeyDigits) != std::optional(key))
    return damaged("the entry of another key");
  std::optional<uint64_t> payloadBytes = header.read<uint64_t>();
  std::optional<llvm::StringRef> checksum = header.take(kChecksumBytes);
  if (!payloadBytes || !checksum ||
      entry.size() != kHeaderBytes + *payloadBytes)
    return damaged("truncated: " + llvm::Twine(entry.size()) +
                   " bytes, the header announces " +
                   llvm::Twine(kHeaderBytes + payloadBytes.value_or(0)));
  llvm::StringRef payload = entry.drop_front(kHeaderBytes);
  if (checksumOf(payload) != *checksum)
    return damaged("checksum mismatch");
  Reader fields(payload);
  CachedStep step;
  std::optional<uint64_t> staticBytes = fields.read<uint64_t>();
  std::optional<uint32_t> count = fields.read<uint32_t>();
  if (!staticBytes || !count)
    return damaged("malformed payload");
  step.staticBytes = *staticBytes;
  for (uint32_t index = 0; index < *count; ++index) {
    std::optional<uint64_t> size = fields.read<uint64_t>();
    std::optional<llvm::StringRef> object =
        size ? fields.take(*size) : std::nullopt;
    if (!object)
      return damaged("malformed payload");
    step.objects.push_back(object->str());
  }
  if (!fields.atEnd() || step.objects.empty())
    return damaged("malformed payload");
  return step;
}

std::optional<uint64_t> parseSize(llvm::StringRef text) {
  uint64_t scale = 1;
  llvm::StringRef digits = text;
  if (!digits.empty()) {
    switch (llvm::toLower(digits.back())) {
    case 'k':
      scale = uint64_t(1) << 10;
      break;
    case 'm':
      scale = uint64_t(1) << 20;
      break;
    case 'g':
      scale = uint64_t(1) << 30;
      break;
    }
    if (scale != 1)
      digits = digits.drop_back();
  }
  uint64_t value;
  if (digits.empty() || digits.getAsInteger(10, value) ||
      value > UINT64_MAX / scale)
    return std::nullopt;
  return value * scale;
}

} // namespace

llvm::Expected<CompileCacheConfig>
mlir::mpt::compileCacheConfigFromEnvironment() {
  CompileCacheConfig config;
  if (std::optional<std::string> dir =
          llvm::sys::Process::GetEnv("MPT_CACHE_DIR");
      dir && !dir->empty()) {
    config.directory = *dir;
  } else {
    llvm::SmallString<256> base;
    if (std::optional<std::string> xdg =
            llvm::sys::Process::GetEnv("XDG_CACHE_HOME");
        xdg && !xdg->empty()) {
      base = *xdg;
    } else if (llvm::sys::path::home_directory(base)) {
      llvm::sys::path::append(base, ".cache");
    } else {
      return llvm::createStringError(
          llvm::inconvertibleErrorCode(),
          "no home directory for the compile cache; set MPT_CACHE_DIR");
    }
    llvm::sys::path::append(base, "mpt");
    config.directory = base.str().str();
  }
  if (std::optional<std::string> size =
          llvm::sys::Process::GetEnv("MPT_CACHE_MAX_SIZE")) {
    std::optional<uint64_t> bytes = parseSize(*size);
    if (!bytes)
      return llvm::createStringError(
          llvm::inconvertibleErrorCode(),
          "MPT_CACHE_MAX_SIZE expects a number of bytes with an optional K, M "
          "or G suffix, got '" +
              *size + "'");
    config.maxBytes = *bytes;
  }
  return config;
}

void CacheKey::add(llvm::StringRef name, llvm::StringRef value) {
  // Lengths first, so that no two different field lists hash the same bytes.
  std::string lengths;
  append<uint64_t>(lengths, name.size());
  append<uint64_t>(lengths, value.size());
  hasher.update(lengths);
  hasher.update(name);
  hasher.update(value);
}

std::string CacheKey::hex() {
  llvm::BLAKE3Result<32> digest = hasher.final();
  return llvm::toHex(digest, /*LowerCase=*/true);
}

std::string CompileCache::entryPath(llvm::StringRef key) const {
  llvm::SmallString<256> path(config.directory);
  llvm::sys::path::append(path, key + kEntrySuffix);
  return path.str().str();
}

std::optional<CachedStep> CompileCache::lookup(llvm::StringRef key) {
  std::string path = entryPath(key);
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> file =
      llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                  /*RequiresNullTerminator=*/false);
  if (!file) {
    if (log)
      llvm::errs() << "mpt-run: compile cache: miss " << path << "\n";
    return std::nullopt;
  }
  llvm::Expected<CachedStep> step = decodeEntry((*file)->getBuffer(), key);
  if (!step) {
    warn("the entry '" + path + "' is damaged (" +
         llvm::toString(step.takeError()) +
         "); it is removed and the step compiled again");
    llvm::sys::fs::remove(path);
    return std::nullopt;
  }
  // Least recently used is least recently hit.
  int fd;
  if (!llvm::sys::fs::openFileForRead(path, fd)) {
    (void)llvm::sys::fs::setLastAccessAndModificationTime(
        fd, std::chrono::system_clock::now());
    llvm::sys::Process::SafelyCloseFileDescriptor(fd);
  }
  if (log)
    llvm::errs() << "mpt-run: compile cache: hit " << path << "\n";
  return std::move(*step);
}

void CompileCache::store(llvm::StringRef key, const CachedStep &step) {
  if (std::error_code ec = llvm::sys::fs::create_directories(config.directory))
    return warn("cannot create '" + config.directory + "': " + ec.message());
  std::string path = entryPath(key);
  llvm::Expected<llvm::sys::fs::TempFile> temporary =
      llvm::sys::fs::TempFile::create(path + kTemporaryMarker + "%%%%%%%%");
  if (!temporary)
    return warn("cannot write in '" + config.directory +
                "': " + llvm::toString(temporary.takeError()));
  std::string entry = encodeEntry(key, step);
  {
    llvm::raw_fd_ostream os(temporary->FD, /*shouldClose=*/false);
    os << entry;
    os.flush();
    if (os.has_error()) {
      std::string message = os.error().message();
      os.clear_error();
      llvm::consumeError(temporary->discard());
      return warn("cannot write '" + path + "': " + message);
    }
  }
  // A rename replaces an entry of the same key written meanwhile by another
  // run as a whole: readers see one or the other, never a mix.
  if (llvm::Error error = temporary->keep(path))
    return warn("cannot store '" + path +
                "': " + llvm::toString(std::move(error)));
  if (log)
    llvm::errs() << "mpt-run: compile cache: stored " << path << " ("
                 << entry.size() << " bytes)\n";
  evict(path);
}

void CompileCache::evict(llvm::StringRef keep) {
  struct Entry {
    std::string path;
    uint64_t bytes;
    llvm::sys::TimePoint<> used;
  };
  std::vector<Entry> entries;
  uint64_t total = 0;
  auto now = std::chrono::system_clock::now();
  std::error_code ec;
  for (llvm::sys::fs::directory_iterator it(config.directory, ec), end;
       !ec && it != end; it.increment(ec)) {
    llvm::ErrorOr<llvm::sys::fs::basic_file_status> status = it->status();
    if (!status || status->type() != llvm::sys::fs::file_type::regular_file)
      continue;
    llvm::StringRef name = llvm::sys::path::filename(it->path());
    if (name.contains(kTemporaryMarker)) {
      if (now - status->getLastModificationTime() > kStaleTemporaryAge)
        llvm::sys::fs::remove(it->path());
      continue;
    }
    if (!name.ends_with(kEntrySuffix))
      continue;
    entries.push_back(
        {it->path(), status->getSize(), status->getLastModificationTime()});
    total += status->getSize();
  }
  if (total <= config.maxBytes)
    return;
  llvm::sort(entries, [](const Entry &a, const Entry &b) {
    return a.used < b.used || (a.used == b.used && a.path < b.path);
  });
  for (const Entry &entry : entries) {
    if (total <= config.maxBytes)
      break;
    if (entry.path == keep)
      continue;
    // Another run may have removed it already.
    llvm::sys::fs::remove(entry.path);
    total -= entry.bytes;
    if (log)
      llvm::errs() << "mpt-run: compile cache: evicted " << entry.path << "\n";
  }
}
