"""A host-side model of the wgmma GEMM's shared-memory layout, descriptors
and accumulator mapping (lib/Conversion/GPU/WgmmaGemm.cpp, StagedTiles.cpp),
checked against the PTX ISA's definitions, since no GPU runs the kernel here.

The lowering's formulas are restated below; the PTX ISA's are written from
its tables independently of them:

- "Canonical Layouts" (no swizzle), in elements, T = 16 bytes of elements:
  K-major  ((8,m),(T,2k)):((1T,SBO),(1,LBO))
  MN-major ((T,1,m),(8,k)):((1,T,SBO),(1T,LBO))
- "Matrix Descriptor Format": start address >> 4 in bits 0-13, leading byte
  offset >> 4 in bits 16-29, stride byte offset >> 4 in bits 32-45, swizzle
  mode 0 (none) in bits 62-63;
- the wgmma D fragment of m64nNk16: warp w of the warpgroup, lane 4g + t,
  register i hold row 16w + g + 8 ((i % 4) / 2), column 8 (i / 4) + 2t + i % 2.

Prints the descriptor's constant bits for each operand, which the PTX test
finds in the kernels, and exits non-zero on the first mismatch. The IR test
(linalg-to-gpu.mlir, WGMMA) pins the lowering's side: the tile offsets'
constants and the registers' initial elements.
"""

import sys
from collections import Counter

ELEMENT_BYTES = 2  # f16, bf16
CHUNK = 16 // ELEMENT_BYTES  # elements of a 16-byte line
TILE_M = TILE_N = 128
TILE_K = 32
STAGES = 4
INSTR_M, INSTR_N, INSTR_K = 64, 128, 16
THREADS = 256


class Tile:
    """A staged tile as makeStagedTile makes it: rows x cols, cols along the
    operand's contiguous dimension (k when along_k)."""

    def __init__(self, extent, along_k):
        self.along_k = along_k
        self.rows = extent if along_k else TILE_K
        self.cols = TILE_K if along_k else extent
        self.extent = extent

    def stage_elements(self):
        return self.rows * self.cols

    # coreMatrixStrides
    def strides(self):
        outer_per_matrix = 8 if self.along_k else CHUNK
        return self.extent // outer_per_matrix * 128, 128

    # coreMatrixOffset, in elements
    def offset(self, stage, row, col):
        leading, stride = self.strides()
        line, within = row % 8, col % CHUNK
        row_matrix, col_matrix = row // 8, col // CHUNK
        outer_matrix = row_matrix if self.along_k else col_matrix
        k_matrix = col_matrix if self.along_k else row_matrix
        return (stage * self.stage_elements()
                + outer_matrix * (stride // ELEMENT_BYTES)
                + k_matrix * (leading // ELEMENT_BYTES)
                + line * CHUNK + within)

    def offset_of(self, stage, outer, k):
        return (self.offset(stage, outer, k) if self.along_k
                else self.offset(stage, k, outer))

    # descriptor(): the constant bits and the whole descriptor
    def descriptor_bits(self):
        leading, stride = self.strides()
        return (leading >> 4) << 16 | (stride >> 4) << 32

    def descriptor(self, tile_byte, stage, outer, k):
        byte = tile_byte + self.offset_of(stage, outer, k) * ELEMENT_BYTES
        return ((byte & 0x3FFFF) >> 4) | self.descriptor_bits()


def fail(message):
    print("FAIL:", message)
    sys.exit(1)


def canonical_byte(descriptor, along_k, outer, k):
    """The byte the ISA's canonical layout (no swizzle) gives element
    (outer, k) of the matrix a descriptor describes."""
    if descriptor >> 62 != 0:
        fail("swizzle mode is not 0")
    start = (descriptor & 0x3FFF) << 4
    leading = ((descriptor >> 16) & 0x3FFF) << 4
    stride = ((descriptor >> 32) & 0x3FFF) << 4
    t = CHUNK
    if along_k:  # ((8,m),(T,2k)):((1T,SBO),(1,LBO)), outer = the m mode
        elements = ((outer % 8) * t + k % t
                    + (outer // 8) * stride // ELEMENT_BYTES
                    + (k // t) * leading // ELEMENT_BYTES)
    else:  # ((T,1,m),(8,k)):((1,T,SBO),(1T,LBO))
        elements = (outer % t + (outer // t) * stride // ELEMENT_BYTES
                    + (k % 8) * t + (k // 8) * leading // ELEMENT_BYTES)
    return start + elements * ELEMENT_BYTES


def check_descriptors(tile, instr_outer, warpgroups, tile_byte):
    """Every element each wgmma reads is the one the copies stored there."""
    for stage in range(STAGES):
        for group in range(warpgroups):
            outer0 = group * instr_outer
            for k0 in range(0, TILE_K, INSTR_K):
                desc = tile.descriptor(tile_byte, stage, outer0, k0)
                for outer in range(instr_outer):
                    for k in range(INSTR_K):
                        stored = (tile_byte + tile.offset_of(
                            stage, outer0 + outer, k0 + k) * ELEMENT_BYTES)
                        read = canonical_byte(desc, tile.along_k, outer, k)
                        if stored != read:
                            fail(f"stage {stage} group {group} k0 {k0}: "
                                 f"element ({outer}, {k}) stored at {stored}"
                                 f", read at {read}")


def check_copies(tile):
    """emitStagedTileCopy's core-matrix mapping writes each element of a
    stage once, and each warp's 32 lines fill each 16-byte bank slot 4
    times."""
    vectors_per_row = tile.cols // CHUNK
    pieces_per_row = vectors_per_row // 4
    written = Counter()
    for first in range(0, tile.stage_elements(), THREADS * CHUNK):
        for warp in range(THREADS // 32):
            slots = Counter()
            for lane in range(32):
                v = warp * 32 + lane + first // CHUNK
                piece, in_piece = v // 32, v % 32
                r = piece // pieces_per_row * 8 + in_piece % 8
                c = ((piece % pieces_per_row) * 4 + in_piece // 8) * CHUNK
                byte = tile.offset(0, r, c) * ELEMENT_BYTES
                if byte % 16:
                    fail("a copy is not 16-byte aligned")
                slots[byte % 128 // 16] += 1
                for e in range(CHUNK):
                    written[(r, c + e)] += 1
            if sorted(slots.values()) != [4] * 8:
                fail(f"warp {warp} writes bank slots {dict(slots)}")
    if len(written) != tile.stage_elements() or set(written.values()) != {1}:
        fail("the copies do not write each element of a stage once")
    offsets = {tile.offset(0, r, c) for r in range(tile.rows)
               for c in range(tile.cols)}
    if offsets != set(range(tile.stage_elements())):
        fail("the layout is not a permutation of the stage")


def check_accumulators():
    """The prologue's register -> element mapping (WgmmaGemm.cpp), the
    epilogue's (4 registers per mma.sync fragment, storeWarpResults) and the
    ISA's wgmma D layout agree, and cover the 128x128 tile once."""
    seen = Counter()
    for tid in range(THREADS):
        warp, lane = tid // 32, tid % 32
        group, warp_in_group = warp // 4, warp % 4
        g, t = lane // 4, lane % 4
        warp_m = group * INSTR_M + warp_in_group * 16
        for i in range(INSTR_M * INSTR_N // 128):
            prologue = (warp_m + g + 8 * ((i % 4) // 2),
                        8 * (i // 4) + 2 * t + i % 2)
            # Epilogue: slice col0 = 32 (i // 16), fragment j = (i // 4) % 4,
            # element e = i % 4 at row g + 8 (e / 2), column 8j + 2t + e % 2.
            j, e = (i // 4) % 4, i % 4
            epilogue = (warp_m + g + 8 * (e // 2),
                        32 * (i // 16) + 8 * j + 2 * t + e % 2)
            isa = (64 * group + 16 * warp_in_group + lane // 4
                   + 8 * ((i % 4) // 2),
                   (lane % 4) * 2 + i % 2 + 8 * (i // 4))
            if not prologue == epilogue == isa:
                fail(f"thread {tid} register {i}: prologue {prologue}, "
                     f"epilogue {epilogue}, ISA {isa}")
            seen[isa] += 1
    if len(seen) != TILE_M * TILE_N or set(seen.values()) != {1}:
        fail("the accumulators do not cover the tile once")


def main():
    lhs_bytes = STAGES * TILE_M * TILE_K * ELEMENT_BYTES
    # The dynamic shared memory starts at some 16-byte aligned address.
    for base in (0, 16, 0x400):
        for along_k in (True, False):
            lhs = Tile(TILE_M, along_k)
            rhs = Tile(TILE_N, along_k)
            check_descriptors(lhs, INSTR_M, TILE_M // INSTR_M, base)
            check_descriptors(rhs, INSTR_N, 1, base + lhs_bytes)
            check_copies(lhs)
            check_copies(rhs)
    check_accumulators()
    for along_k in (True, False):
        name = "K-major" if along_k else "MN-major"
        tile = Tile(TILE_M, along_k)
        leading, stride = tile.strides()
        print(f"{name}: leading {leading} stride {stride} "
              f"descriptor bits {tile.descriptor_bits()}")
    print("OK")


if __name__ == "__main__":
    main()
