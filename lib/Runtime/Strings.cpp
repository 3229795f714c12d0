//===- Strings.cpp - Small string helpers of the runtime ------------------===//

#include "mpt/Runtime/Strings.h"

std::vector<std::string> mpt::runtime::splitCommas(const std::string &text) {
  std::vector<std::string> items;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string::npos)
      comma = text.size();
    items.push_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  return items;
}
