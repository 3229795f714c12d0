// One function per kernel strategy of --mpt-lower-to-nvvm, with the element
// types and math functions (libdevice) of training steps.

#id1 = affine_map<(d0) -> (d0)>
#id2 = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d1)>
#col = affine_map<(d0, d1) -> (d0)>
#all2 = affine_map<(d0, d1) -> ()>
#all1 = affine_map<(d0) -> ()>

func.func @activations(%x: tensor<1000x300xf16>) -> tensor<1000x300xf16> {
  %e = tensor.empty() : tensor<1000x300xf16>
  %r = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<1000x300xf16>) outs(%e : tensor<1000x300xf16>) {
  ^bb0(%v: f16, %o: f16):
    %f = arith.extf %v : f16 to f32
    %t = math.tanh %f : f32
    %x2 = math.exp %t : f32
    %l = math.log1p %x2 : f32
    %s = math.sqrt %l : f32
    %g = math.erf %s : f32
    %r = arith.truncf %g : f32 to f16
    linalg.yield %r : f16
  } -> tensor<1000x300xf16>
  return %r : tensor<1000x300xf16>
}

func.func @loss_scale(%scale: f32, %good: i32, %t: tensor<i1>) -> (f32, i32) {
  %bad = tensor.extract %t[] : tensor<i1>
  %half = arith.constant 0.5 : f32
  %one = arith.constant 1 : i32
  %zero = arith.constant 0 : i32
  %s = arith.mulf %scale, %half : f32
  %ns = arith.select %bad, %s, %scale : f32
  %g = arith.addi %good, %one : i32
  %ng = arith.select %bad, %zero, %g : i32
  return %ns, %ng : f32, i32
}

func.func @loss(%p: tensor<8192x8xf32>, %y: tensor<8192x8xf32>) -> f32 {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<f32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<f32>) -> tensor<f32>
  %s = linalg.generic {indexing_maps = [#id2, #id2, #all2], iterator_types = ["reduction", "reduction"]}
      ins(%p, %y : tensor<8192x8xf32>, tensor<8192x8xf32>) outs(%f : tensor<f32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %d = arith.subf %a, %b : f32
    %m = arith.mulf %d, %d : f32
    %r = arith.addf %m, %o : f32
    linalg.yield %r : f32
  } -> tensor<f32>
  %v = tensor.extract %s[] : tensor<f32>
  %n = arith.constant 65536.0 : f32
  %l = arith.divf %v, %n : f32
  return %l : f32
}

func.func @row_sums(%x: tensor<512x1000xf32>) -> tensor<512xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<512xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<512xf32>) -> tensor<512xf32>
  %s = linalg.reduce ins(%x : tensor<512x1000xf32>) outs(%f : tensor<512xf32>) dimensions = [1]
    (%in: f32, %acc: f32) {
      %r = arith.addf %in, %acc : f32
      linalg.yield %r : f32
    }
  return %s : tensor<512xf32>
}

func.func @bias_gradient(%g: tensor<4096x1000xf16>) -> tensor<1000xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1000xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<1000xf32>) -> tensor<1000xf32>
  %s = linalg.generic {indexing_maps = [#id2, #row], iterator_types = ["reduction", "parallel"]}
      ins(%g : tensor<4096x1000xf16>) outs(%f : tensor<1000xf32>) {
  ^bb0(%v: f16, %acc: f32):
    %x = arith.extf %v : f16 to f32
    %r = arith.addf %x, %acc : f32
    linalg.yield %r : f32
  } -> tensor<1000xf32>
  return %s : tensor<1000xf32>
}

func.func @all_finite(%g: tensor<3000000xf32>) -> i1 {
  %false = arith.constant false
  %inf = arith.constant 0x7F800000 : f32
  %e = tensor.empty() : tensor<i1>
  %f = linalg.fill ins(%false : i1) outs(%e : tensor<i1>) -> tensor<i1>
  %s = linalg.generic {indexing_maps = [#id1, #all1], iterator_types = ["reduction"]}
      ins(%g : tensor<3000000xf32>) outs(%f : tensor<i1>) {
  ^bb0(%v: f32, %acc: i1):
    %a = math.absf %v : f32
    %nf = arith.cmpf uge, %a, %inf : f32
    %r = arith.ori %acc, %nf : i1
    linalg.yield %r : i1
  } -> tensor<i1>
  %bad = tensor.extract %s[] : tensor<i1>
  return %bad : i1
}

func.func @argmax(%x: tensor<64x100xf32>, %m: tensor<64xf32>, %i: tensor<64xi32>) -> (tensor<64xf32>, tensor<64xi32>) {
  %r:2 = linalg.generic {indexing_maps = [#id2, #col, #col], iterator_types = ["parallel", "reduction"]}
      ins(%x : tensor<64x100xf32>) outs(%m, %i : tensor<64xf32>, tensor<64xi32>) {
  ^bb0(%v: f32, %best: f32, %at: i32):
    %j = linalg.index 1 : index
    %ji = arith.index_cast %j : index to i32
    %gt = arith.cmpf ogt, %v, %best : f32
    %nb = arith.select %gt, %v, %best : f32
    %na = arith.select %gt, %ji, %at : i32
    linalg.yield %nb, %na : f32, i32
  } -> (tensor<64xf32>, tensor<64xi32>)
  return %r#0, %r#1 : tensor<64xf32>, tensor<64xi32>
}

func.func @gemm_f32(%a: tensor<300x200xf32>, %b: tensor<200x100xf32>, %c: tensor<300x100xf32>) -> tensor<300x100xf32> {
  %r = linalg.matmul ins(%a, %b : tensor<300x200xf32>, tensor<200x100xf32>) outs(%c : tensor<300x100xf32>) -> tensor<300x100xf32>
  return %r : tensor<300x100xf32>
}

func.func @gemm_f16(%a: tensor<300x200xf16>, %b: tensor<200x100xf16>, %c: tensor<300x100xf32>) -> tensor<300x100xf32> {
  %r = linalg.matmul ins(%a, %b : tensor<300x200xf16>, tensor<200x100xf16>) outs(%c : tensor<300x100xf32>) -> tensor<300x100xf32>
  return %r : tensor<300x100xf32>
}

func.func @gemm_bf16_weight_gradient(%x: tensor<256x300xbf16>, %g: tensor<256x100xbf16>, %c: tensor<300x100xbf16>) -> tensor<300x100xbf16> {
  %r = linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d2, d0)>, affine_map<(d0, d1, d2) -> (d2, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>]
      ins(%x, %g : tensor<256x300xbf16>, tensor<256x100xbf16>) outs(%c : tensor<300x100xbf16>) -> tensor<300x100xbf16>
  return %r : tensor<300x100xbf16>
}

func.func @gemm_f16_input_gradient(%g: tensor<256x100xf16>, %w: tensor<300x100xf16>, %c: tensor<256x300xf32>) -> tensor<256x300xf32> {
  %r = linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>]
      ins(%g, %w : tensor<256x100xf16>, tensor<300x100xf16>) outs(%c : tensor<256x300xf32>) -> tensor<256x300xf32>
  return %r : tensor<256x300xf32>
}

func.func @batched(%a: tensor<12x128x64xf16>, %b: tensor<12x64x128xf16>, %c: tensor<12x128x128xf32>) -> tensor<12x128x128xf32> {
  %r = linalg.batch_matmul ins(%a, %b : tensor<12x128x64xf16>, tensor<12x64x128xf16>) outs(%c : tensor<12x128x128xf32>) -> tensor<12x128x128xf32>
  return %r : tensor<12x128x128xf32>
}
