//===- Adjoints.cpp - What every adjoint of an mpt op builds with ---------===//

#include "Adjoints.h"
#include "mpt/Dialect/MPT/IR/MPTOps.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/Sequence.h"

using namespace mlir;
using namespace mlir::mpt;

namespace mlir::mpt::adjoint {

Value mul(Adjoint &adj, Value lhs, Value rhs) {
  return MulOp::create(adj.b, adj.loc, lhs, rhs);
}

Value div(Adjoint &adj, Value lhs, Value rhs) {
  return DivOp::create(adj.b, adj.loc, lhs.getType(), lhs, rhs);
}

Value sub(Adjoint &adj, Value lhs, Value rhs) {
  return SubOp::create(adj.b, adj.loc, lhs, rhs);
}

Value scalar(Adjoint &adj, Value like, double value) {
  return adj.b.getScalarTensor(adj.loc, elementTypeOf(like), value);
}

Value negate(Adjoint &adj, Value value) {
  return mul(adj, value, scalar(adj, value, -1.0));
}

Value oneMinus(Adjoint &adj, Value value) {
  Value ones = adj.b.getSplat(adj.loc, value.getType(), 1.0);
  return SubOp::create(adj.b, adj.loc, ones, value);
}

Value reshape(Adjoint &adj, Value value, Type type) {
  if (value.getType() == type)
    return value;
  return ReshapeOp::create(adj.b, adj.loc, type, value);
}

Value sumToShape(Adjoint &adj, Value value, Type target) {
  RankedTensorType from = tensorTypeOf(value);
  auto to = cast<RankedTensorType>(target);
  if (from.getShape() == to.getShape())
    return value;
  auto dims =
      llvm::to_vector(llvm::seq<int64_t>(0, from.getRank() - to.getRank()));
  return ReduceSumOp::create(adj.b, adj.loc, to, value,
                             adj.b.getDenseI64ArrayAttr(dims),
                             /*keep_dims=*/false);
}

Value asMatrix(Adjoint &adj, Value value) {
  RankedTensorType type = tensorTypeOf(value);
  int64_t rows = adj.product(type.getShape().drop_back());
  return reshape(adj, value, type.clone({rows, type.getShape().back()}));
}

Value matmul(Adjoint &adj, Value lhs, Value rhs, bool transposeLhs,
             bool transposeRhs) {
  RankedTensorType l = tensorTypeOf(lhs), r = tensorTypeOf(rhs);
  SmallVector<int64_t> shape(l.getShape().drop_back(2));
  shape.push_back(l.getDimSize(l.getRank() - (transposeLhs ? 1 : 2)));
  shape.push_back(r.getDimSize(r.getRank() - (transposeRhs ? 2 : 1)));
  return MatmulOp::create(adj.b, adj.loc, l.clone(shape), lhs, rhs,
                          transposeLhs, transposeRhs);
}

Value transposeMatrices(Adjoint &adj, Value value) {
  RankedTensorType type = tensorTypeOf(value);
  auto perm = llvm::to_vector(llvm::seq<int64_t>(0, type.getRank()));
  std::swap(perm[type.getRank() - 2], perm[type.getRank() - 1]);
  SmallVector<int64_t> shape;
  for (int64_t dim : perm)
    shape.push_back(type.getDimSize(dim));
  return TransposeOp::create(adj.b, adj.loc, type.clone(shape), value,
                             adj.b.getDenseI64ArrayAttr(perm));
}

RankedTensorType dropDims(RankedTensorType type, ArrayRef<int64_t> dims) {
  SmallVector<int64_t> shape;
  for (auto [dim, size] : llvm::enumerate(type.getShape()))
    if (!llvm::is_contained(dims, static_cast<int64_t>(dim)))
      shape.push_back(size);
  return type.clone(shape);
}

} // namespace mlir::mpt::adjoint
