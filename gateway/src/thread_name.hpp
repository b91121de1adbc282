// Names the calling thread, so that `top -H`, `ps -L`, perf and core dumps say which part of
// the daemon a thread is (network, HTTP worker, job runner, checkpointer). Linux keeps at most
// 15 bytes; longer names are cut.
#pragma once

#include <pthread.h>

#include <string>
#include <string_view>

namespace edigate::gateway {

inline void name_this_thread(std::string_view name) {
  const std::string cut(name.substr(0, 15));
  (void)pthread_setname_np(pthread_self(), cut.c_str());
}

}  // namespace edigate::gateway
