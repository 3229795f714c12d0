//===- MPTCollectiveEnums.td - Enums of the collective ops -*- tablegen -*-===//
//
// Kept apart from MPTCollectiveOps.td so that the enum declarations can be
// generated from a file that holds nothing else.
//
//===----------------------------------------------------------------------===//

#ifndef MPT_COLLECTIVE_ENUMS_TD
#define MPT_COLLECTIVE_ENUMS_TD

include "mlir/IR/EnumAttr.td"

def MPT_ReductionKind : I32EnumAttr<"ReductionKind",
    "how mpt.all_reduce combines the values of the ranks", [
    I32EnumAttrCase<"Sum", 0, "sum">,
    I32EnumAttrCase<"Mean", 1, "mean">,
    I32EnumAttrCase<"Max", 2, "max">,
    I32EnumAttrCase<"Min", 3, "min">]> {
  let cppNamespace = "::mlir::mpt";
}

#endif // MPT_COLLECTIVE_ENUMS_TD
