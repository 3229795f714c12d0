// A tensor-core GEMM with a long k loop (128 k-tiles), as in the layers of
// bench/gpu/mlp4096.mlir.
func.func @long_k(%x: tensor<512x4096xf16>, %w: tensor<4096x512xf16>) -> tensor<512x512xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<512x512xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<512x512xf32>) -> tensor<512x512xf32>
  %c = linalg.matmul ins(%x, %w : tensor<512x4096xf16>, tensor<4096x512xf16>) outs(%f : tensor<512x512xf32>) -> tensor<512x512xf32>
  return %c : tensor<512x512xf32>
}
