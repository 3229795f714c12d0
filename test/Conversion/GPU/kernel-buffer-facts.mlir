// RUN: mpt-opt %s --split-input-file --mpt-gpu-kernel-buffer-facts --verify-diagnostics | FileCheck %s

// Buffers the function allocates, whole or through a subview: 16-byte
// aligned bases and no overlap with the other arguments. Workgroup buffers
// are 16-byte aligned too.

// CHECK-LABEL: gpu.func @distinct
// CHECK-SAME: (%{{.*}}: memref<1024xf32> {llvm.align = 16 : i64, llvm.noalias}, %{{.*}}: memref<16xf32, strided<[1], offset: 16>> {llvm.align = 16 : i64, llvm.noalias}, %{{.*}}: index)
// CHECK-SAME: workgroup(%{{.*}} : memref<64xf16, #gpu.address_space<workgroup>> {llvm.align = 16 : i64})
module attributes {gpu.container_module} {
  gpu.module @kernels {
    gpu.func @distinct(%a: memref<1024xf32>, %b: memref<16xf32, strided<[1], offset: 16>>, %n: index)
        workgroup(%w : memref<64xf16, #gpu.address_space<workgroup>>) kernel {
      gpu.return
    }
  }
  func.func @step() {
    %c1 = arith.constant 1 : index
    %a = gpu.alloc () : memref<1024xf32>
    %t = gpu.alloc () : memref<64xf32>
    %b = memref.subview %t[16] [16] [1] : memref<64xf32> to memref<16xf32, strided<[1], offset: 16>>
    gpu.launch_func @kernels::@distinct blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1)
        args(%a : memref<1024xf32>, %b : memref<16xf32, strided<[1], offset: 16>>, %c1 : index)
    return
  }
}

// -----

// Two views of one buffer may overlap, and so may two arguments of the
// function (its caller decides): no noalias for them. A memref.view moves
// the base by a byte shift: no alignment for it.

// CHECK-LABEL: gpu.func @overlapping
// CHECK-SAME: (%{{.*}}: memref<8xf32> {llvm.align = 16 : i64}, %{{.*}}: memref<8xf32, strided<[1], offset: 8>> {llvm.align = 16 : i64}, %{{.*}}: memref<8xf32> {llvm.align = 16 : i64}, %{{.*}}: memref<4xf32> {llvm.noalias})
module attributes {gpu.container_module} {
  gpu.module @kernels {
    gpu.func @overlapping(%a: memref<8xf32>, %b: memref<8xf32, strided<[1], offset: 8>>,
                          %c: memref<8xf32>, %d: memref<4xf32>) kernel {
      gpu.return
    }
  }
  func.func @step(%arg: memref<8xf32>) {
    %c1 = arith.constant 1 : index
    %c4 = arith.constant 4 : index
    %t = gpu.alloc () : memref<16xf32>
    %a = memref.subview %t[0] [8] [1] : memref<16xf32> to memref<8xf32>
    %b = memref.subview %t[8] [8] [1] : memref<16xf32> to memref<8xf32, strided<[1], offset: 8>>
    %bytes = gpu.alloc () : memref<32xi8>
    %d = memref.view %bytes[%c4][] : memref<32xi8> to memref<4xf32>
    gpu.launch_func @kernels::@overlapping blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1)
        args(%a : memref<8xf32>, %b : memref<8xf32, strided<[1], offset: 8>>, %arg : memref<8xf32>, %d : memref<4xf32>)
    return
  }
}

// -----

// A kernel launched twice keeps what both launches guarantee.

// CHECK-LABEL: gpu.func @twice
// CHECK-SAME: (%{{.*}}: memref<8xf32> {llvm.align = 16 : i64}, %{{.*}}: memref<8xf32> {llvm.align = 16 : i64})
module attributes {gpu.container_module} {
  gpu.module @kernels {
    gpu.func @twice(%a: memref<8xf32>, %b: memref<8xf32>) kernel {
      gpu.return
    }
  }
  func.func @step() {
    %c1 = arith.constant 1 : index
    %x = gpu.alloc () : memref<8xf32>
    %y = gpu.alloc () : memref<8xf32>
    gpu.launch_func @kernels::@twice blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1)
        args(%x : memref<8xf32>, %y : memref<8xf32>)
    gpu.launch_func @kernels::@twice blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1)
        args(%x : memref<8xf32>, %x : memref<8xf32>)
    return
  }
}

// -----

// Kernels take buffers as bare pointers, which a dynamic shape rules out.

module attributes {gpu.container_module} {
  gpu.module @kernels {
    // expected-error @below {{kernel argument 0 has type 'memref<?xf32>'; kernels take their buffers as bare pointers, which needs a static shape, offset and strides}}
    gpu.func @dynamic(%a: memref<?xf32>) kernel {
      gpu.return
    }
  }
  func.func @step(%n: index) {
    %c1 = arith.constant 1 : index
    %a = gpu.alloc (%n) : memref<?xf32>
    gpu.launch_func @kernels::@dynamic blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1)
        args(%a : memref<?xf32>)
    return
  }
}
