//! How the process asks its allocator to behave.

/// Largest allocation served from the heap; larger ones are mapped and unmapped whole.
const MAP_FROM_BYTES: i32 = 1 << 20;

/// Fixes glibc's threshold for mapping large allocations. Left alone, glibc raises it each time
/// a mapped block is freed, after which the queue's large buffers (a million findings' order,
/// index and rows, regrown as they fill) come from the heap and leave holes there when
/// replaced: 17 MiB of 100 MiB resident at 100,000 findings (`scripts/bench-memory.sh`). Fixed,
/// they go back to the system when freed. Other allocators decide this themselves.
pub fn tune_allocator() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets a tuning parameter; called before any thread is started.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, MAP_FROM_BYTES);
    }
}
