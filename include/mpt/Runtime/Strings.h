//===- Strings.h - Small string helpers of the runtime ----------*- C++ -*-===//

#ifndef MPT_RUNTIME_STRINGS_H
#define MPT_RUNTIME_STRINGS_H

#include <string>
#include <vector>

namespace mpt {
namespace runtime {

/// Splits `a,b,,c` into {"a", "b", "", "c"}; an empty text gives {""}.
std::vector<std::string> splitCommas(const std::string &text);

} // namespace runtime
} // namespace mpt

#endif // MPT_RUNTIME_STRINGS_H
