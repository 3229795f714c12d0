// One pre-norm transformer block with a regression head, trained with Adam:
// batch 4, sequence 16, model width 32, 4 attention heads of width 8, MLP
// width 64. The heads are split with reshape + transpose and run as batch
// dims of mpt.matmul. `inv_sqrt_head_dim` is the attention temperature
// 1/sqrt(8), fed as a rank-0 input that mpt.mul broadcasts.
// See its mixed-precision form with
// `mpt-opt --auto-mixed-precision=report=true examples/transformer_block.mlir`.
module {
  mpt.train_step @transformer_block
      params(%ln1_gamma: tensor<32xf32>, %ln1_beta: tensor<32xf32>,
             %wq: tensor<32x32xf32>, %bq: tensor<32xf32>,
             %wk: tensor<32x32xf32>, %bk: tensor<32xf32>,
             %wv: tensor<32x32xf32>, %bv: tensor<32xf32>,
             %wo: tensor<32x32xf32>, %bo: tensor<32xf32>,
             %ln2_gamma: tensor<32xf32>, %ln2_beta: tensor<32xf32>,
             %w1: tensor<32x64xf32>, %b1: tensor<64xf32>,
             %w2: tensor<64x32xf32>, %b2: tensor<32xf32>,
             %w_head: tensor<32x1xf32>, %b_head: tensor<1xf32>)
      batch(%x: tensor<4x16x32xf32>, %y: tensor<4x16x1xf32>,
            %inv_sqrt_head_dim: tensor<f32>)
      optimizer(#mpt.adam<lr = 1.000000e-03>) {
    // Attention sublayer: x + Wo·attention(LN(x)).
    %n1 = mpt.layer_norm %x, %ln1_gamma, %ln1_beta : tensor<4x16x32xf32>, tensor<32xf32>, tensor<32xf32>
    %q = mpt.linear %n1, %wq, %bq : tensor<4x16x32xf32>, tensor<32x32xf32>, tensor<32xf32> -> tensor<4x16x32xf32>
    %k = mpt.linear %n1, %wk, %bk : tensor<4x16x32xf32>, tensor<32x32xf32>, tensor<32xf32> -> tensor<4x16x32xf32>
    %v = mpt.linear %n1, %wv, %bv : tensor<4x16x32xf32>, tensor<32x32xf32>, tensor<32xf32> -> tensor<4x16x32xf32>
    // [batch, seq, heads * head_dim] -> [batch, heads, seq, head_dim]
    %q_split = mpt.reshape %q : tensor<4x16x32xf32> -> tensor<4x16x4x8xf32>
    %q_heads = mpt.transpose %q_split {permutation = array<i64: 0, 2, 1, 3>} : tensor<4x16x4x8xf32> -> tensor<4x4x16x8xf32>
    %k_split = mpt.reshape %k : tensor<4x16x32xf32> -> tensor<4x16x4x8xf32>
    %k_heads = mpt.transpose %k_split {permutation = array<i64: 0, 2, 1, 3>} : tensor<4x16x4x8xf32> -> tensor<4x4x16x8xf32>
    %v_split = mpt.reshape %v : tensor<4x16x32xf32> -> tensor<4x16x4x8xf32>
    %v_heads = mpt.transpose %v_split {permutation = array<i64: 0, 2, 1, 3>} : tensor<4x16x4x8xf32> -> tensor<4x4x16x8xf32>
    // softmax(Q·K^T / sqrt(head_dim))·V for every (batch, head).
    %scores = mpt.matmul %q_heads, %k_heads {transpose_rhs} : tensor<4x4x16x8xf32>, tensor<4x4x16x8xf32> -> tensor<4x4x16x16xf32>
    %scaled = mpt.mul %scores, %inv_sqrt_head_dim : tensor<4x4x16x16xf32>, tensor<f32>
    %probs = mpt.softmax %scaled : tensor<4x4x16x16xf32>
    %context = mpt.matmul %probs, %v_heads : tensor<4x4x16x16xf32>, tensor<4x4x16x8xf32> -> tensor<4x4x16x8xf32>
    // [batch, heads, seq, head_dim] -> [batch, seq, heads * head_dim]
    %context_t = mpt.transpose %context {permutation = array<i64: 0, 2, 1, 3>} : tensor<4x4x16x8xf32> -> tensor<4x16x4x8xf32>
    %merged = mpt.reshape %context_t : tensor<4x16x4x8xf32> -> tensor<4x16x32xf32>
    %attn = mpt.linear %merged, %wo, %bo : tensor<4x16x32xf32>, tensor<32x32xf32>, tensor<32xf32> -> tensor<4x16x32xf32>
    %r1 = mpt.add %x, %attn : tensor<4x16x32xf32>, tensor<4x16x32xf32>
    // MLP sublayer: r1 + W2·gelu(W1·LN(r1)).
    %n2 = mpt.layer_norm %r1, %ln2_gamma, %ln2_beta : tensor<4x16x32xf32>, tensor<32xf32>, tensor<32xf32>
    %h = mpt.linear %n2, %w1, %b1 : tensor<4x16x32xf32>, tensor<32x64xf32>, tensor<64xf32> -> tensor<4x16x64xf32>
    %g = mpt.gelu %h : tensor<4x16x64xf32>
    %mlp = mpt.linear %g, %w2, %b2 : tensor<4x16x64xf32>, tensor<64x32xf32>, tensor<32xf32> -> tensor<4x16x32xf32>
    %r2 = mpt.add %r1, %mlp : tensor<4x16x32xf32>, tensor<4x16x32xf32>
    // Regression head: one value per token against the target.
    %pred = mpt.linear %r2, %w_head, %b_head : tensor<4x16x32xf32>, tensor<32x1xf32>, tensor<1xf32> -> tensor<4x16x1xf32>
    %loss = mpt.mse_loss %pred, %y : tensor<4x16x1xf32>, tensor<4x16x1xf32>
    mpt.loss %loss
  }
}
