/*
 * memory_trim: gives the C library's free memory back to the system (glibc's malloc_trim(0)).
 *
 * glibc's main heap grows with brk and is only shrunk from its top: memory freed between live
 * allocations (the receiver's socket buffers after a burst of large bodies) stays resident until
 * malloc_trim(0) releases its free pages. Node has no binding for it; this is one.
 * Elsewhere (musl, macOS) there is nothing to call: `available` is false and `trim()` returns false.
 */
#include <node_api.h>
#include <stdbool.h>
#if defined(__GLIBC__)
#include <malloc.h>
#define MEMORY_TRIM_AVAILABLE true
#else
#define MEMORY_TRIM_AVAILABLE false
#endif

/* trim() → true when memory was given back to the system. */
static napi_value Trim(napi_env env, napi_callback_info info) {
  bool released = false;
#if defined(__GLIBC__)
  released = malloc_trim(0) == 1;
#endif
  napi_value result;
  napi_get_boolean(env, released, &result);
  return result;
}

static napi_value Init(napi_env env, napi_value exports) {
  napi_value trim;
  napi_value available;
  napi_create_function(env, "trim", NAPI_AUTO_LENGTH, Trim, NULL, &trim);
  napi_get_boolean(env, MEMORY_TRIM_AVAILABLE, &available);
  napi_set_named_property(env, exports, "trim", trim);
  napi_set_named_property(env, exports, "available", available);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
