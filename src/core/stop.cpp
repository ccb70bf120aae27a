#include "infofrag/core/stop.hpp"

#include <csignal>

namespace infofrag {

namespace {
volatile std::sig_atomic_t requested = 0;
}  // namespace

void request_stop(int signal) noexcept { requested = signal; }
int stop_requested() noexcept { return requested; }
void clear_stop() noexcept { requested = 0; }

}  // namespace infofrag
