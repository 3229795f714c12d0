//===- MPTMaskEnums.td - Enums of the mask ops -------------*- tablegen -*-===//
//
// Kept apart from MPTMaskOps.td so that the enum declarations can be
// generated from a file that holds nothing else.
//
//===----------------------------------------------------------------------===//

#ifndef MPT_MASK_ENUMS_TD
#define MPT_MASK_ENUMS_TD

include "mlir/IR/EnumAttr.td"

def MPT_ComparePredicate : I32EnumAttr<"ComparePredicate",
    "the comparison mpt.compare makes", [
    I32EnumAttrCase<"GT", 0, "gt">,
    I32EnumAttrCase<"GE", 1, "ge">,
    I32EnumAttrCase<"LT", 2, "lt">,
    I32EnumAttrCase<"LE", 3, "le">,
    I32EnumAttrCase<"EQ", 4, "eq">,
    I32EnumAttrCase<"NE", 5, "ne">]> {
  let cppNamespace = "::mlir::mpt";
}

def MPT_IndexArithKind : I32EnumAttr<"IndexArithKind",
    "the integer arithmetic mpt.index_arith does", [
    I32EnumAttrCase<"Add", 0, "add">,
    I32EnumAttrCase<"Sub", 1, "sub">,
    I32EnumAttrCase<"Mul", 2, "mul">,
    I32EnumAttrCase<"Div", 3, "div">,
    I32EnumAttrCase<"Mod", 4, "mod">,
    I32EnumAttrCase<"Max", 5, "max">,
    I32EnumAttrCase<"Min", 6, "min">]> {
  let cppNamespace = "::mlir::mpt";
}

#endif // MPT_MASK_ENUMS_TD
