// RUN: mpt-opt %s --split-input-file --mpt-linalg-to-gpu --canonicalize --cse --verify-diagnostics | FileCheck %s
// RUN: mpt-opt %s --split-input-file --mpt-linalg-to-gpu="tensor-cores=false" --canonicalize --cse --verify-diagnostics | FileCheck %s --check-prefix=NO-TC
// RUN: mpt-opt %s --split-input-file --mpt-linalg-to-gpu="chip=sm_75" --canonicalize --cse --verify-diagnostics | FileCheck %s --check-prefix=NO-TC
// RUN: mpt-opt %s --split-input-file --mpt-linalg-to-gpu="chip=sm_90a" --canonicalize --cse --verify-diagnostics | FileCheck %s --check-prefix=WGMMA

// Elementwise: 4 consecutive elements per thread, 256 threads per block,
// guarded, in 16-byte vectors since every row holds whole vectors. The
// block and thread loops are mapped to ids by upstream's GPU mapping
// utilities.

// CHECK-LABEL: func.func @elementwise
// CHECK-DAG: %[[C256:.*]] = arith.constant 256 : index
// CHECK-DAG: %[[C8:.*]] = arith.constant 8 : index
// CHECK-DAG: %[[N:.*]] = arith.constant 2048 : index
// CHECK: gpu.launch blocks(%{{.*}}, %{{.*}}, %{{.*}}) in (%{{.*}} = %[[C8]], {{.*}} threads(%{{.*}}, %{{.*}}, %{{.*}}) in (%{{.*}} = %[[C256]],
// CHECK-SAME: module(@elementwise_kernels) function(@elementwise_elementwise_0)
// CHECK-NOT: scf.forall
// CHECK: %[[BX:.*]] = gpu.block_id x
// CHECK: %[[TX:.*]] = gpu.thread_id x
// CHECK: %[[FIRST:.*]] = arith.muli %[[BX]], %[[C256]]
// CHECK: %[[ID:.*]] = arith.addi %[[FIRST]], %[[TX]]
// CHECK: %[[IN:.*]] = arith.cmpi ult, %[[ID]], %[[N]]
// CHECK: scf.if %[[IN]]
// CHECK: %[[IJ:.*]]:2 = affine.delinearize_index %[[ID]] into (64, 32)
// CHECK: %[[J:.*]] = arith.muli %[[IJ]]#1, %c4
// CHECK: %[[X:.*]] = vector.load %{{.*}}[%[[IJ]]#0, %[[J]]] {alignment = 16 : i64} : memref<64x128xf32>, vector<4xf32>
// CHECK: %[[B:.*]] = vector.load %{{.*}}[%[[J]]] {alignment = 16 : i64} : memref<128xf32>, vector<4xf32>
// CHECK-COUNT-4: arith.addf
// CHECK: vector.store %{{.*}}, %{{.*}}[%[[IJ]]#0, %[[J]]] {alignment = 16 : i64} : memref<64x128xf32>, vector<4xf32>
// CHECK-NOT: linalg.generic
func.func @elementwise(%x: memref<64x128xf32>, %b: memref<128xf32>, %y: memref<64x128xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
      ins(%x, %b : memref<64x128xf32>, memref<128xf32>) outs(%y : memref<64x128xf32>) {
  ^bb0(%a: f32, %c: f32, %o: f32):
    %s = arith.addf %a, %c : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// Rows that do not hold whole vectors: one element per thread.

// CHECK-LABEL: func.func @elementwise_odd_rows
// CHECK: affine.delinearize_index %{{.*}} into (64, 3)
// CHECK-NOT: vector.load
// CHECK: memref.load
// CHECK: memref.store
func.func @elementwise_odd_rows(%x: memref<64x3xf32>, %y: memref<64x3xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
      ins(%x : memref<64x3xf32>) outs(%y : memref<64x3xf32>) {
  ^bb0(%a: f32, %o: f32):
    %s = arith.mulf %a, %a : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// A loss (one output, many elements): blocks reduce parts of the elements
// into partial results, then one block combines them with the output.

// CHECK-LABEL: func.func @loss
// CHECK: %[[PARTS:.*]] = gpu.alloc () : memref<1x16xf32>
// CHECK: gpu.launch {{.*}}function(@loss_reduce_partial_0)
// CHECK: scf.for
// CHECK: arith.subf
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK: %[[SUM:.*]] = gpu.all_reduce add %{{.*}} uniform
// CHECK: scf.if
// CHECK: memref.store %[[SUM]], %[[PARTS]]
// CHECK: gpu.launch {{.*}}function(@loss_reduce_final_1)
// CHECK: memref.load %[[PARTS]]
// CHECK: %[[TOTAL:.*]] = gpu.all_reduce add
// CHECK: %[[INIT:.*]] = memref.load %{{.*}}[] : memref<f32>
// CHECK: %[[NEW:.*]] = arith.addf %[[TOTAL]], %[[INIT]]
// CHECK: memref.store %[[NEW]], %{{.*}}[] : memref<f32>
// CHECK: gpu.dealloc %[[PARTS]]
func.func @loss(%p: memref<8192x4xf32>, %y: memref<8192x4xf32>, %l: memref<f32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> ()>], iterator_types = ["reduction", "reduction"]}
      ins(%p, %y : memref<8192x4xf32>, memref<8192x4xf32>) outs(%l : memref<f32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %d = arith.subf %a, %b : f32
    %m = arith.mulf %d, %d : f32
    %r = arith.addf %m, %o : f32
    linalg.yield %r : f32
  }
  return
}

// -----

// Many rows reduced along their contiguous dimension: one block per row.

// CHECK-LABEL: func.func @row_max
// CHECK-NOT: gpu.alloc
// CHECK: gpu.launch blocks({{.*}}) in (%{{.*}} = %[[ROWS:.*]], %{{.*}}, %{{.*}}) threads({{.*}}) in (%{{.*}} = %[[T:.*]], {{.*}}function(@row_max_reduce_0)
// CHECK: gpu.all_reduce maximumf
func.func @row_max(%x: memref<4096x1024xf32>, %m: memref<4096xf32>) {
  linalg.reduce ins(%x : memref<4096x1024xf32>) outs(%m : memref<4096xf32>) dimensions = [1]
    (%in: f32, %acc: f32) {
      %r = arith.maximumf %in, %acc : f32
      linalg.yield %r : f32
    }
  return
}

// -----

// A bias gradient sums over the batch, the strided dimension: each thread
// walks a part of one column, so that a warp reads 32 neighbouring
// elements, and a second kernel adds the parts.

// CHECK-LABEL: func.func @bias_gradient
// CHECK: %[[PARTS:.*]] = gpu.alloc () : memref<256x1024xf32>
// CHECK: gpu.launch {{.*}}function(@bias_gradient_reduce_partial_0)
// CHECK-NOT: gpu.all_reduce
// CHECK: scf.for
// CHECK: arith.extf
// CHECK: memref.store %{{.*}}, %[[PARTS]]
// CHECK: gpu.launch {{.*}}function(@bias_gradient_reduce_final_1)
// CHECK: memref.load %[[PARTS]]
func.func @bias_gradient(%g: memref<8192x1024xf16>, %db: memref<1024xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>], iterator_types = ["reduction", "parallel"]}
      ins(%g : memref<8192x1024xf16>) outs(%db : memref<1024xf32>) {
  ^bb0(%v: f16, %acc: f32):
    %e = arith.extf %v : f16 to f32
    %r = arith.addf %e, %acc : f32
    linalg.yield %r : f32
  }
  return
}

// -----

// all_finite: an i1 or-reduction, combined across the block as i32.

// CHECK-LABEL: func.func @any_nonfinite
// CHECK: gpu.launch {{.*}}function(@any_nonfinite_reduce_0)
// CHECK: %[[WIDE:.*]] = arith.extui %{{.*}} : i1 to i32
// CHECK: %[[ANY:.*]] = gpu.all_reduce or %[[WIDE]] uniform
// CHECK: arith.trunci %[[ANY]] : i32 to i1
func.func @any_nonfinite(%g: memref<1024xf32>, %bad: memref<i1>) {
  %inf = arith.constant 0x7F800000 : f32
  linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> ()>], iterator_types = ["reduction"]}
      ins(%g : memref<1024xf32>) outs(%bad : memref<i1>) {
  ^bb0(%v: f32, %acc: i1):
    %a = math.absf %v : f32
    %nf = arith.cmpf uge, %a, %inf : f32
    %r = arith.ori %acc, %nf : i1
    linalg.yield %r : i1
  }
  return
}

// -----

// A reduction without a recognised combiner (here an arg-max, with two
// outputs) is still correct: one thread per output walks the elements.

// CHECK-LABEL: func.func @argmax
// CHECK: gpu.launch {{.*}}function(@argmax_loop_0)
// CHECK: scf.for {{.*}} iter_args
// CHECK-NOT: gpu.all_reduce
func.func @argmax(%x: memref<64x100xf32>, %m: memref<64xf32>, %i: memref<64xi32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<64x100xf32>) outs(%m, %i : memref<64xf32>, memref<64xi32>) {
  ^bb0(%v: f32, %best: f32, %at: i32):
    %j = linalg.index 1 : index
    %ji = arith.index_cast %j : index to i32
    %gt = arith.cmpf ogt, %v, %best : f32
    %nb = arith.select %gt, %v, %best : f32
    %na = arith.select %gt, %ji, %at : i32
    linalg.yield %nb, %na : f32, i32
  }
  return
}

// -----

// An f32 GEMM: 64x64 tiles staged in shared memory, on the ordinary cores;
// each thread loads 16-byte vectors of both operands, and each
// multiply-add of the body is one fused multiply-add.

// CHECK-LABEL: func.func @gemm_f32
// CHECK: gpu.launch {{.*}} in (%{{.*}} = %[[C16:.*]], %{{.*}} = %[[C8:.*]], %{{.*}} = %{{.*}}) {{.*}}function(@gemm_f32_gemm_0)
// CHECK-SAME: workgroup(%[[A:.*]] : memref<16x64xf32, #gpu.address_space<workgroup>>, %[[B:.*]] : memref<16x64xf32, #gpu.address_space<workgroup>>)
// CHECK: scf.for
// CHECK: vector.load {{.*}} : memref<512x256xf32>, vector<4xf32>
// CHECK: memref.store %{{.*}}, %[[A]]
// CHECK: vector.load {{.*}} : memref<256x1024xf32>, vector<4xf32>
// CHECK: vector.store %{{.*}}, %[[B]]
// CHECK: gpu.barrier
// CHECK: scf.for
// CHECK-NOT: arith.mulf
// CHECK-NOT: arith.addf
// CHECK-COUNT-16: math.fma
// CHECK-NOT: math.fma
// CHECK: gpu.barrier
// CHECK-NOT: nvvm.mma.sync
func.func @gemm_f32(%a: memref<512x256xf32>, %b: memref<256x1024xf32>, %c: memref<512x1024xf32>) {
  linalg.matmul ins(%a, %b : memref<512x256xf32>, memref<256x1024xf32>) outs(%c : memref<512x1024xf32>)
  return
}

// -----

// f16 operands, f32 accumulation: tensor cores (mma.sync m16n8k16). Four
// k-tiles of each operand fit in dynamic shared memory, each stored as the
// operand lies (A along k, B along n), 16-byte chunks of a row permuted by
// an XOR with a function of the row. cp.async copies run three tiles ahead
// of the one the warps read with ldmatrix (B transposed on the way). The
// results go through shared memory, so that they leave in 16-byte vectors.

// CHECK-LABEL: func.func @gemm_f16
// CHECK: gpu.launch {{.*}} dynamic_shared_memory_size %{{.*}} module(@gemm_f16_kernels) function(@gemm_f16_gemm_mma_0)
// CHECK: %[[SHARED:.*]] = gpu.dynamic_shared_memory
// CHECK: %[[A:.*]] = memref.view %[[SHARED]][%{{.*}}][] : {{.*}} to memref<16384xf16, #gpu.address_space<workgroup>>
// CHECK: %[[B:.*]] = memref.view %[[SHARED]][%{{.*}}][] : {{.*}} to memref<16384xf16, #gpu.address_space<workgroup>>
// A's rows hold 4 chunks: chunk c of row r goes to c ^ ((r / 2) & 3).
// CHECK: %[[E:.*]] = arith.muli %{{.*}}, %c8 : index
// CHECK-NEXT: %[[ROW:.*]] = arith.divui %[[E]], %c32
// CHECK-NEXT: %[[COL:.*]] = arith.remui %[[E]], %c32
// CHECK: %[[PAIR:.*]] = arith.divui %[[ROW]], %c2
// CHECK: %[[SHIFT:.*]] = arith.andi %[[PAIR]], %c3
// CHECK: %[[CHUNK:.*]] = arith.divui %[[COL]], %c8
// CHECK: arith.xori %[[CHUNK]], %[[SHIFT]]
// CHECK: nvgpu.device_async_copy %{{.*}}, %[[A]][%{{.*}}], 8, %{{.*}} {bypassL1} : memref<512x256xf16> to memref<16384xf16, #gpu.address_space<workgroup>>
// CHECK: nvgpu.device_async_copy %{{.*}}, %[[B]][%{{.*}}], 8, %{{.*}} {bypassL1} : memref<256x1024xf16> to memref<16384xf16, #gpu.address_space<workgroup>>
// CHECK: nvvm.cp.async.commit.group
// CHECK: nvvm.cp.async.commit.group
// CHECK: nvvm.cp.async.commit.group
// CHECK: scf.for {{.*}} -> (vector<4xf32>,
// CHECK-NEXT: nvvm.cp.async.wait.group 2
// CHECK-NEXT: gpu.barrier
// CHECK: nvgpu.device_async_copy
// CHECK: nvvm.cp.async.commit.group
// CHECK: nvgpu.ldmatrix %[[A]][%{{.*}}] {numTiles = 4 : i32, transpose = false} : memref<16384xf16, #gpu.address_space<workgroup>> -> vector<4x2xf16>
// CHECK: nvgpu.ldmatrix %[[B]][%{{.*}}] {numTiles = 4 : i32, transpose = true} : memref<16384xf16, #gpu.address_space<workgroup>> -> vector<4x2xf16>
// CHECK: nvvm.mma.sync A[{{.*}}] B[{{.*}}] C[{{.*}}] {layoutA = #nvvm.mma_layout<row>, layoutB = #nvvm.mma_layout<col>, shape = #nvvm.shape<m = 16, n = 8, k = 16>} : (vector<2xf16>, vector<2xf16>, f32) -> !llvm.struct<(f32, f32, f32, f32)>
// CHECK-COUNT-31: nvvm.mma.sync
// CHECK-NOT: nvvm.mma.sync
// CHECK: nvvm.cp.async.wait.group 0
// CHECK-NEXT: gpu.barrier
// CHECK: %[[RESULTS:.*]] = memref.view %[[SHARED]][%{{.*}}][] : {{.*}} to memref<5120xf32, #gpu.address_space<workgroup>>
// CHECK: vector.store %{{.*}}, %[[RESULTS]][%{{.*}}] {alignment = 8 : i64} : memref<5120xf32, #gpu.address_space<workgroup>>, vector<2xf32>
// CHECK: nvvm.bar.warp.sync
// CHECK: vector.load %[[RESULTS]][%{{.*}}] {alignment = 16 : i64} : memref<5120xf32, #gpu.address_space<workgroup>>, vector<4xf32>
// CHECK: vector.store %{{.*}}, %{{.*}} {alignment = 16 : i64} : memref<512x1024xf32>, vector<4xf32>
// NO-TC-LABEL: func.func @gemm_f16
// NO-TC: function(@gemm_f16_gemm_0)
// NO-TC-NOT: nvvm.mma.sync

// On sm_90a: two warpgroups, each multiplying its 64 rows with wgmma from
// the tiles in shared memory, 64 f32 accumulators per thread in one
// struct. Each k-tile's copies are made visible to wgmma's async proxy
// before the barrier; the products of a k-tile are waited for before the
// next barrier lets its buffers be overwritten.
// WGMMA-LABEL: func.func @gemm_f16
// WGMMA: gpu.launch {{.*}} threads({{.*}}) in ({{.*}} = %c256, {{.*}}) dynamic_shared_memory_size %c65536_i32 module(@gemm_f16_kernels) function(@gemm_f16_gemm_wgmma_0)
// WGMMA: %[[SHARED:.*]] = gpu.dynamic_shared_memory
// WGMMA: %[[A:.*]] = memref.view %[[SHARED]][%{{.*}}][] : {{.*}} to memref<16384xf16, #gpu.address_space<workgroup>>
// WGMMA: memref.extract_aligned_pointer_as_index %[[SHARED]]
// The initial values in the wgmma D layout: lane 4g + t of warp w of
// warpgroup q holds in register 0 row 64q + 16w + g, column 2t; in
// register 1 column 2t + 1; in register 2 row 64q + 16w + g + 8.
// WGMMA: %[[WARP:.*]] = arith.divui %{{.*}}, %c32 : index
// WGMMA-NEXT: %[[LANE:.*]] = arith.remui %{{.*}}, %c32 : index
// WGMMA-NEXT: %[[GROUP:.*]] = arith.divui %[[WARP]], %c4 : index
// WGMMA-NEXT: %[[IN_GROUP:.*]] = arith.remui %[[WARP]], %c4 : index
// WGMMA-NEXT: %[[GROUP_M:.*]] = arith.muli %[[GROUP]], %c64 : index
// WGMMA-NEXT: %[[IN_GROUP_M:.*]] = arith.muli %[[IN_GROUP]], %c16 : index
// WGMMA-NEXT: %[[WARP_M:.*]] = arith.addi %[[GROUP_M]], %[[IN_GROUP_M]] : index
// WGMMA-NEXT: %[[G:.*]] = arith.divui %[[LANE]], %c4 : index
// WGMMA-NEXT: %[[T:.*]] = arith.remui %[[LANE]], %c4 : index
// WGMMA-NEXT: %[[ROW_IN_TILE:.*]] = arith.addi %[[WARP_M]], %[[G]] : index
// WGMMA-NEXT: %[[ROW:.*]] = arith.addi %{{.*}}, %[[ROW_IN_TILE]] : index
// WGMMA-NEXT: %[[TWO_T:.*]] = arith.muli %[[T]], %c2 : index
// WGMMA-NEXT: %[[COL:.*]] = arith.addi %{{.*}}, %[[TWO_T]] : index
// WGMMA: memref.load %{{.*}}[%[[ROW]], %[[COL]]] : memref<512x1024xf32>
// WGMMA: llvm.insertvalue %{{.*}}, %{{.*}}[0]
// WGMMA: %[[TWO_T_1:.*]] = arith.addi %[[TWO_T]], %c1 : index
// WGMMA-NEXT: %[[COL_1:.*]] = arith.addi %{{.*}}, %[[TWO_T_1]] : index
// WGMMA: memref.load %{{.*}}[%[[ROW]], %[[COL_1]]] : memref<512x1024xf32>
// WGMMA: llvm.insertvalue %{{.*}}, %{{.*}}[1]
// WGMMA: %[[G_8:.*]] = arith.addi %[[G]], %c8 : index
// WGMMA-NEXT: %[[ROW_8_IN_TILE:.*]] = arith.addi %[[WARP_M]], %[[G_8]] : index
// WGMMA-NEXT: %[[ROW_8:.*]] = arith.addi %{{.*}}, %[[ROW_8_IN_TILE]] : index
// WGMMA: memref.load %{{.*}}[%[[ROW_8]], %[[COL]]] : memref<512x1024xf32>
// WGMMA: llvm.insertvalue %{{.*}}, %{{.*}}[2]
// A (along k) in core matrices: element (r, c) at (r / 8) * 64 + (c / 8) *
// 1024 + (r % 8) * 8 + c % 8, i.e. core matrices 128 bytes apart along m
// and 2048 along k.
// WGMMA: llvm.insertvalue %{{.*}}, %{{.*}}[63]
// WGMMA: arith.andi %{{.*}}, %{{.*}} : i1
// WGMMA-NEXT: %[[LINE:.*]] = arith.andi %[[R:.*]], %c7 : index
// WGMMA-NEXT: %[[WITHIN:.*]] = arith.andi %[[C:.*]], %c7 : index
// WGMMA-NEXT: %[[R_MATRIX:.*]] = arith.divui %[[R]], %c8 : index
// WGMMA-NEXT: %[[C_MATRIX:.*]] = arith.divui %[[C]], %c8 : index
// WGMMA-NEXT: %[[M_START:.*]] = arith.muli %[[R_MATRIX]], %c64 : index
// WGMMA-NEXT: %[[K_START:.*]] = arith.muli %[[C_MATRIX]], %c1024 : index
// WGMMA-NEXT: %[[START:.*]] = arith.addi %[[M_START]], %[[K_START]] : index
// WGMMA-NEXT: %[[LINE_START:.*]] = arith.muli %[[LINE]], %c8 : index
// WGMMA-NEXT: %[[IN_MATRIX:.*]] = arith.addi %[[LINE_START]], %[[WITHIN]] : index
// WGMMA-NEXT: %[[OFFSET:.*]] = arith.addi %[[START]], %[[IN_MATRIX]] : index
// WGMMA: nvgpu.device_async_copy %{{.*}}, %[[A]][%[[OFFSET]]], 8, %{{.*}} {bypassL1} : memref<512x256xf16> to memref<16384xf16, #gpu.address_space<workgroup>>
// WGMMA: nvvm.cp.async.commit.group
// WGMMA: nvvm.cp.async.commit.group
// WGMMA: nvvm.cp.async.commit.group
// WGMMA: scf.for {{.*}} -> (!llvm.struct<({{(f32, ){63}f32}})>) {
// WGMMA-NEXT: nvvm.cp.async.wait.group 2
// WGMMA-NEXT: nvvm.fence.proxy {kind = #nvvm.proxy_kind<async.shared>, space = #nvvm.shared_space<cta>}
// WGMMA-NEXT: gpu.barrier
// WGMMA: nvvm.cp.async.commit.group
// WGMMA: nvvm.wgmma.fence.aligned
// WGMMA: arith.ori %{{.*}}, %c34368126976_i64 : i64
// WGMMA: nvvm.wgmma.mma_async {{.*}}, <m = 64, n = 128, k = 16>, D[<f32>, <one>], A[<f16>, <one>, <row>], B[<f16>, <one>, <row>]
// WGMMA: nvvm.wgmma.mma_async
// WGMMA-NEXT: nvvm.wgmma.commit.group.sync.aligned
// WGMMA-NEXT: nvvm.wgmma.wait.group.sync.aligned 0
// WGMMA: nvvm.cp.async.wait.group 0
// WGMMA-NEXT: gpu.barrier
// WGMMA-NOT: nvvm.mma.sync
// WGMMA: vector.store %{{.*}} {alignment = 16 : i64} : memref<512x1024xf32>, vector<4xf32>
func.func @gemm_f16(%a: memref<512x256xf16>, %b: memref<256x1024xf16>, %c: memref<512x1024xf32>) {
  linalg.matmul ins(%a, %b : memref<512x256xf16>, memref<256x1024xf16>) outs(%c : memref<512x1024xf32>)
  return
}

// -----

// bf16 operands travel as i32 registers; a transposed operand (here the
// weight gradient's A^T B) is stored as it lies, along m, and read with
// ldmatrix.trans: no element is scattered into shared memory one by one.

// CHECK-LABEL: func.func @gemm_bf16_transposed
// CHECK: function(@gemm_bf16_transposed_gemm_mma_0)
// CHECK-NOT: memref.store {{.*}}#gpu.address_space<workgroup>
// CHECK: nvgpu.device_async_copy {{.*}} : memref<256x512xbf16> to memref<16384xbf16, #gpu.address_space<workgroup>>
// CHECK: nvgpu.ldmatrix {{.*}} {numTiles = 4 : i32, transpose = true} : memref<16384xbf16, #gpu.address_space<workgroup>> -> vector<4x2xbf16>
// CHECK: vector.bitcast %{{.*}} : vector<2xbf16> to vector<1xi32>
// CHECK: nvvm.mma.sync {{.*}}multiplicandAPtxType = #nvvm.mma_type<bf16>, multiplicandBPtxType = #nvvm.mma_type<bf16>{{.*}} : (i32, i32, f32)
// CHECK: arith.truncf %{{.*}} : f32 to bf16
// CHECK: vector.store {{.*}} : memref<512x1024xbf16>, vector<4xbf16>
func.func @gemm_bf16_transposed(%a: memref<256x512xbf16>, %b: memref<256x1024xbf16>, %c: memref<512x1024xbf16>) {
  linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d2, d0)>, affine_map<(d0, d1, d2) -> (d2, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>]
      ins(%a, %b : memref<256x512xbf16>, memref<256x1024xbf16>) outs(%c : memref<512x1024xbf16>)
  return
}

// -----

// An operand whose rows do not hold whole 16-byte vectors is copied
// element by element through registers, into the same layout.

// CHECK-LABEL: func.func @gemm_f16_odd_rows
// CHECK: function(@gemm_f16_odd_rows_gemm_mma_0)
// CHECK: memref.load %{{.*}} : memref<100x36xf16>
// CHECK: memref.store %{{.*}} : memref<16384xf16, #gpu.address_space<workgroup>>
// CHECK: nvgpu.device_async_copy {{.*}} : memref<36x64xf16> to memref<16384xf16, #gpu.address_space<workgroup>>
// CHECK: nvgpu.ldmatrix
func.func @gemm_f16_odd_rows(%a: memref<100x36xf16>, %b: memref<36x64xf16>, %c: memref<100x64xf32>) {
  linalg.matmul ins(%a, %b : memref<100x36xf16>, memref<36x64xf16>) outs(%c : memref<100x64xf32>)
  return
}

// -----

// Batch dimensions map to the grid's z dimension.

// CHECK-LABEL: func.func @batched
// CHECK-DAG: %[[BATCH:.*]] = arith.constant 12 : index
// CHECK: gpu.launch blocks({{.*}}) in (%{{.*}}, %{{.*}}, %{{.*}} = %[[BATCH]]) {{.*}}function(@batched_gemm_mma_0)
func.func @batched(%a: memref<12x128x64xf16>, %b: memref<12x64x128xf16>, %c: memref<12x128x128xf32>) {
  linalg.batch_matmul ins(%a, %b : memref<12x128x64xf16>, memref<12x64x128xf16>) outs(%c : memref<12x128x128xf32>)
  return
}

// -----

// More batches than a grid's z dimension holds (65535): the grid stops
// there and each block walks the batches from its own, by the grid size,
// with a barrier before its shared memory serves the next one.

// CHECK-LABEL: func.func @batched_many
// CHECK-DAG: %[[BATCHES:.*]] = arith.constant 70000 : index
// CHECK-DAG: %[[MAXZ:.*]] = arith.constant 65535 : index
// CHECK: gpu.launch blocks(%{{.*}}, %{{.*}}, %[[BZ:.*]]) in (%{{.*}}, %{{.*}}, %[[GZ:.*]] = %[[MAXZ]])
// CHECK-SAME: function(@batched_many_gemm_0)
// CHECK: scf.for %[[BATCH:.*]] = %[[BZ]] to %[[BATCHES]] step %[[GZ]] {
// CHECK: memref.load %{{.*}}[%[[BATCH]], %{{.*}}, %{{.*}}] : memref<70000x4x4xf32>
// CHECK: math.fma
// CHECK: memref.store %{{.*}}, %{{.*}}[%[[BATCH]], %{{.*}}, %{{.*}}] : memref<70000x4x4xf32>
// CHECK: gpu.barrier
// CHECK-NEXT: }
// CHECK-NEXT: gpu.terminator
func.func @batched_many(%a: memref<70000x4x4xf32>, %b: memref<70000x4x4xf32>, %c: memref<70000x4x4xf32>) {
  linalg.batch_matmul ins(%a, %b : memref<70000x4x4xf32>, memref<70000x4x4xf32>) outs(%c : memref<70000x4x4xf32>)
  return
}

// -----

// The GEMM computes its bias-initialized output itself, and runs the cast
// and activation that consume it: the f32 output never reaches memory.

// CHECK-LABEL: func.func @gemm_with_neighbours
// CHECK-NOT: gpu.alloc
// CHECK: gpu.launch {{.*}}function(@gemm_with_neighbours_gemm_mma_0)
// CHECK: memref.load %{{.*}} : memref<256xf32>
// CHECK: nvvm.mma.sync
// CHECK: arith.truncf
// CHECK: arith.maximumf
// CHECK: vector.store %{{.*}} {alignment = 8 : i64} : memref<128x256xf16>, vector<4xf16>
// CHECK-NOT: gpu.launch
// CHECK-NOT: gpu.dealloc
// CHECK: return
// The wgmma kernel runs them too.
// WGMMA-LABEL: func.func @gemm_with_neighbours
// WGMMA-NOT: gpu.alloc
// WGMMA: gpu.launch {{.*}}function(@gemm_with_neighbours_gemm_wgmma_0)
// WGMMA: memref.load %{{.*}} : memref<256xf32>
// WGMMA: nvvm.wgmma.mma_async
// WGMMA: arith.truncf
// WGMMA: arith.maximumf
// WGMMA: vector.store %{{.*}} {alignment = 8 : i64} : memref<128x256xf16>, vector<4xf16>
// WGMMA-NOT: gpu.launch
// WGMMA-NOT: gpu.dealloc
// WGMMA: return
func.func @gemm_with_neighbours(%x: memref<128x64xf16>, %w: memref<64x256xf16>, %b: memref<256xf32>, %h: memref<128x256xf16>) {
  %acc = gpu.alloc () : memref<128x256xf32>
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
      ins(%b : memref<256xf32>) outs(%acc : memref<128x256xf32>) {
  ^bb0(%v: f32, %o: f32):
    linalg.yield %v : f32
  }
  linalg.matmul ins(%x, %w : memref<128x64xf16>, memref<64x256xf16>) outs(%acc : memref<128x256xf32>)
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
      ins(%acc : memref<128x256xf32>) outs(%h : memref<128x256xf16>) {
  ^bb0(%v: f32, %o: f16):
    %zero = arith.constant 0.0 : f16
    %t = arith.truncf %v : f32 to f16
    %r = arith.maximumf %t, %zero : f16
    linalg.yield %r : f16
  }
  gpu.dealloc %acc : memref<128x256xf32>
  return
}

// -----

// Neighbours are found across the kernels of earlier ops, which count as
// reading and writing every buffer they use: the kernel between the bias
// and the GEMM touches neither, so the GEMM runs both neighbours.

// CHECK-LABEL: func.func @neighbours_across_kernels
// CHECK-NOT: gpu.alloc
// CHECK: gpu.launch {{.*}}function(@earlier)
// CHECK: gpu.launch {{.*}}function(@neighbours_across_kernels_gemm_mma_0)
// CHECK: memref.load %{{.*}} : memref<256xf32>
// CHECK: nvvm.mma.sync
// CHECK: arith.truncf
// CHECK-NOT: gpu.launch
// CHECK: return
func.func @neighbours_across_kernels(%x: memref<128x64xf16>, %w: memref<64x256xf16>, %b: memref<256xf32>, %h: memref<128x256xf16>, %other: memref<8xf32>) {
  %c1 = arith.constant 1 : index
  %acc = gpu.alloc () : memref<128x256xf32>
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
      ins(%b : memref<256xf32>) outs(%acc : memref<128x256xf32>) {
  ^bb0(%v: f32, %o: f32):
    linalg.yield %v : f32
  }
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1) threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1) module(@neighbours_across_kernels_kernels) function(@earlier) {
    %c0 = arith.constant 0 : index
    %v = memref.load %other[%c0] : memref<8xf32>
    memref.store %v, %other[%c1] : memref<8xf32>
    gpu.terminator
  }
  linalg.matmul ins(%x, %w : memref<128x64xf16>, memref<64x256xf16>) outs(%acc : memref<128x256xf32>)
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
      ins(%acc : memref<128x256xf32>) outs(%h : memref<128x256xf16>) {
  ^bb0(%v: f32, %o: f16):
    %t = arith.truncf %v : f32 to f16
    linalg.yield %t : f16
  }
  gpu.dealloc %acc : memref<128x256xf32>
  return
}

// -----

// A kernel between them that uses the bias (here, writes it) may change
// what the bias kernel reads: the bias stays a kernel of its own, before it.

// CHECK-LABEL: func.func @prologue_input_used_between
// CHECK: function(@prologue_input_used_between_elementwise_1)
// CHECK: function(@earlier)
// CHECK: function(@prologue_input_used_between_gemm_mma_0)
func.func @prologue_input_used_between(%x: memref<128x64xf16>, %w: memref<64x256xf16>, %b: memref<256xf32>, %acc: memref<128x256xf32>) {
  %c1 = arith.constant 1 : index
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
      ins(%b : memref<256xf32>) outs(%acc : memref<128x256xf32>) {
  ^bb0(%v: f32, %o: f32):
    linalg.yield %v : f32
  }
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1) threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1) module(@prologue_input_used_between_kernels) function(@earlier) {
    %c0 = arith.constant 0 : index
    %v = memref.load %b[%c0] : memref<256xf32>
    memref.store %v, %b[%c1] : memref<256xf32>
    gpu.terminator
  }
  linalg.matmul ins(%x, %w : memref<128x64xf16>, memref<64x256xf16>) outs(%acc : memref<128x256xf32>)
  return
}

// -----

// An op that would overwrite an operand of the GEMM (which other blocks may
// still be reading) stays a kernel of its own.

// CHECK-LABEL: func.func @epilogue_into_operand
// CHECK: function(@epilogue_into_operand_gemm_mma_0)
// CHECK: function(@epilogue_into_operand_elementwise_1)
func.func @epilogue_into_operand(%x: memref<128x128xf16>, %w: memref<128x128xf16>) {
  %acc = gpu.alloc () : memref<128x128xf32>
  linalg.matmul ins(%x, %w : memref<128x128xf16>, memref<128x128xf16>) outs(%acc : memref<128x128xf32>)
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
      ins(%acc : memref<128x128xf32>) outs(%x : memref<128x128xf16>) {
  ^bb0(%v: f32, %o: f16):
    %t = arith.truncf %v : f32 to f16
    linalg.yield %t : f16
  }
  gpu.dealloc %acc : memref<128x128xf32>
  return
}

// -----

func.func @dynamic(%a: memref<?xf32>, %b: memref<?xf32>) {
  // expected-error @below {{has a dynamic iteration space; GPU kernels are mapped from static shapes}}
  linalg.copy ins(%a : memref<?xf32>) outs(%b : memref<?xf32>)
  return
}

// -----

func.func @tensors(%a: tensor<8xf32>) -> tensor<8xf32> {
  // expected-error @below {{must work on buffers to become a kernel; expected the step to be bufferized first}}
  %r = linalg.copy ins(%a : tensor<8xf32>) outs(%a : tensor<8xf32>) -> tensor<8xf32>
  return %r : tensor<8xf32>
}

// -----

func.func @host_read(%a: memref<8xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  // expected-error @below {{accesses a buffer on the host, but every buffer of a GPU step is in device memory}}
  %v = memref.load %a[%c0] : memref<8xf32>
  return %v : f32
}
