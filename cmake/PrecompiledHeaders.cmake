# Precompiled headers.
#
# Most of MPT's compile time goes to parsing the same MLIR and LLVM headers
# in every source file: a 160-line conversion file spends about 44 of its
# 50 seconds in them. One precompiled header of the common ones, built once
# per build folder, serves every library and tool compiled with LLVM's flags;
# mpt-import, built with exceptions and RTTI for ONNX, has one of its own.
#
# The precompiled headers hold external headers only: changing an MPT header
# rebuilds what includes it, never the precompiled header.

option(MPT_PRECOMPILED_HEADERS
  "Precompile the MLIR, LLVM and ONNX headers that most sources include" ON)

# Headers that MPT's libraries and tools include most, and those that cost
# most to parse (the LLVM, NVVM, GPU, Affine and Linalg dialects).
set(MPT_COMMON_HEADERS
  <llvm/ADT/DenseMap.h>
  <llvm/ADT/MapVector.h>
  <llvm/ADT/STLExtras.h>
  <llvm/ADT/SmallVector.h>
  <llvm/ADT/StringExtras.h>
  <llvm/ADT/StringMap.h>
  <llvm/ADT/StringSet.h>
  <llvm/ADT/TypeSwitch.h>
  <llvm/Support/MathExtras.h>
  <llvm/Support/raw_ostream.h>
  <mlir/Dialect/Affine/IR/AffineOps.h>
  <mlir/Dialect/Arith/IR/Arith.h>
  <mlir/Dialect/Bufferization/IR/Bufferization.h>
  <mlir/Dialect/Func/IR/FuncOps.h>
  <mlir/Dialect/GPU/IR/GPUDialect.h>
  <mlir/Dialect/LLVMIR/LLVMDialect.h>
  <mlir/Dialect/LLVMIR/NVVMDialect.h>
  <mlir/Dialect/Linalg/IR/Linalg.h>
  <mlir/Dialect/Linalg/Transforms/Transforms.h>
  <mlir/Dialect/Math/IR/Math.h>
  <mlir/Dialect/MemRef/IR/MemRef.h>
  <mlir/Dialect/SCF/IR/SCF.h>
  <mlir/Dialect/Tensor/IR/Tensor.h>
  <mlir/Dialect/Vector/IR/VectorOps.h>
  <mlir/IR/Builders.h>
  <mlir/IR/BuiltinOps.h>
  <mlir/IR/IRMapping.h>
  <mlir/IR/PatternMatch.h>
  <mlir/IR/SymbolTable.h>
  <mlir/Interfaces/SideEffectInterfaces.h>
  <mlir/Pass/Pass.h>
  <mlir/Pass/PassManager.h>
  <mlir/Transforms/DialectConversion.h>
)

set(MPT_IMPORT_HEADERS
  <llvm/ADT/STLExtras.h>
  <llvm/ADT/StringExtras.h>
  <llvm/ADT/StringSet.h>
  <llvm/Support/raw_ostream.h>
  <mlir/Dialect/Arith/IR/Arith.h>
  <mlir/Dialect/Func/IR/FuncOps.h>
  <mlir/Dialect/Tensor/IR/Tensor.h>
  <mlir/IR/Builders.h>
  <mlir/IR/BuiltinAttributes.h>
  <mlir/IR/BuiltinOps.h>
  <mlir/IR/TypeUtilities.h>
  <mlir/Interfaces/InferTypeOpInterface.h>
  <mlir/Interfaces/SideEffectInterfaces.h>
  <onnx/onnx_pb.h>
)

if(MPT_PRECOMPILED_HEADERS)
  # A target of its own builds the common precompiled header; it must be
  # compiled with the same flags as the targets that reuse it, so it is
  # created after HandleLLVMOptions has set them.
  set(pch_source "${CMAKE_BINARY_DIR}/cmake/MPTPrecompiledHeaders.cpp")
  file(CONFIGURE OUTPUT "${pch_source}"
    CONTENT "// Builds the precompiled header shared by MPT's targets.\n")
  add_library(MPTPrecompiledHeaders OBJECT "${pch_source}")
  llvm_update_compile_flags(MPTPrecompiledHeaders)
  target_precompile_headers(MPTPrecompiledHeaders PRIVATE ${MPT_COMMON_HEADERS})
endif()

# mpt_use_precompiled_headers(<target>... [FROM <target>])
#   Compiles the C++ sources of each target with the common precompiled
#   header, or with the one of the FROM target; for a library made by
#   add_mlir_library, its object library does the compiling.
function(mpt_use_precompiled_headers)
  if(NOT MPT_PRECOMPILED_HEADERS)
    return()
  endif()
  cmake_parse_arguments(ARG "" "FROM" "" ${ARGN})
  if(NOT ARG_FROM)
    set(ARG_FROM MPTPrecompiledHeaders)
  endif()
  foreach(target ${ARG_UNPARSED_ARGUMENTS})
    if(TARGET obj.${target})
      set(target obj.${target})
    endif()
    target_precompile_headers(${target} REUSE_FROM ${ARG_FROM})
  endforeach()
endfunction()
