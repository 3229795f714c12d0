//===- MaskOps.cpp - Comparisons and selection ----------------------------===//
//
// The enum of the ops declared in MPTMaskOps.td; their classes are
// generated with the other mpt ops (MPTOps.cpp includes the definitions),
// and their traits verify them.
//
//===----------------------------------------------------------------------===//

#include "mpt/Dialect/MPT/IR/MPTOps.h"

#include "mpt/Dialect/MPT/IR/MPTMaskEnums.cpp.inc"
