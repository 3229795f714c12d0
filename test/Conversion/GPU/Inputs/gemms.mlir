// The GEMMs of a training step in each operand layout, in sizes whose rows
// hold whole 16-byte vectors, in one function: one module of kernels
// (gemms_gemm_0, gemms_gemm_mma_1, ...).

#lhsT = affine_map<(d0, d1, d2) -> (d2, d0)>
#rhsT = affine_map<(d0, d1, d2) -> (d1, d2)>
#lhs = affine_map<(d0, d1, d2) -> (d0, d2)>
#rhs = affine_map<(d0, d1, d2) -> (d2, d1)>
#out = affine_map<(d0, d1, d2) -> (d0, d1)>

func.func @gemms(%a: tensor<256x128xf32>, %b: tensor<128x256xf32>,
                 %x: tensor<256x128xf16>, %w: tensor<128x256xf16>,
                 %xb: tensor<256x128xbf16>, %gb: tensor<256x256xbf16>,
                 %g: tensor<256x256xf16>, %wt: tensor<128x256xf16>)
    -> (tensor<256x256xf32>, tensor<256x256xf32>, tensor<128x256xbf16>,
        tensor<256x128xf16>) {
  // f32: the ordinary cores.
  %z32 = arith.constant 0.0 : f32
  %e0 = tensor.empty() : tensor<256x256xf32>
  %f0 = linalg.fill ins(%z32 : f32) outs(%e0 : tensor<256x256xf32>) -> tensor<256x256xf32>
  %simt = linalg.matmul ins(%a, %b : tensor<256x128xf32>, tensor<128x256xf32>) outs(%f0 : tensor<256x256xf32>) -> tensor<256x256xf32>
  // x W: A along k, B along n, an f32 result.
  %e1 = tensor.empty() : tensor<256x256xf32>
  %f1 = linalg.fill ins(%z32 : f32) outs(%e1 : tensor<256x256xf32>) -> tensor<256x256xf32>
  %forward = linalg.matmul ins(%x, %w : tensor<256x128xf16>, tensor<128x256xf16>) outs(%f1 : tensor<256x256xf32>) -> tensor<256x256xf32>
  // x^T g: both operands along m and n, a bf16 result.
  %zb = arith.constant 0.0 : bf16
  %e2 = tensor.empty() : tensor<128x256xbf16>
  %f2 = linalg.fill ins(%zb : bf16) outs(%e2 : tensor<128x256xbf16>) -> tensor<128x256xbf16>
  %dw = linalg.matmul indexing_maps = [#lhsT, #rhs, #out]
      ins(%xb, %gb : tensor<256x128xbf16>, tensor<256x256xbf16>) outs(%f2 : tensor<128x256xbf16>) -> tensor<128x256xbf16>
  // g W^T: both operands along k, an f16 result.
  %zh = arith.constant 0.0 : f16
  %e3 = tensor.empty() : tensor<256x128xf16>
  %f3 = linalg.fill ins(%zh : f16) outs(%e3 : tensor<256x128xf16>) -> tensor<256x128xf16>
  %dx = linalg.matmul indexing_maps = [#lhs, #rhsT, #out]
      ins(%g, %wt : tensor<256x256xf16>, tensor<128x256xf16>) outs(%f3 : tensor<256x128xf16>) -> tensor<256x128xf16>
  return %simt, %forward, %dw, %dx : tensor<256x256xf32>, tensor<256x256xf32>, tensor<128x256xbf16>, tensor<256x128xf16>
}
