/* Uses the installed C API; exits 0 when every call behaves (with or
 * without a GPU). */
#include <pqrt/pqrt.h>

#include <stdio.h>

int main(void) {
  int count = 0;
  pqrt_status status = pqrt_device_count(&count);
  printf("pqrt_device_count: %s %s\n", pqrt_status_name(status),
         pqrt_last_error());
  if (status != PQRT_OK && status != PQRT_NO_DRIVER &&
      status != PQRT_NO_DEVICE) {
    return 1;
  }
  pqrt_config config = {8, 2, 64, 2, 6, 4, 8, 16, 4,
                        PQRT_METRIC_EUCLIDEAN, PQRT_LAYOUT_COMPACT,
                        PQRT_BF16, PQRT_F32, PQRT_BF16, PQRT_I64};
  int64_t total = 0;
  int full = 1;
  if (pqrt_output_total(&config, 200, &total, &full) != PQRT_OK ||
      total != 28 || full != 0) {
    return 1;
  }
  return pqrt_bundle_get_info(NULL, NULL) == PQRT_INVALID_ARGUMENT ? 0 : 1;
}
