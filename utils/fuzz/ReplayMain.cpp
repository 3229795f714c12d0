//===- ReplayMain.cpp - Runs a fuzz target once on each file --------------===//
//
// The main of the fuzz targets in builds without libFuzzer: each argument
// is a file given to LLVMFuzzerTestOneInput once, as libFuzzer does with
// files on its command line. The lit suite replays inputs through it, so
// the targets build and run in every build, sanitizers or not.
//
//===----------------------------------------------------------------------===//

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s FILE...\n", argv[0]);
    return 1;
  }
  for (int i = 1; i < argc; ++i) {
    std::ifstream file(argv[i], std::ios::binary);
    if (!file) {
      std::fprintf(stderr, "%s: error: cannot read '%s': %s\n", argv[0],
                   argv[i], std::strerror(errno));
      return 1;
    }
    std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(file)),
                               std::istreambuf_iterator<char>());
    LLVMFuzzerTestOneInput(bytes.data(), bytes.size());
  }
  std::printf("replayed %d inputs\n", argc - 1);
  return 0;
}
