{
  "targets": [
    {
      "target_name": "memory_trim",
      "sources": ["memory_trim.cc"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
