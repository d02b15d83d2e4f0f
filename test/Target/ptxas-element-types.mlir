// REQUIRES: ptxas
// RUN: pq-opt %S/../Conversion/PQToGPU/element-types-nvvm.mlir --pq-lower-to-ptx="target=sm_80 max-seq-len=4096" -o %t.row.mlir
// RUN: %python -c 'import re,sys; t=open(sys.argv[1]).read(); a=re.search(r"assembly = \"([^\"]*)\"", t).group(1); open(sys.argv[2], "w").write(re.sub(r"\\([0-9A-Fa-f]{2})", lambda m: chr(int(m.group(1), 16)), a))' %t.row.mlir %t.row.ptx
// RUN: %ptxas -arch=sm_80 -v %t.row.ptx -o %t.row.cubin > %t.row.log 2>&1
// RUN: FileCheck %s --check-prefix=ROW --input-file=%t.row.log
// RUN: not grep -E "[1-9][0-9]* bytes (stack frame|spill)" %t.row.log
// RUN: pq-opt %S/../Conversion/PQToGPU/element-types-nvvm.mlir --pq-lower-to-ptx="target=sm_90 max-seq-len=4096 cluster-size=16" -o %t.cluster.mlir
// RUN: %python -c 'import re,sys; t=open(sys.argv[1]).read(); a=re.search(r"assembly = \"([^\"]*)\"", t).group(1); open(sys.argv[2], "w").write(re.sub(r"\\([0-9A-Fa-f]{2})", lambda m: chr(int(m.group(1), 16)), a))' %t.cluster.mlir %t.cluster.ptx
// RUN: %ptxas -arch=sm_90 -v %t.cluster.ptx -o %t.cluster.cubin > %t.cluster.log 2>&1
// RUN: FileCheck %s --check-prefix=CLUSTER --input-file=%t.cluster.log
// RUN: not grep -E "[1-9][0-9]* bytes (stack frame|spill)" %t.cluster.log
// RUN: pq-opt %S/../Conversion/PQToGPU/element-types-nvvm.mlir --pq-lower-to-ptx="target=sm_80" -o %t.split.mlir
// RUN: %python -c 'import re,sys; t=open(sys.argv[1]).read(); a=re.search(r"assembly = \"([^\"]*)\"", t).group(1); open(sys.argv[2], "w").write(re.sub(r"\\([0-9A-Fa-f]{2})", lambda m: chr(int(m.group(1), 16)), a))' %t.split.mlir %t.split.ptx
// RUN: %ptxas -arch=sm_80 -v %t.split.ptx -o %t.split.cubin > %t.split.log 2>&1
// RUN: FileCheck %s --check-prefix=SPLIT --input-file=%t.split.log
// RUN: not grep -E "[1-9][0-9]* bytes (stack frame|spill)" %t.split.log

// ptxas takes the kernels of every element-type configuration
// (Conversion/PQToGPU/element-types-nvvm.mlir), as row and split kernels
// for sm_80 and as cluster kernels for sm_90, without stack or spills. The
// PTX is the gpu.binary's object text, unescaped.

// ROW-COUNT-8:   0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
// ROW-NOT:       Function properties
// CLUSTER-COUNT-8: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
// CLUSTER-NOT:     Function properties
// SPLIT-COUNT-16: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
// SPLIT-NOT:      Function properties
