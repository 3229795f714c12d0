// RUN: mpt-opt --mpt-cpu-vectorize --split-input-file --verify-diagnostics %s

// A pack whose tiles are only known at run time has no static copy.
func.func @dynamic_pack_tiles(%a: tensor<16x64xf32>, %tile: index, %e: tensor<?x64x?xf32>) -> tensor<?x64x?xf32> {
  // expected-error @below {{could not be lowered to a copy; expected a pack of a tensor with static inner tiles}}
  %p = linalg.pack %a inner_dims_pos = [0] inner_tiles = [%tile] into %e : tensor<16x64xf32> -> tensor<?x64x?xf32>
  return %p : tensor<?x64x?xf32>
}
