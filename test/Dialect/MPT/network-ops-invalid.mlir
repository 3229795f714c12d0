// Every verifier rule of the convolution, pooling, data-movement and math
// ops rejects bad IR with a message naming what was expected and found.
// RUN: mpt-opt %s -split-input-file -verify-diagnostics

func.func @conv_transpose_weight(%x: tensor<1x3x4x4xf32>, %w: tensor<4x2x3x3xf32>) {
  // expected-error @+1 {{'mpt.conv_transpose2d' op weight dim 0 (4) must be the input channels (3)}}
  %0 = mpt.conv_transpose2d %x, %w : tensor<1x3x4x4xf32>, tensor<4x2x3x3xf32> -> tensor<1x2x6x6xf32>
  return
}

// -----

func.func @conv_transpose_groups(%x: tensor<1x3x4x4xf32>, %w: tensor<3x2x3x3xf32>) {
  // expected-error @+1 {{'mpt.conv_transpose2d' op groups (2) must be >= 1 and divide the input channels (3)}}
  %0 = mpt.conv_transpose2d %x, %w {groups = 2 : i64} : tensor<1x3x4x4xf32>, tensor<3x2x3x3xf32> -> tensor<1x4x6x6xf32>
  return
}

// -----

func.func @conv_transpose_channels(%x: tensor<1x4x4x4xf32>, %w: tensor<4x2x3x3xf32>) {
  // expected-error @+1 {{'mpt.conv_transpose2d' op result shape [1, 2, 6, 6] must have the input's batch (1) and weight dim 1 times groups (4) channels}}
  %0 = mpt.conv_transpose2d %x, %w {groups = 2 : i64} : tensor<1x4x4x4xf32>, tensor<4x2x3x3xf32> -> tensor<1x2x6x6xf32>
  return
}

// -----

func.func @conv_transpose_bias(%x: tensor<1x4x4x4xf32>, %w: tensor<4x2x3x3xf32>, %b: tensor<4xf32>) {
  // expected-error @+1 {{'mpt.conv_transpose2d' op bias shape [4] must be [2] (the result channels)}}
  %0 = mpt.conv_transpose2d %x, %w, %b : tensor<1x4x4x4xf32>, tensor<4x2x3x3xf32>, tensor<4xf32> -> tensor<1x2x6x6xf32>
  return
}

// -----

func.func @conv_transpose_size(%x: tensor<1x4x4x4xf32>, %w: tensor<4x2x3x3xf32>) {
  // expected-error @+1 {{'mpt.conv_transpose2d' op result shape [1, 2, 10, 7] does not fit input shape [1, 4, 4, 4]: each spatial size must be 7 to 8, 7 to 8 ((in - 1) * stride - padding + extent + output_padding, 0 <= output_padding < stride)}}
  %0 = mpt.conv_transpose2d %x, %w {strides = array<i64: 2, 2>, padding = array<i64: 1, 1, 1, 1>} : tensor<1x4x4x4xf32>, tensor<4x2x3x3xf32> -> tensor<1x2x10x7xf32>
  return
}

// -----

func.func @conv_transpose_rank(%x: tensor<1x4x4x4xf32>, %w: tensor<4x2x3xf32>) {
  // expected-error @+1 {{'mpt.conv_transpose2d' op weight must have rank 4 (C x F/groups x KH x KW), found rank 3}}
  %0 = mpt.conv_transpose2d %x, %w : tensor<1x4x4x4xf32>, tensor<4x2x3xf32> -> tensor<1x2x6x6xf32>
  return
}

// -----

func.func @conv_channels(%x: tensor<1x3x8x8xf32>, %w: tensor<4x2x3x3xf32>) {
  // expected-error @+1 {{'mpt.conv2d' op weight dim 1 (2) must be the input channels (3) divided by groups (1)}}
  %0 = mpt.conv2d %x, %w : tensor<1x3x8x8xf32>, tensor<4x2x3x3xf32> -> tensor<1x4x6x6xf32>
  return
}

// -----

func.func @conv_groups(%x: tensor<1x4x8x8xf32>, %w: tensor<6x2x3x3xf32>) {
  // expected-error @+1 {{'mpt.conv2d' op groups (4) must be >= 1 and divide the input channels (4) and the output channels (6)}}
  %0 = mpt.conv2d %x, %w {groups = 4 : i64} : tensor<1x4x8x8xf32>, tensor<6x2x3x3xf32> -> tensor<1x6x6x6xf32>
  return
}

// -----

func.func @conv_result(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+1 {{'mpt.conv2d' op result shape [1, 4, 8, 8] must be [1, 4, 3, 3]}}
  %0 = mpt.conv2d %x, %w {strides = array<i64: 2, 2>} : tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32> -> tensor<1x4x8x8xf32>
  return
}

// -----

func.func @conv_rank(%x: tensor<3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+1 {{'mpt.conv2d' op input must have rank 4 (NCHW), found rank 3}}
  %0 = mpt.conv2d %x, %w : tensor<3x8x8xf32>, tensor<4x3x3x3xf32> -> tensor<4x6x6xf32>
  return
}

// -----

func.func @conv_bias(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<3xf32>) {
  // expected-error @+1 {{'mpt.conv2d' op bias shape [3] must be [4] (weight dim 0)}}
  %0 = mpt.conv2d %x, %w, %b : tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<3xf32> -> tensor<1x4x6x6xf32>
  return
}

// -----

func.func @conv_strides(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+1 {{'mpt.conv2d' op strides [0, 1] must be >= 1}}
  %0 = mpt.conv2d %x, %w {strides = array<i64: 0, 1>} : tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32> -> tensor<1x4x6x6xf32>
  return
}

// -----

func.func @conv_padding(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+1 {{'mpt.conv2d' op padding must have 4 entries, found 2}}
  %0 = mpt.conv2d %x, %w {padding = array<i64: 1, 1>} : tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32> -> tensor<1x4x6x6xf32>
  return
}

// -----

func.func @conv_too_small(%x: tensor<1x3x2x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+1 {{'mpt.conv2d' op window of extent 3 does not fit height 2 with padding 0 + 0}}
  %0 = mpt.conv2d %x, %w : tensor<1x3x2x8xf32>, tensor<4x3x3x3xf32> -> tensor<1x4x1x6xf32>
  return
}

// -----

func.func @conv_element_type(%x: tensor<1x3x8x8xf16>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+1 {{'mpt.conv2d' op weight element type 'f32' must match input element type 'f16'}}
  %0 = mpt.conv2d %x, %w : tensor<1x3x8x8xf16>, tensor<4x3x3x3xf32> -> tensor<1x4x6x6xf16>
  return
}

// -----

func.func @conv_input_grad(%dy: tensor<1x4x5x5xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+1 {{'mpt.conv2d_input_grad' op output_grad shape [1, 4, 5, 5] must be [1, 4, 6, 6] (the convolution's output)}}
  %0 = mpt.conv2d_input_grad %dy, %w : tensor<1x4x5x5xf32>, tensor<4x3x3x3xf32> -> tensor<1x3x8x8xf32>
  return
}

// -----

func.func @conv_weight_grad(%x: tensor<1x3x8x8xf32>, %dy: tensor<1x4x6x6xf32>) {
  // expected-error @+1 {{'mpt.conv2d_weight_grad' op weight dim 1 (2) must be the input channels (3) divided by groups (1)}}
  %0 = mpt.conv2d_weight_grad %x, %dy : tensor<1x3x8x8xf32>, tensor<1x4x6x6xf32> -> tensor<4x2x3x3xf32>
  return
}

// -----

func.func @pool_kernel(%x: tensor<1x3x8x8xf32>) {
  // expected-error @+1 {{'mpt.max_pool2d' op kernel must have 2 entries, found 1}}
  %0 = mpt.max_pool2d %x {kernel = array<i64: 2>} : tensor<1x3x8x8xf32> -> tensor<1x3x4x4xf32>
  return
}

// -----

func.func @pool_padding(%x: tensor<1x3x8x8xf32>) {
  // expected-error @+1 {{'mpt.max_pool2d' op padding [2, 0, 0, 0] must be smaller than the window extent [2, 2]}}
  %0 = mpt.max_pool2d %x {kernel = array<i64: 2, 2>, padding = array<i64: 2, 0, 0, 0>} : tensor<1x3x8x8xf32> -> tensor<1x3x9x7xf32>
  return
}

// -----

func.func @pool_result(%x: tensor<1x3x8x8xf32>) {
  // expected-error @+1 {{'mpt.avg_pool2d' op result shape [1, 3, 4, 4] must be [1, 3, 7, 7]}}
  %0 = mpt.avg_pool2d %x {kernel = array<i64: 2, 2>} : tensor<1x3x8x8xf32> -> tensor<1x3x4x4xf32>
  return
}

// -----

func.func @max_pool_grad(%x: tensor<1x3x8x8xf32>, %y: tensor<1x3x3x3xf32>) {
  // expected-error @+1 {{'mpt.max_pool2d_grad' op output shape [1, 3, 3, 3] must be [1, 3, 4, 4] (the pooled input)}}
  %0 = mpt.max_pool2d_grad %x, %y, %y {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>} : tensor<1x3x8x8xf32>, tensor<1x3x3x3xf32>
  return
}

// -----

func.func @avg_pool_grad(%dy: tensor<1x3x3x3xf32>) {
  // expected-error @+1 {{'mpt.avg_pool2d_grad' op output_grad shape [1, 3, 3, 3] must be [1, 3, 4, 4] (the pooled input_grad)}}
  %0 = mpt.avg_pool2d_grad %dy {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>} : tensor<1x3x3x3xf32> -> tensor<1x3x8x8xf32>
  return
}

// -----

func.func @concat_axis(%a: tensor<8x16xf32>, %b: tensor<8x4xf32>) {
  // expected-error @+1 {{'mpt.concat' op axis 2 must be in [-2, 2)}}
  %0 = mpt.concat %a, %b {axis = 2 : i64} : tensor<8x16xf32>, tensor<8x4xf32> -> tensor<8x20xf32>
  return
}

// -----

func.func @concat_shapes(%a: tensor<8x16xf32>, %b: tensor<7x4xf32>) {
  // expected-error @+1 {{'mpt.concat' op input #1 shape [7, 4] must match input #0 shape [8, 16] except in dim 1}}
  %0 = mpt.concat %a, %b {axis = 1 : i64} : tensor<8x16xf32>, tensor<7x4xf32> -> tensor<8x20xf32>
  return
}

// -----

func.func @concat_result(%a: tensor<8x16xf32>, %b: tensor<8x4xf32>) {
  // expected-error @+1 {{'mpt.concat' op result shape [8, 21] must be [8, 20]}}
  %0 = mpt.concat %a, %b {axis = 1 : i64} : tensor<8x16xf32>, tensor<8x4xf32> -> tensor<8x21xf32>
  return
}

// -----

func.func @slice_outside(%a: tensor<8x16xf32>) {
  // expected-error @+1 {{'mpt.slice' op slice of size 7 at offset 4 with stride 2 must lie inside dim 1 of size 16}}
  %0 = mpt.slice %a {offsets = array<i64: 0, 4>, strides = array<i64: 1, 2>} : tensor<8x16xf32> -> tensor<8x7xf32>
  return
}

// -----

func.func @slice_stride(%a: tensor<8x16xf32>) {
  // expected-error @+1 {{'mpt.slice' op strides [1, 0] must be >= 1}}
  %0 = mpt.slice %a {offsets = array<i64: 0, 0>, strides = array<i64: 1, 0>} : tensor<8x16xf32> -> tensor<8x4xf32>
  return
}

// -----

func.func @slice_grad(%d: tensor<8x4xf32>) {
  // expected-error @+1 {{'mpt.slice_grad' op offsets and strides must have one entry per dim (2), found 1 and 2}}
  %0 = mpt.slice_grad %d {offsets = array<i64: 0>, strides = array<i64: 1, 1>} : tensor<8x4xf32> -> tensor<8x16xf32>
  return
}

// -----

func.func @gather_result(%t: tensor<65x32xf32>, %i: tensor<16xi64>) {
  // expected-error @+1 {{'mpt.gather' op result shape [16, 65] must be [16, 32]}}
  %0 = mpt.gather %t, %i : tensor<65x32xf32>, tensor<16xi64> -> tensor<16x65xf32>
  return
}

// -----

func.func @gather_indices(%t: tensor<65x32xf32>, %i: tensor<16xf32>) {
  // expected-error @+1 {{'mpt.gather' op operand #1 must be statically shaped tensor of 32-bit signless integer or 64-bit signless integer values, but got 'tensor<16xf32>'}}
  %0 = mpt.gather %t, %i : tensor<65x32xf32>, tensor<16xf32> -> tensor<16x32xf32>
  return
}

// -----

func.func @gather_grad(%i: tensor<16xi64>, %d: tensor<16x32xf32>) {
  // expected-error @+1 {{'mpt.gather_grad' op axis 2 must be in [0, 2) (the input_grad rank)}}
  %0 = mpt.gather_grad %i, %d {axis = 2 : i64} : tensor<16xi64>, tensor<16x32xf32> -> tensor<65x32xf32>
  return
}

// -----

func.func @gather_elements_rank(%x: tensor<8x16xf32>, %i: tensor<8xi64>) {
  // expected-error @+1 {{'mpt.gather_elements' op indices have rank 1 but input has rank 2; they must be equal}}
  %0 = mpt.gather_elements %x, %i {axis = 1 : i64} : tensor<8x16xf32>, tensor<8xi64> -> tensor<8xf32>
  return
}

// -----

func.func @gather_elements_dims(%x: tensor<8x16xf32>, %i: tensor<4x3xi64>) {
  // expected-error @+1 {{'mpt.gather_elements' op indices shape [4, 3] and input shape [8, 16] must agree on dim 0 (every dim but the axis, 1)}}
  %0 = mpt.gather_elements %x, %i {axis = 1 : i64} : tensor<8x16xf32>, tensor<4x3xi64> -> tensor<4x3xf32>
  return
}

// -----

func.func @gather_elements_result(%x: tensor<8x16xf32>, %i: tensor<8x3xi64>) {
  // expected-error @+1 {{'mpt.gather_elements' op result shape [8, 16] must be [8, 3]}}
  %0 = mpt.gather_elements %x, %i {axis = 1 : i64} : tensor<8x16xf32>, tensor<8x3xi64> -> tensor<8x16xf32>
  return
}

// -----

func.func @gather_elements_grad_shape(%i: tensor<8x3xi64>, %d: tensor<8x4xf32>) {
  // expected-error @+1 {{'mpt.gather_elements_grad' op output_grad shape [8, 4] must be the indices shape [8, 3]}}
  %0 = mpt.gather_elements_grad %i, %d {axis = 1 : i64} : tensor<8x3xi64>, tensor<8x4xf32> -> tensor<8x16xf32>
  return
}

// -----

func.func @top_k_k(%x: tensor<8x16xf32>) {
  // expected-error @+1 {{'mpt.top_k' op k = 17 must be in [1, 16] (the input's size along axis 1)}}
  %0 = mpt.top_k %x {k = 17 : i64} : tensor<8x16xf32> -> tensor<8x17xi64>
  return
}

// -----

func.func @top_k_result(%x: tensor<8x16xf32>) {
  // expected-error @+1 {{'mpt.top_k' op result shape [8, 4] must be [4, 16]}}
  %0 = mpt.top_k %x {k = 4 : i64, axis = 0 : i64} : tensor<8x16xf32> -> tensor<8x4xi64>
  return
}

// -----

func.func @top_k_axis(%x: tensor<8x16xf32>) {
  // expected-error @+1 {{'mpt.top_k' op axis 2 must be in [-2, 2)}}
  %0 = mpt.top_k %x {k = 4 : i64, axis = 2 : i64} : tensor<8x16xf32> -> tensor<8x4xi64>
  return
}

// -----

func.func @pow_broadcast(%x: tensor<16x32xf32>, %e: tensor<16xf32>) {
  // expected-error @+1 {{'mpt.pow' op rhs shape [16] must equal lhs shape [16, 32] or its trailing dims}}
  %0 = mpt.pow %x, %e : tensor<16x32xf32>, tensor<16xf32>
  return
}

// -----

func.func @reduce_max_dims(%x: tensor<16x32xf32>) {
  // expected-error @+1 {{'mpt.reduce_max' op reduced dim 2 must be in [0, 2)}}
  %0 = mpt.reduce_max %x {dims = array<i64: 2>} : tensor<16x32xf32> -> tensor<16xf32>
  return
}

// -----

func.func @reduce_max_grad(%x: tensor<16x32xf32>, %m: tensor<16xf32>) {
  // expected-error @+1 {{'mpt.reduce_max_grad' op output shape [16] must be [16, 1] (the reduced input)}}
  %0 = mpt.reduce_max_grad %x, %m, %m {dims = array<i64: 1>, keep_dims} : tensor<16x32xf32>, tensor<16xf32>
  return
}

// -----

func.func @log_softmax_axis(%x: tensor<16x32xf32>) {
  // expected-error @+1 {{'mpt.log_softmax' op axis 2 must be in [-2, 2)}}
  %0 = mpt.log_softmax %x {axis = 2 : i64} : tensor<16x32xf32>
  return
}

// -----

func.func @cross_entropy_rank(%l: tensor<4x8x10xf32>, %y: tensor<4xi64>) {
  // expected-error @+1 {{'mpt.cross_entropy_loss' op logits must have rank 2 (N x C), found rank 3}}
  %0 = mpt.cross_entropy_loss %l, %y : tensor<4x8x10xf32>, tensor<4xi64>
  return
}

// -----

func.func @cross_entropy_labels(%l: tensor<32x10xf32>, %y: tensor<16xi64>) {
  // expected-error @+1 {{'mpt.cross_entropy_loss' op class-index target shape [16] must be [32] (one index per logits row)}}
  %0 = mpt.cross_entropy_loss %l, %y : tensor<32x10xf32>, tensor<16xi64>
  return
}

// -----

func.func @cross_entropy_probabilities(%l: tensor<32x10xf32>, %y: tensor<32x9xf32>) {
  // expected-error @+1 {{'mpt.cross_entropy_loss' op probability target shape [32, 9] must match logits shape [32, 10]}}
  %0 = mpt.cross_entropy_loss %l, %y : tensor<32x10xf32>, tensor<32x9xf32>
  return
}

// -----

func.func @cross_entropy_grad(%l: tensor<32x10xf32>, %y: tensor<32x10xf16>, %dl: f32) {
  // expected-error @+1 {{'mpt.cross_entropy_loss_grad' op target element type 'f16' must match logits element type 'f32'}}
  %0 = mpt.cross_entropy_loss_grad %l, %y, %dl : tensor<32x10xf32>, tensor<32x10xf16>
  return
}
