// One pre-norm transformer block with a regression head, trained with Adam:
// batch 16, sequence 128, width 128, 8 heads of 16, MLP width
// 512: `bench/cpu/models.py transformer --batch 16 --seq 128 --width 128
// --heads 8 --mlp 512`, the GPU benchmark's block at 1/8 of its width and
// 1/4 of its sequence, its scores as large against its activations.
mpt.train_step @bench_transformer
    params(%ln1_gamma: tensor<128xf32>, %ln1_beta: tensor<128xf32>,
           %wq: tensor<128x128xf32>, %bq: tensor<128xf32>, %wk: tensor<128x128xf32>, %bk: tensor<128xf32>,
           %wv: tensor<128x128xf32>, %bv: tensor<128xf32>, %wo: tensor<128x128xf32>, %bo: tensor<128xf32>,
           %ln2_gamma: tensor<128xf32>, %ln2_beta: tensor<128xf32>,
           %w1: tensor<128x512xf32>, %b1: tensor<512xf32>,
           %w2: tensor<512x128xf32>, %b2: tensor<128xf32>,
           %w_head: tensor<128x1xf32>, %b_head: tensor<1xf32>)
    batch(%x: tensor<16x128x128xf32>, %y: tensor<16x128x1xf32>, %inv_sqrt_head_dim: tensor<f32>)
    optimizer(#mpt.adam<lr = 1.000000e-03>) {
  %n1 = mpt.layer_norm %x, %ln1_gamma, %ln1_beta : tensor<16x128x128xf32>, tensor<128xf32>, tensor<128xf32>
  %q = mpt.linear %n1, %wq, %bq : tensor<16x128x128xf32>, tensor<128x128xf32>, tensor<128xf32> -> tensor<16x128x128xf32>
  %q_split = mpt.reshape %q : tensor<16x128x128xf32> -> tensor<16x128x8x16xf32>
  %q_heads = mpt.transpose %q_split {permutation = array<i64: 0, 2, 1, 3>} : tensor<16x128x8x16xf32> -> tensor<16x8x128x16xf32>
  %k = mpt.linear %n1, %wk, %bk : tensor<16x128x128xf32>, tensor<128x128xf32>, tensor<128xf32> -> tensor<16x128x128xf32>
  %k_split = mpt.reshape %k : tensor<16x128x128xf32> -> tensor<16x128x8x16xf32>
  %k_heads = mpt.transpose %k_split {permutation = array<i64: 0, 2, 1, 3>} : tensor<16x128x8x16xf32> -> tensor<16x8x128x16xf32>
  %v = mpt.linear %n1, %wv, %bv : tensor<16x128x128xf32>, tensor<128x128xf32>, tensor<128xf32> -> tensor<16x128x128xf32>
  %v_split = mpt.reshape %v : tensor<16x128x128xf32> -> tensor<16x128x8x16xf32>
  %v_heads = mpt.transpose %v_split {permutation = array<i64: 0, 2, 1, 3>} : tensor<16x128x8x16xf32> -> tensor<16x8x128x16xf32>
  %scores = mpt.matmul %q_heads, %k_heads {transpose_rhs} : tensor<16x8x128x16xf32>, tensor<16x8x128x16xf32> -> tensor<16x8x128x128xf32>
  %scaled = mpt.mul %scores, %inv_sqrt_head_dim : tensor<16x8x128x128xf32>, tensor<f32>
  %probs = mpt.softmax %scaled : tensor<16x8x128x128xf32>
  %context = mpt.matmul %probs, %v_heads : tensor<16x8x128x128xf32>, tensor<16x8x128x16xf32> -> tensor<16x8x128x16xf32>
  %context_t = mpt.transpose %context {permutation = array<i64: 0, 2, 1, 3>} : tensor<16x8x128x16xf32> -> tensor<16x128x8x16xf32>
  %merged = mpt.reshape %context_t : tensor<16x128x8x16xf32> -> tensor<16x128x128xf32>
  %attn = mpt.linear %merged, %wo, %bo : tensor<16x128x128xf32>, tensor<128x128xf32>, tensor<128xf32> -> tensor<16x128x128xf32>
  %r1 = mpt.add %x, %attn : tensor<16x128x128xf32>, tensor<16x128x128xf32>
  %n2 = mpt.layer_norm %r1, %ln2_gamma, %ln2_beta : tensor<16x128x128xf32>, tensor<128xf32>, tensor<128xf32>
  %h = mpt.linear %n2, %w1, %b1 : tensor<16x128x128xf32>, tensor<128x512xf32>, tensor<512xf32> -> tensor<16x128x512xf32>
  %g = mpt.gelu %h : tensor<16x128x512xf32>
  %mlp = mpt.linear %g, %w2, %b2 : tensor<16x128x512xf32>, tensor<512x128xf32>, tensor<128xf32> -> tensor<16x128x128xf32>
  %r2 = mpt.add %r1, %mlp : tensor<16x128x128xf32>, tensor<16x128x128xf32>
  %pred = mpt.linear %r2, %w_head, %b_head : tensor<16x128x128xf32>, tensor<128x1xf32>, tensor<1xf32> -> tensor<16x128x1xf32>
  %loss = mpt.mse_loss %pred, %y : tensor<16x128x1xf32>, tensor<16x128x1xf32>
  mpt.loss %loss
}
