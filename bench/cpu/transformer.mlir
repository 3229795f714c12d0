// One pre-norm transformer block with a regression head, trained with Adam:
// batch 8, sequence 128, width 256, 4 heads of 64, MLP width
// 1024 (bench/cpu/models.py; torch_models.py builds it in PyTorch).
mpt.train_step @bench_transformer
    params(%ln1_gamma: tensor<256xf32>, %ln1_beta: tensor<256xf32>,
           %wq: tensor<256x256xf32>, %bq: tensor<256xf32>, %wk: tensor<256x256xf32>, %bk: tensor<256xf32>,
           %wv: tensor<256x256xf32>, %bv: tensor<256xf32>, %wo: tensor<256x256xf32>, %bo: tensor<256xf32>,
           %ln2_gamma: tensor<256xf32>, %ln2_beta: tensor<256xf32>,
           %w1: tensor<256x1024xf32>, %b1: tensor<1024xf32>,
           %w2: tensor<1024x256xf32>, %b2: tensor<256xf32>,
           %w_head: tensor<256x1xf32>, %b_head: tensor<1xf32>)
    batch(%x: tensor<8x128x256xf32>, %y: tensor<8x128x1xf32>, %inv_sqrt_head_dim: tensor<f32>)
    optimizer(#mpt.adam<lr = 1.000000e-03>) {
  %n1 = mpt.layer_norm %x, %ln1_gamma, %ln1_beta : tensor<8x128x256xf32>, tensor<256xf32>, tensor<256xf32>
  %q = mpt.linear %n1, %wq, %bq : tensor<8x128x256xf32>, tensor<256x256xf32>, tensor<256xf32> -> tensor<8x128x256xf32>
  %q_split = mpt.reshape %q : tensor<8x128x256xf32> -> tensor<8x128x4x64xf32>
  %q_heads = mpt.transpose %q_split {permutation = array<i64: 0, 2, 1, 3>} : tensor<8x128x4x64xf32> -> tensor<8x4x128x64xf32>
  %k = mpt.linear %n1, %wk, %bk : tensor<8x128x256xf32>, tensor<256x256xf32>, tensor<256xf32> -> tensor<8x128x256xf32>
  %k_split = mpt.reshape %k : tensor<8x128x256xf32> -> tensor<8x128x4x64xf32>
  %k_heads = mpt.transpose %k_split {permutation = array<i64: 0, 2, 1, 3>} : tensor<8x128x4x64xf32> -> tensor<8x4x128x64xf32>
  %v = mpt.linear %n1, %wv, %bv : tensor<8x128x256xf32>, tensor<256x256xf32>, tensor<256xf32> -> tensor<8x128x256xf32>
  %v_split = mpt.reshape %v : tensor<8x128x256xf32> -> tensor<8x128x4x64xf32>
  %v_heads = mpt.transpose %v_split {permutation = array<i64: 0, 2, 1, 3>} : tensor<8x128x4x64xf32> -> tensor<8x4x128x64xf32>
  %scores = mpt.matmul %q_heads, %k_heads {transpose_rhs} : tensor<8x4x128x64xf32>, tensor<8x4x128x64xf32> -> tensor<8x4x128x128xf32>
  %scaled = mpt.mul %scores, %inv_sqrt_head_dim : tensor<8x4x128x128xf32>, tensor<f32>
  %probs = mpt.softmax %scaled : tensor<8x4x128x128xf32>
  %context = mpt.matmul %probs, %v_heads : tensor<8x4x128x128xf32>, tensor<8x4x128x64xf32> -> tensor<8x4x128x64xf32>
  %context_t = mpt.transpose %context {permutation = array<i64: 0, 2, 1, 3>} : tensor<8x4x128x64xf32> -> tensor<8x128x4x64xf32>
  %merged = mpt.reshape %context_t : tensor<8x128x4x64xf32> -> tensor<8x128x256xf32>
  %attn = mpt.linear %merged, %wo, %bo : tensor<8x128x256xf32>, tensor<256x256xf32>, tensor<256xf32> -> tensor<8x128x256xf32>
  %r1 = mpt.add %x, %attn : tensor<8x128x256xf32>, tensor<8x128x256xf32>
  %n2 = mpt.layer_norm %r1, %ln2_gamma, %ln2_beta : tensor<8x128x256xf32>, tensor<256xf32>, tensor<256xf32>
  %h = mpt.linear %n2, %w1, %b1 : tensor<8x128x256xf32>, tensor<256x1024xf32>, tensor<1024xf32> -> tensor<8x128x1024xf32>
  %g = mpt.gelu %h : tensor<8x128x1024xf32>
  %mlp = mpt.linear %g, %w2, %b2 : tensor<8x128x1024xf32>, tensor<1024x256xf32>, tensor<256xf32> -> tensor<8x128x256xf32>
  %r2 = mpt.add %r1, %mlp : tensor<8x128x256xf32>, tensor<8x128x256xf32>
  %pred = mpt.linear %r2, %w_head, %b_head : tensor<8x128x256xf32>, tensor<256x1xf32>, tensor<1xf32> -> tensor<8x128x1xf32>
  %loss = mpt.mse_loss %pred, %y : tensor<8x128x1xf32>, tensor<8x128x1xf32>
  mpt.loss %loss
}
