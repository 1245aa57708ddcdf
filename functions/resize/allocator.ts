// glibc's malloc (Lambda's Node.js runtimes run on glibc) starts a process with a 128 KiB mmap
// threshold and trim threshold: a block above the first is mapped on its own and unmapped when
// freed, and free memory above the second at the top of a heap is given back to the system. A
// miss's decode and encode buffers are megabytes, so a container's call often faults its pages
// in anew (a few hundred to 1,500 minor faults per webp miss here, up to a third of its time),
// or not, depending on the thread that ran it and the allocator's history.
//
// The usual fix is the environment (GLIBC_TUNABLES, MALLOC_MMAP_THRESHOLD_) or jemalloc through
// LD_PRELOAD, and a Lambda@Edge function takes neither environment variables nor layers
// (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/lambda-at-edge-function-restrictions.html,
// "Lambda features"). But glibc adjusts both thresholds itself: freeing a mapped block of at most
// DEFAULT_MMAP_THRESHOLD_MAX (32 MiB on 64-bit) raises the mmap threshold to its size and the
// trim threshold to twice that, for the rest of the process (malloc/malloc.c, __libc_free; the
// "dynamic mmap threshold" of mallopt(3)). One block just under that cap, allocated and dropped
// when the bundle loads, does it: it is mapped but never written, so it costs no pages, and V8
// frees it at its next collection. On another allocator (musl, jemalloc) it is a dropped buffer.
// docs/performance.md, "One freed block settles the allocator".

/** Just under glibc's 32 MiB cap for the dynamic threshold, header and page rounding included. */
export const THRESHOLD_RAISING_BYTES = 31 * 1024 * 1024;

/** Makes glibc keep freed blocks up to 31 MiB in its heaps for the container's life (see above). */
export function settleAllocator(): void {
  Buffer.allocUnsafeSlow(THRESHOLD_RAISING_BYTES);
}
