#pragma once

namespace infofrag {

/// A request to stop at the next safe point, set by the command layer's handler of SIGTERM
/// and SIGUSR1 (what Slurm sends before it preempts a job or reaches its time limit). Long
/// stages poll it: training writes a checkpoint at the next step and returns.

/// Records `signal` as the reason to stop. Async-signal-safe: a signal handler may call it.
void request_stop(int signal) noexcept;
/// The signal of the pending request, 0 when none.
int stop_requested() noexcept;
/// Forgets a request (tests, and a process that handled one and goes on).
void clear_stop() noexcept;

}  // namespace infofrag
