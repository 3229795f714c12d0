// A bigram model of 12 tokens: an embedding table, a linear layer and the
// cross-entropy against integer labels; both batch inputs are integers.
module {
  mpt.train_step @bigram
      params(%table: tensor<12x8xf32>, %w: tensor<8x12xf32>, %b: tensor<12xf32>)
      batch(%tokens: tensor<4x3xi32>, %next: tensor<4x3xi64>)
      optimizer(#mpt.sgd<lr = 5.000000e-01>) {
    %e = mpt.gather %table, %tokens : tensor<12x8xf32>, tensor<4x3xi32> -> tensor<4x3x8xf32>
    %rows = mpt.reshape %e : tensor<4x3x8xf32> -> tensor<12x8xf32>
    %h = mpt.matmul %rows, %w : tensor<12x8xf32>, tensor<8x12xf32> -> tensor<12x12xf32>
    %logits = mpt.add %h, %b : tensor<12x12xf32>, tensor<12xf32>
    %labels = tensor.collapse_shape %next [[0, 1]] : tensor<4x3xi64> into tensor<12xi64>
    %l = mpt.cross_entropy_loss %logits, %labels : tensor<12x12xf32>, tensor<12xi64>
    mpt.loss %l
  }
}
