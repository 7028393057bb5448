// Clang's thread-safety analysis (-Wthread-safety): a member GUARDED_BY(mu_) read or written
// without holding mu_, or a function that REQUIRES(mu_) called without it, does not compile with
// clang (the fuzz build and any clang build). The macros expand to nothing for GCC.
// Attribute names: https://clang.llvm.org/docs/ThreadSafetyAnalysis.html
#pragma once

#if defined(__clang__)
#define PINPIPE_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define PINPIPE_THREAD_ANNOTATION(x)
#endif

#define CAPABILITY(name) PINPIPE_THREAD_ANNOTATION(capability(name))
#define SCOPED_CAPABILITY PINPIPE_THREAD_ANNOTATION(scoped_lockable)
#define GUARDED_BY(mu) PINPIPE_THREAD_ANNOTATION(guarded_by(mu))
#define PT_GUARDED_BY(mu) PINPIPE_THREAD_ANNOTATION(pt_guarded_by(mu))
#define REQUIRES(...) PINPIPE_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define EXCLUDES(...) PINPIPE_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
#define ACQUIRE(...) PINPIPE_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define RELEASE(...) PINPIPE_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
#define TRY_ACQUIRE(...) PINPIPE_THREAD_ANNOTATION(try_acquire_capability(__VA_ARGS__))
#define REQUIRES_SHARED(...) PINPIPE_THREAD_ANNOTATION(requires_shared_capability(__VA_ARGS__))
#define ACQUIRE_SHARED(...) PINPIPE_THREAD_ANNOTATION(acquire_shared_capability(__VA_ARGS__))
#define RELEASE_SHARED(...) PINPIPE_THREAD_ANNOTATION(release_shared_capability(__VA_ARGS__))
#define RELEASE_GENERIC(...) PINPIPE_THREAD_ANNOTATION(release_generic_capability(__VA_ARGS__))
#define ACQUIRED_AFTER(...) PINPIPE_THREAD_ANNOTATION(acquired_after(__VA_ARGS__))
#define ACQUIRED_BEFORE(...) PINPIPE_THREAD_ANNOTATION(acquired_before(__VA_ARGS__))
#define RETURN_CAPABILITY(x) PINPIPE_THREAD_ANNOTATION(lock_returned(x))
#define ASSERT_CAPABILITY(x) PINPIPE_THREAD_ANNOTATION(assert_capability(x))
#define NO_THREAD_SAFETY_ANALYSIS PINPIPE_THREAD_ANNOTATION(no_thread_safety_analysis)
