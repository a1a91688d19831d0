/*
 * memory_trim: gives a burst's freed memory back to the system (issue #14 §5).
 *
 * - trim(): glibc's malloc_trim(0). glibc's main heap grows with brk and is only shrunk from its top:
 *   memory freed between live allocations (the receiver's socket buffers and bodies after a burst of
 *   large deliveries) stays resident until malloc_trim(0) releases its free pages. Node has no binding
 *   for it; this is one. Elsewhere (musl, macOS) there is nothing to call: `available` is false and
 *   `trim()` returns false.
 * - collect(): V8's Isolate::LowMemoryNotification() on the calling thread's isolate: full garbage
 *   collections that also shrink the heap's spaces. A burst's request bodies are freed only when V8
 *   collects their Buffer objects, which an idle process may not do for many seconds; after this call
 *   they are freed, and trim() can give their pages back. Blocks the thread for the collection (tens of
 *   milliseconds for a heap of some tens of MB): call it when the process is quiet.
 *
 * The module is built for the node that builds it (it uses V8's API besides Node-API), like any
 * addon compiled on install.
 */
#include <node_api.h>
#include <v8.h>
#if defined(__GLIBC__)
#include <malloc.h>
#define MEMORY_TRIM_AVAILABLE true
#else
#define MEMORY_TRIM_AVAILABLE false
#endif

namespace {

/* trim() → true when memory was given back to the system. */
napi_value Trim(napi_env env, napi_callback_info) {
  bool released = false;
#if defined(__GLIBC__)
  released = malloc_trim(0) == 1;
#endif
  napi_value result;
  napi_get_boolean(env, released, &result);
  return result;
}

/* collect() → undefined, after V8's low-memory collection of this thread's heap. */
napi_value Collect(napi_env env, napi_callback_info) {
  v8::Isolate* isolate = v8::Isolate::GetCurrent();
  if (isolate != nullptr) isolate->LowMemoryNotification();
  napi_value result;
  napi_get_undefined(env, &result);
  return result;
}

napi_value Init(napi_env env, napi_value exports) {
  napi_value trim;
  napi_value collect;
  napi_value available;
  napi_create_function(env, "trim", NAPI_AUTO_LENGTH, Trim, nullptr, &trim);
  napi_create_function(env, "collect", NAPI_AUTO_LENGTH, Collect, nullptr, &collect);
  napi_get_boolean(env, MEMORY_TRIM_AVAILABLE, &available);
  napi_set_named_property(env, exports, "trim", trim);
  napi_set_named_property(env, exports, "collect", collect);
  napi_set_named_property(env, exports, "available", available);
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
