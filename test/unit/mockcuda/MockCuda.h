//===- MockCuda.h - Control API of the mock libcuda.so.1 --------*- C++ -*-===//
//
// A fake CUDA driver for testing libpqrt's driver-facing code without a GPU:
// it exports the symbols of runtime/lib/driver/Symbols.h, keeps a fake
// device/context/module state and records every launch with its parameter
// bytes. Tests reach this control API through dlsym, because libpqrt (not
// the test) is what opens the library.
//
//===----------------------------------------------------------------------===//

#ifndef PQ_TEST_UNIT_MOCKCUDA_MOCKCUDA_H
#define PQ_TEST_UNIT_MOCKCUDA_MOCKCUDA_H

#include <cstddef>
#include <cstdint>

extern "C" {

struct MockLaunch {
  char function[128];
  unsigned grid[3];
  unsigned block[3];
  unsigned smem;
  unsigned cluster[3]; // 1s for cuLaunchKernel
  void *stream;
  void *context; // current when launched
  int extended;  // 1: cuLaunchKernelEx
  int paramCount;
  uint64_t params[64];
};

struct MockDevice {
  int major;
  int minor;
  int sharedMemoryOptIn;
  int clusterLaunch;
};

/// Forgets all records and injected failures; loaded modules stay (the
/// runtime's cache may still hold them). Devices: one sm_90, 227 KiB smem.
void mockcuda_reset(void);
void mockcuda_set_devices(int count, MockDevice device);
/// Kernels take this many 8-byte parameters (default 0: copy none).
void mockcuda_set_param_count(int count);
/// The next call to `function` returns `result`; for cuModuleLoadDataEx
/// `log` goes to the JIT error log buffer.
void mockcuda_fail_next(const char *function, int result, const char *log);

/// Counters: "module_loads", "module_unloads", "live_modules", "launches",
/// "allocs", "frees", "ctx_retains", "ctx_releases", "ctx_depth" (this
/// thread's pushed contexts), "copies", "syncs", "streams" and "events"
/// (live), "event_records", "captured_launches", "graphs" and "graph_execs"
/// (live), "graph_launches", "host_allocs", "host_frees", "stream_waits" and
/// "stream_waits_pending" (waits enqueued while the word was below them).
int mockcuda_count(const char *counter);
const MockLaunch *mockcuda_launch(int index);
/// The last image given to cuModuleLoadDataEx (as a NUL-terminated string
/// for PTX; its first bytes for a cubin) and its strlen.
const char *mockcuda_last_image(void);
/// The last value set with cuFuncSetAttribute, -1 when never set.
int mockcuda_func_attribute(const char *function, int attribute);
/// Size of the last cuMemAlloc and the address it returned.
size_t mockcuda_last_alloc_size(void);
uint64_t mockcuda_last_alloc_address(void);
/// The primary context the mock hands out for a device ordinal.
void *mockcuda_primary_context(int ordinal);
}

#endif // PQ_TEST_UNIT_MOCKCUDA_MOCKCUDA_H
