# -*- Python -*-
# lit configuration for the pq compiler tests.

import os

import lit.formats
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "PQ"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
config.excludes = ["CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py", "unit"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.pq_obj_root, "test")

config.environment["FILECHECK_OPTS"] = "--enable-var-scope"
config.substitutions.append(("%examples", os.path.join(config.pq_src_root, "examples")))
config.substitutions.append(("%pq_src_root", config.pq_src_root))

llvm_config.use_default_substitutions()
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)

tool_dirs = [config.pq_tools_dir, config.llvm_tools_dir]
tools = ["pq-opt", ToolSubst("pq-compile", unresolved="ignore")]
llvm_config.add_tool_substitutions(tools, tool_dirs)

# ptxas validates generated PTX when the CUDA toolkit is installed.
if config.ptxas and os.path.exists(config.ptxas):
    config.available_features.add("ptxas")
    config.substitutions.append(("%ptxas", config.ptxas))
