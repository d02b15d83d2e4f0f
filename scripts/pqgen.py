"""Writes pq programs (the dialect's text form) for a step configuration.

Shared by the scripts that make test and benchmark bundles."""
import importlib.util
import os
import subprocess


def _load_generator():
    # The package's generator, loaded by path: the scripts run without the
    # package installed (python/src/pq/_program.py imports nothing from it).
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                        "python", "src", "pq", "_program.py")
    spec = importlib.util.spec_from_file_location("pq_program", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# program(name, config) -> .mlir text; config: a dict of StepConfig's fields
# plus "quantize" and "batch".
program = _load_generator().program_text


def compile_bundle(build, name, config, out_dir, target="sm_90", extra_args=()):
    """Writes NAME.mlir and compiles NAME.pqmod; returns stderr ('' if clean)."""
    src = os.path.join(out_dir, name + ".mlir")
    open(src, "w").write(program(name, config))
    dst = os.path.join(out_dir, name + ".pqmod")
    r = subprocess.run([os.path.join(build, "bin", "pq-compile"), src, f"--target={target}",
                        f"--max-seq-len={config['max_seq_len']}", *extra_args, "-o", dst],
                       capture_output=True, text=True)
    if r.returncode != 0:
        return r.stderr or f"pq-compile exited {r.returncode}"
    return r.stderr
