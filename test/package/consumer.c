/* Uses the installed C API as a C host does: built against the installed
 * pqrt.h, linked to the installed libpqrt.so. Checks the library's version
 * against the header's and the struct_size rules of pqrt.h from the
 * caller's side (an older and a newer caller, simulated); exits 0 when
 * every call behaves (with or without a GPU).
 *   consumer_c SAMPLE_BUNDLE */
#include <pqrt/pqrt.h>

#include <stdio.h>
#include <string.h>

static int failures = 0;

static void check(int ok, const char *what) {
  if (!ok) {
    printf("FAIL: %s (last error: %s)\n", what, pqrt_last_error());
    ++failures;
  }
}

static int mentions(const char *text) {
  return strstr(pqrt_last_error(), text) != NULL;
}

static void checkVersion(void) {
  uint32_t version = pqrt_get_version();
  printf("libpqrt %u.%u, header %d.%d\n", version >> 16, version & 0xffffu,
         PQRT_VERSION_MAJOR, PQRT_VERSION_MINOR);
  check(version == PQRT_VERSION, "the library is the header's version");
  check(pqrt_version_compatible(version), "the library serves this header");
  check(!pqrt_version_compatible(version + (1u << 16)),
        "another major version is refused");
  check(pqrt_version_compatible(version + 1u), "a newer minor version serves");
  check(!pqrt_version_compatible(version - 1u), "an older library is refused");
}

static pqrt_config sampleConfig(void) {
  pqrt_config config;
  pqrt_config_init(&config);
  config.heads = 8;
  config.kv_heads = 2;
  config.head_dim = 64;
  config.subspaces = 2;
  config.bits = 6;
  config.sink = 4;
  config.window = 8;
  config.heavy = 16;
  config.init_offset = 4;
  config.metric = PQRT_METRIC_EUCLIDEAN;
  config.layout = PQRT_LAYOUT_COMPACT;
  config.query_type = PQRT_BF16;
  config.centroid_type = PQRT_F32;
  config.weight_type = PQRT_BF16;
  config.index_type = PQRT_I64;
  return config;
}

/* A caller built with a newer pqrt.h: the struct has a field more. */
struct newer_config {
  pqrt_config config;
  int64_t future_field;
};

static void checkStructsRead(void) {
  pqrt_config config = sampleConfig();
  int64_t total = -1;
  int full = -1;
  check(pqrt_output_total(&config, 200, &total, &full) == PQRT_OK &&
            total == 28 && full == 0,
        "pqrt_output_total of an initialized config");

  config.struct_size = 0; /* a caller that never set it */
  total = -1;
  check(pqrt_output_total(&config, 200, &total, NULL) ==
                PQRT_INVALID_ARGUMENT &&
            mentions("config.struct_size: is 0") && total == -1,
        "struct_size 0 is refused and nothing is written");
  config.struct_size = sizeof(pqrt_config) - 8; /* older than version 1.0 */
  check(pqrt_output_total(&config, 200, &total, NULL) ==
                PQRT_INVALID_ARGUMENT &&
            mentions("config.struct_size:"),
        "a struct smaller than any version is refused");

  struct newer_config newer;
  memset(&newer, 0, sizeof(newer));
  newer.config = sampleConfig();
  newer.config.struct_size = sizeof(newer);
  check(pqrt_output_total(&newer.config, 200, &total, &full) == PQRT_OK &&
            total == 28,
        "a newer caller's struct whose new field is unset is read");
  newer.future_field = 7;
  check(pqrt_output_total(&newer.config, 200, &total, &full) ==
                PQRT_INVALID_ARGUMENT &&
            mentions("newer pqrt.h"),
        "a newer caller's struct using a field the library lacks is refused");
}

/* The info struct of a newer header, followed by bytes it does not own. */
struct newer_info {
  pqrt_bundle_info info;
  int64_t future_field;
  int64_t not_the_struct;
};

static void checkStructsWritten(const char *path) {
  pqrt_bundle *bundle = NULL;
  check(pqrt_bundle_load_file(path, &bundle) == PQRT_OK, "load the bundle");
  if (!bundle) {
    return;
  }
  pqrt_bundle_info info;
  pqrt_bundle_info_init(&info);
  check(pqrt_bundle_get_info(bundle, &info) == PQRT_OK &&
            strcmp(info.entry, "sample") == 0 && info.num_kernels == 1 &&
            info.struct_size == sizeof(info),
        "pqrt_bundle_get_info of an initialized struct");

  memset(&info, 0x5a, sizeof(info));
  info.struct_size = 0;
  check(pqrt_bundle_get_info(bundle, &info) == PQRT_INVALID_ARGUMENT &&
            info.num_kernels == 0x5a5a5a5a,
        "struct_size 0: refused, nothing written");

  struct newer_info newer;
  memset(&newer, 0x5a, sizeof(newer));
  newer.info.struct_size = offsetof(struct newer_info, not_the_struct);
  check(pqrt_bundle_get_info(bundle, &newer.info) == PQRT_OK &&
            strcmp(newer.info.entry, "sample") == 0 &&
            newer.info.struct_size ==
                offsetof(struct newer_info, not_the_struct) &&
            newer.future_field == 0 &&
            newer.not_the_struct == 0x5a5a5a5a5a5a5a5a,
        "a newer caller's struct: known fields filled, the unknown one "
        "zeroed, nothing written past struct_size");

  pqrt_config config;
  pqrt_config_init(&config);
  check(pqrt_bundle_get_config(bundle, &config) == PQRT_OK &&
            config.heads == 8 && config.struct_size == sizeof(config),
        "pqrt_bundle_get_config");
  pqrt_bundle_destroy(bundle);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    printf("usage: consumer_c SAMPLE_BUNDLE\n");
    return 2;
  }
  int count = 0;
  pqrt_status status = pqrt_device_count(&count);
  printf("pqrt_device_count: %s %s\n", pqrt_status_name(status),
         pqrt_last_error());
  check(status == PQRT_OK || status == PQRT_NO_DRIVER ||
            status == PQRT_NO_DEVICE,
        "pqrt_device_count");
  checkVersion();
  checkStructsRead();
  checkStructsWritten(argv[1]);
  check(pqrt_bundle_get_info(NULL, NULL) == PQRT_INVALID_ARGUMENT,
        "NULL bundle");
  return failures == 0 ? 0 : 1;
}
